// The Espruino adapter: Storage-backed or raw flash, free memory from process.memory(), the clock
// from getTime(), timers from setInterval, a flush when the interpreter is told to stop.
// It runs on Espruino only (it is bundled into dist/espruino/), so it may use Espruino's globals
// and 32-bit bit operations; it keeps to the rest of the core dialect. Every function defined here
// costs RAM on the board (about 8 variables), so built-in functions serve as port members directly.

import { E_FLASH, fail, failOption } from "../errors";
import { fill } from "../bytes";
import { Clock, Flash, Memory, OpenDatabase, Platform, Scheduler } from "../ports";

// Espruino's globals, as far as this file uses them (@types/espruino would clash with Node's types).
interface StorageModule {
  read(name: string, offset?: number, length?: number): string | undefined;
  write(name: string, data: string, offset?: number, size?: number): boolean;
  getFree(): number;
}
interface FlashModule {
  read(length: number, addr: number): unknown;
  write(data: string, addr: number): void;
  erasePage(addr: number): void;
  getPage(addr: number): { addr: number; length: number } | undefined;
  getFree(): { addr: number; length: number }[];
}
declare const E: { on(event: string, fn: () => void): void; removeListener(event: string, fn: () => void): void; toString(a: unknown): string };
declare function getTime(): number;
declare function setInterval(fn: () => void, ms: number): unknown;
declare function clearInterval(h: unknown): void;
// Through `global`: a bare require("Storage") would make esbuild treat it as a module to bundle.
declare const global: { require(name: string): unknown };
declare const process: { memory(gc?: boolean): { free: number; blocksize?: number } };

/**
 * Free variables times the size of one (16 bytes when process.memory() does not say): what the
 * interpreter can still allocate. The scale is the variables a record takes for each byte the RAM
 * budget counts for it: firmware/measure.js measures at most 0.17 (100 records of 7 document
 * shapes, from a bare number to nested objects with tags, on the Linux build and the 2630-variable
 * build); 0.21 keeps a quarter in hand.
 */
export function espruinoMemory(): Memory {
  const bytes = process.memory().blocksize || 16;
  return {
    free: function () {
      return process.memory().free * bytes;
    },
    scale: 0.21 * bytes,
  };
}

export function espruinoClock(): Clock {
  return { now: getTime };
}

export function espruinoScheduler(): Scheduler {
  return {
    every: function (seconds: number, fn: () => void) {
      return setInterval(fn, seconds * 1000);
    },
    cancel: clearInterval,
  };
}


/** Check that a program (or an erase, of a whole page) covers whole granules of one page of the region. */
function nor(f: Flash, addr: number, len: number): void {
  const g = f.granularity;
  const ps = f.pageSize;
  if (!(addr >= 0) || addr + len > ps * f.pageCount || addr % g || len % g || (addr % ps) + len > ps) fail(E_FLASH, "bad address " + addr);
}

export interface StorageFlashOptions {
  /** Prefix of the page files' names (default "mdb"): "mdb0", "mdb1"... at most 24 characters. */
  name?: string;
  pageSize?: number;
  /** Pages (default: up to 8, at most half of the free Storage). */
  pageCount?: number;
  /** Program granularity in bytes (default 4: every Espruino chip writes whole 32-bit words). */
  granularity?: number;
}

/**
 * Flash pages kept as Storage files: the firmware and other files cannot be hurt. A page is one
 * file, created at full size by erase() and programmed in place. Storage rewrites a file that is
 * written at offset 0 and only writes over bytes that are still 0xFF, so each file starts with
 * `granularity` spare bytes, and programming over written bytes (clearing more bits, as NOR allows)
 * rewrites that page's file.
 */
