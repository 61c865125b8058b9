// The NodeMCU adapter: flash pages in one image file on the board's file system (SPIFFS or LFS),
// free memory from node.heap(), timers from tmr, time from rtctime. The Lua entry (lua-entry.ts)
// registers these as the defaults; everything here runs in Lua only.

import { E_FLASH, fail } from "../errors";
import { fill } from "../bytes";
import { imageGeometry } from "../page";
import { Clock, Flash, Memory, Platform, Scheduler } from "../ports";

// NodeMCU's globals, as much of them as MoteDB uses. Methods called with `:` declare `this`.
interface FileObj {
  seek(this: FileObj, whence: string, offset: number): number | undefined;
  read(this: FileObj, n: number): string | undefined;
  write(this: FileObj, s: string): boolean | undefined;
  flush(this: FileObj): void;
  close(this: FileObj): void;
}
interface Timer {
  alarm(this: Timer, ms: number, mode: number, fn: (this: void, t: Timer) => void): boolean;
  unregister(this: Timer): void;
}
declare const file: {
  open(this: void, name: string, mode: string): FileObj | undefined;
  exists(this: void, name: string): boolean;
};
declare const node: { heap(this: void): number };
declare const tmr: { create(this: void): Timer; ALARM_AUTO: number };
declare const rtctime: { get(this: void): number } | undefined;

/** NodeMCU reads a file at most this many bytes a call (FILE_READ_CHUNK in its file.c). */
const CHUNK = 1024;
/** The longest interval NodeMCU's tmr accepts on the ESP8266 (about 1 h 54 min), in ms. */
const MAX_TIMER_MS = 6870947;

export interface NodeMcuFlashOptions {
  /** The image file (default "motedb.img"; SPIFFS names have at most 31 characters). */
  name?: string;
  /** Bytes a page (default 4096, the ESP8266's and ESP32's sector size). */
  pageSize?: number;
  /** Pages in the image (default 16: a 64 KB file). */
  pageCount?: number;
  /** Program granularity in bytes, 1, 4, 8 or 16 (default 4, as FileFlash on a computer). */
  granularity?: number;
}

function must(ok: unknown, what: string): void {
  if (ok === undefined || ok === null || ok === false) fail(E_FLASH, what);
}

/** Read len bytes at addr, in NodeMCU-sized chunks; throws E_FLASH when the file ends first. */
function readAt(f: FileObj, name: string, addr: number, len: number): string {
  must(f.seek("set", addr), "cannot seek in " + name);
  const parts: string[] = [];
  let got = 0;
  while (got < len) {
    const s = f.read(len - got > CHUNK ? CHUNK : len - got);
    if (s === undefined || s.length === 0) fail(E_FLASH, name + " ends before byte " + (addr + len));
    parts.push(s);
    got += s.length;
  }
  return parts.join("");
}

/** Write n erased bytes (0xFF) at the file's position, a chunk at a time. */
function writeBlank(f: FileObj, name: string, n: number): void {
  const blank = fill(255, n < CHUNK ? n : CHUNK);
  for (let left = n; left > 0; left -= CHUNK) must(f.write(left >= CHUNK ? blank : blank.substring(0, left)), "cannot write " + name);
}

/** The geometry a MoteDB image file records in its page headers (see imageGeometry), or undefined. */
function geometryOf(f: FileObj, name: string, size: number): NodeMcuFlashOptions | undefined {
  return imageGeometry(function (at: number, len: number): string {
    return readAt(f, name, at, len);
  }, size);
}

/**
 * Flash as one image file of raw flash bytes, page after page: the same bytes a FileFlash holds on
 * a computer, so an image copied off the board opens there, and back. A new file is created full
 * of 0xFF (erased) at its full size; an existing one keeps the geometry its page headers record
 * unless the options say otherwise, and a file of another size is refused rather than reshaped.
 * Programs write in place, so the store's NOR discipline (it only programs erased bytes) holds.
 */
