// FileFlash: a flash image in a file, for the host. A database in flash mode persists in it between
// runs, and the file is the raw flash region byte for byte, so an image can be inspected
// (inspectImage) and shipped to a device. It enforces the NOR rules as SimFlash does. Node only.

import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { E_FLASH, fail } from "../errors";
import { imageGeometry, ImageGeometry } from "../page";
import { Flash } from "../ports";
import { clearsOnly } from "./simflash";

export interface FileFlashOptions {
  pageSize?: number;
  pageCount?: number;
  granularity?: number;
}

export class FileFlash implements Flash {
  path: string;
  pageSize: number;
  pageCount: number;
  granularity: number;
  private fd: number;

  /**
   * Open the image at path. A new file is made erased (0xFF) with the given geometry (default 4096 x
   * 16, granularity 4); an existing one keeps its own, read from its first MoteDB page header when
   * no geometry is given.
   */
  constructor(path: string, options?: FileFlashOptions) {
    const o = options === undefined ? {} : options;
    this.path = path;
    const exists = existsSync(path);
    this.fd = openSync(path, exists ? "r+" : "w+");
    const size = fstatSync(this.fd).size;
    const found = exists && size > 0 ? geometryOf(this.fd, size) : undefined;
    const geo = found !== undefined ? found : { pageSize: 4096, pageCount: 16, granularity: 4 };
    this.pageSize = o.pageSize !== undefined ? o.pageSize : geo.pageSize;
    this.granularity = o.granularity !== undefined ? o.granularity : geo.granularity;
    this.pageCount = o.pageCount !== undefined ? o.pageCount : exists && size > 0 ? Math.floor(size / this.pageSize) : geo.pageCount;
    const want = this.pageSize * this.pageCount;
    if (size < want) {
      const ff = Buffer.alloc(want - size, 0xff);
      writeSync(this.fd, ff, 0, ff.length, size);
    }
  }

  read(addr: number, len: number): string {
    if (addr < 0 || addr + len > this.pageSize * this.pageCount) fail(E_FLASH, "read past the image: " + addr + "+" + len);
    const b = Buffer.alloc(len);
    readSync(this.fd, b, 0, len, addr);
    return b.toString("latin1");
  }

  program(addr: number, data: string): void {
    const g = this.granularity;
    if (addr % g !== 0 || data.length % g !== 0) fail(E_FLASH, "a program at " + addr + " of " + data.length + " bytes is not aligned to " + g);
    if (Math.floor(addr / this.pageSize) !== Math.floor((addr + data.length - 1) / this.pageSize)) fail(E_FLASH, "a program crosses a page");
    const old = this.read(addr, data.length);
    for (let i = 0; i < data.length; i++) {
      const o = old.charCodeAt(i);
      const d = data.charCodeAt(i);
      if (!clearsOnly(o, d)) fail(E_FLASH, "NOR rule broken: programming address " + (addr + i) + " would turn a 0 bit into 1");
    }
    const b = Buffer.from(data, "latin1");
    writeSync(this.fd, b, 0, b.length, addr);
  }

  erase(page: number): void {
    const b = Buffer.alloc(this.pageSize, 0xff);
    writeSync(this.fd, b, 0, b.length, page * this.pageSize);
  }

  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The geometry an image file's page headers record (see imageGeometry). */
function geometryOf(fd: number, size: number): ImageGeometry | undefined {
  return imageGeometry(function (at: number, len: number): string {
    const b = Buffer.alloc(len);
    readSync(fd, b, 0, len, at);
    return b.toString("latin1");
  }, size);
}