export function storageFlash(o?: StorageFlashOptions): Flash {
  const opt = o || {};
  const S = global.require("Storage") as StorageModule;
  const prefix = opt.name ?? "mdb";
  const pageSize = opt.pageSize ?? 4096;
  const g = opt.granularity ?? 4;
  // A Storage file header is 32 bytes.
  const pages = opt.pageCount ?? Math.min(8, Math.floor(S.getFree() / 2 / (pageSize + g + 32)));
  if (!prefix || prefix.length > 24) failOption("name: 1 to 24 chars");
  if (pageSize < 256 || pageSize % g || g < 1) failOption("pageSize: 256+, whole granules");
  if (pages < 2) failOption("Storage full");
  /** Write to a page's file, or throw E_FLASH with why not. */
  const write = function (p: number, data: string, offset: number, size?: number): void {
    let why: unknown = "full";
    try {
      if (S.write(prefix + p, data, offset, size)) return;
    } catch (e) {
      why = e;
    }
    fail(E_FLASH, "Storage write " + prefix + p + ": " + why);
  };
  const f: Flash = {
    pageSize: pageSize,
    pageCount: pages,
    granularity: g,
    read: function (addr: number, len: number): string {
      let out = "";
      while (len > 0) {
        const at = addr % pageSize;
        const n = Math.min(len, pageSize - at);
        const s = S.read(prefix + (addr - at) / pageSize, g + at, n);
        // Copied into RAM (+ ""): a string read from memory-mapped flash changes when Storage compacts.
        out += s && s.length >= n ? s + "" : fill(255, n);
        addr += n;
        len -= n;
      }
      return out;
    },
    program: function (addr: number, data: string): void {
      const n = data.length;
      nor(f, addr, n);
      const at = addr % pageSize;
      const p = (addr - at) / pageSize;
      const old = f.read(addr, n);
      if (old === data) return;
      // Erased bytes of a page's file are programmed in place.
      if (old === fill(255, n) && S.read(prefix + p, 0, 1)) return write(p, data, g + at);
      // A page with no file yet is created with the data in it. Over written bytes (a torn obsolete
      // mark written again): NOR only clears bits, and Storage only writes over erased bytes, so the
      // page's file is written anew. A power cut meanwhile loses the page; the core writes nothing
      // else over data.
      for (let i = 0; i < n; i++) {
        const d = data.charCodeAt(i);
        if ((old.charCodeAt(i) & d) !== d) fail(E_FLASH, "0 bit to 1 at " + (addr + i));
      }
      write(p, fill(255, g) + f.read(addr - at, at) + data + f.read(addr + n, pageSize - at - n), 0);
    },
    erase: function (p: number): void {
      nor(f, p * pageSize, pageSize);
      // Written at offset 0, a file that holds data is replaced by an erased one of the same size.
      write(p, fill(255, g), 0, pageSize + g);
    },
  };
  return f;
}

export interface RawFlashOptions {
  /** Address of the region's first page, as require("Flash").getFree() lists them. */
  start: number;
  pageCount: number;
  /** Bytes of a page (default: the chip's page at `start`). */
  pageSize?: number;
  granularity?: number;
}

/**
 * Raw pages through require("Flash"), for a region a board profile names. The region must lie in
 * an area that require("Flash").getFree() reports, so neither the firmware nor Storage is hurt.
 */
export function rawFlash(o: RawFlashOptions): Flash {
  const F = global.require("Flash") as FlashModule;
  const start = o.start;
  const page = F.getPage(start);
  if (!page || page.addr !== start) failOption("start: not a page");
  const pageSize = (page as { length: number }).length;
  if ((o.pageSize ?? pageSize) !== pageSize) failOption("pageSize: not the chip's");
  const end = start + pageSize * o.pageCount;
  const free = F.getFree();
  if (
    !free.some(function (r) {
      return start >= r.addr && end <= r.addr + r.length;
    })
  )
    failOption("region not in getFree()");
  const f: Flash = {
    pageSize: pageSize,
    pageCount: o.pageCount,
    granularity: o.granularity ?? 4,
    read: function (addr: number, len: number): string {
      return len ? E.toString(F.read(len, start + addr)) : "";
    },
    program: function (addr: number, data: string): void {
      nor(f, addr, data.length);
      F.write(data, start + addr);
    },
    erase: function (p: number): void {
      nor(f, p * pageSize, pageSize);
      F.erasePage(start + p * pageSize);
    },
  };
  return f;
}

export const espruinoPlatform: Platform = {
  memory: espruinoMemory,
  clock: espruinoClock,
  scheduler: espruinoScheduler,
  flash: storageFlash,
  /** An open database is flushed when the interpreter stops running the program (reset(), load(), save()). */
  opened: function (db: OpenDatabase): void {
    const flush = function (): void {
      try {
        db.flush();
      } catch (e) {
        // Nothing is left to tell: the program is going away.
      }
    };
    E.on("kill", flush);
    // "close" comes once: a closed database is no longer flushed, nor kept.
    db.on("close", function () {
      return E.removeListener("kill", flush);
    });
  },
};