export function nodemcuFlash(options?: NodeMcuFlashOptions): Flash {
  const o = options === undefined ? {} : options;
  const name = o.name === undefined ? "motedb.img" : o.name;
  let fd: FileObj | undefined = file.exists(name) ? file.open(name, "r+") : undefined;
  let geo: NodeMcuFlashOptions | undefined = undefined;
  if (fd !== undefined) geo = geometryOf(fd, name, fd.seek("end", 0) as number);
  if (geo === undefined) geo = { pageSize: 4096, pageCount: 16, granularity: 4 };
  const pageSize = o.pageSize === undefined ? (geo.pageSize as number) : o.pageSize;
  const pageCount = o.pageCount === undefined ? (geo.pageCount as number) : o.pageCount;
  const granularity = o.granularity === undefined ? (geo.granularity as number) : o.granularity;
  const size = pageSize * pageCount;
  if (fd === undefined) {
    fd = file.open(name, "w+");
    must(fd, "cannot create the flash image file " + name);
    writeBlank(fd as FileObj, name, size);
    (fd as FileObj).flush();
  }
  const f = fd as FileObj;
  const end = f.seek("end", 0);
  if (end !== size) {
    fail(E_FLASH, name + " holds " + String(end) + " bytes, not " + size + " (" + pageCount + " pages of " + pageSize + "): pass its geometry");
  }
  return {
    pageSize: pageSize,
    pageCount: pageCount,
    granularity: granularity,
    read(addr: number, len: number): string {
      return readAt(f, name, addr, len);
    },
    program(addr: number, data: string): void {
      must(f.seek("set", addr), "cannot seek in " + name);
      must(f.write(data), "cannot write " + name);
    },
    erase(page: number): void {
      must(f.seek("set", page * pageSize), "cannot seek in " + name);
      writeBlank(f, name, pageSize);
    },
    sync(): void {
      f.flush();
    },
  };
}

/**
 * Bytes of Lua heap a record takes for each byte the RAM budget counts for it. Measured with
 * collectgarbage("count") on 64-bit PCs (100 records of 7 document shapes): at most 7.2 on Lua 5.1
 * and 6.2 on Lua 5.3. NodeMCU is 32-bit: its tables, table slots and strings take at most 0.8 of
 * a 64-bit build's (headers and pointers halve, doubles stay 8 bytes), and 1.25 is kept in hand:
 * 7.2 x 0.8 x 1.25 = 7.2.
 */
export const LUA_SCALE = 7.2;

export function nodemcuMemory(): Memory {
  return {
    free: function (): number {
      return node.heap();
    },
    scale: LUA_SCALE,
  };
}

/**
 * Whole seconds of the RTC (rtctime.get(), set by SNTP or by hand), or of uptime when the firmware
 * has no rtctime module: NodeMCU's clocks count in seconds, and TTLs are whole seconds anyway.
 */
export function nodemcuClock(): Clock {
  return {
    now: function (): number {
      if (rtctime !== undefined) return rtctime.get();
      return tmrUptime();
    },
  };
}

function tmrUptime(): number {
  const t = tmr as unknown as { time?: (this: void) => number };
  return t.time !== undefined ? t.time() : 0;
}

/** Repeating tmr alarms. Intervals past tmr's limit run at the limit: the core's tasks are idempotent. */
export function nodemcuScheduler(): Scheduler {
  return {
    every: function (seconds: number, fn: () => void): unknown {
      let ms = Math.floor(seconds * 1000);
      if (ms < 1) ms = 1;
      if (ms > MAX_TIMER_MS) ms = MAX_TIMER_MS;
      const t = tmr.create();
      t.alarm(ms, tmr.ALARM_AUTO, function () {
        fn();
      });
      return t;
    },
    cancel: function (h: unknown): void {
      (h as Timer).unregister();
    },
  };
}

export const nodemcuPlatform: Platform = {
  memory: nodemcuMemory,
  clock: nodemcuClock,
  scheduler: nodemcuScheduler,
  flash: function (): Flash {
    return nodemcuFlash(undefined);
  },
};
