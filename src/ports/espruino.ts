// The Espruino adapter: Storage-backed or raw flash, free memory from process.memory(), the clock
// from getTime(), timers from setInterval, a flush when the interpreter is told to stop.
// It runs on Espruino only (it is bundled into dist/espruino/), so it may use Espruino's globals
// and 32-bit bit operations; it keeps to the rest of the core dialect.

import { E_FLASH, E_OPTION, moteError } from "../errors";
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
declare const E: { on(event: string, fn: () => void): void; toString(a: unknown): string; asUTF8(s: string): string };
declare function getTime(): number;
declare function setInterval(fn: () => void, ms: number): unknown;
declare function clearInterval(h: unknown): void;
// Through `global`: a bare require("Storage") would make esbuild treat it as a module to bundle.
declare const global: { require(name: string): unknown };
declare const process: { memory(gc?: boolean): { free: number; blocksize?: number } };

/** Bytes a variable takes when process.memory() does not say (16-bit references: 16 bytes). */
const DEFAULT_VAR_BYTES = 16;

/**
 * Variables a record takes for each byte the RAM budget counts for it. firmware/measure.js measures
 * at most 0.17 (100 records of 7 document shapes, from a bare number to nested objects with tags,
 * on the Linux build and the 2630-variable build); 0.21 keeps a quarter in hand.
 */
export const VARS_PER_COUNTED_BYTE = 0.21;

/** Free variables times the size of one: what the interpreter can still allocate. */
export function espruinoMemory(): Memory {
  const m = process.memory();
  const bytes = m.blocksize === undefined ? DEFAULT_VAR_BYTES : m.blocksize;
  return {
    free: function () {
      return process.memory().free * bytes;
    },
    scale: VARS_PER_COUNTED_BYTE * bytes,
  };
}

export function espruinoClock(): Clock {
  return {
    now: function () {
      return getTime();
    },
  };
}

export function espruinoScheduler(): Scheduler {
  return {
    every: function (seconds: number, fn: () => void) {
      return setInterval(fn, seconds * 1000);
    },
    cancel: function (h: unknown) {
      clearInterval(h);
    },
  };
}

/**
 * Text above U+00FF from its UTF-8 bytes: a Unicode string on builds that have them (Bangle.js, the
 * Linux build), and on the others the UTF-8 bytes themselves, which is what a string literal with
 * such characters is there.
 */
export function espruinoWideText(): (this: void, utf8: string) => string {
  let unicode = false;
  try {
    unicode = E.asUTF8("\xe2\x82\xac").length === 1;
  } catch (e) {
    // "Unicode not supported on this build"
  }
  return function (utf8: string): string {
    return unicode ? E.asUTF8(utf8) : utf8;
  };
}

/** Copy a string into RAM: a string read from memory-mapped flash changes when Storage compacts. */
function copy(s: string | undefined, len: number): string {
  return s === undefined || s.length < len ? fill(255, len) : s + "";
}

function bad(msg: string): never {
  throw moteError(E_OPTION, msg);
}

/** Check that a program (or an erase, of a whole page) covers whole granules inside the region. */
function nor(f: Flash, addr: number, len: number, what: string): void {
  const g = f.granularity;
  if (addr < 0 || addr + len > f.pageSize * f.pageCount || addr % g !== 0 || len % g !== 0) {
    throw moteError(E_FLASH, what + ": bad address " + addr);
  }
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
 * rewrites that page's file: it works, but a power cut meanwhile loses the page.
 */
export function storageFlash(o?: StorageFlashOptions): Flash {
  const opt = o === undefined ? {} : o;
  const S = global.require("Storage") as StorageModule;
  const prefix = opt.name === undefined ? "mdb" : opt.name;
  const pageSize = opt.pageSize === undefined ? 4096 : opt.pageSize;
  const g = opt.granularity === undefined ? 4 : opt.granularity;
  const fileBytes = pageSize + g + 32; // a Storage file header is 32 bytes
  let pages = opt.pageCount;
  if (pages === undefined) pages = Math.min(8, Math.floor(S.getFree() / 2 / fileBytes));
  if (prefix.length < 1 || prefix.length > 24) bad("name: 1 to 24 characters");
  if (pageSize < 256 || pageSize % g !== 0 || g < 1) bad("pageSize: 256+, granularity's multiple");
  if (pages < 2) bad("Storage full");
  const file = function (p: number): string {
    return prefix + p;
  };
  const write = function (name: string, data: string, offset: number, size?: number): void {
    let ok = false;
    let why = "Storage is full";
    try {
      ok = S.write(name, data, offset, size);
    } catch (e) {
      why = String(e);
    }
    if (!ok) throw moteError(E_FLASH, "Storage write to " + name + ": " + why);
  };
  const f: Flash = {
    pageSize: pageSize,
    pageCount: pages,
    granularity: g,
    read: function (addr: number, len: number): string {
      let out = "";
      while (len > 0) {
        const p = Math.floor(addr / pageSize);
        const at = addr - p * pageSize;
        const n = Math.min(len, pageSize - at);
        out += copy(S.read(file(p), g + at, n), n);
        addr += n;
        len -= n;
      }
      return out;
    },
    program: function (addr: number, data: string): void {
      nor(f, addr, data.length, "program");
      const p = Math.floor(addr / pageSize);
      const at = addr - p * pageSize;
      if (at + data.length > pageSize) throw moteError(E_FLASH, "program crosses a page at " + addr);
      const blank = fill(255, data.length);
      let old = S.read(file(p), g + at, data.length);
      if (old === undefined) {
        f.erase(p);
        old = blank;
      }
      if (old === blank) {
        write(file(p), data, g + at);
        return;
      }
      // NOR rules: bits only clear. Units already right are skipped, erased units are written in
      // place, and a unit that holds data and must change needs the page's file written anew.
      const erased = fill(255, g);
      let rewrite = false;
      const runs: number[] = []; // [start, end) pairs of units to write in place
      for (let i = 0; i < data.length; i++) {
        const d = data.charCodeAt(i);
        if ((old.charCodeAt(i) & d) !== d) throw moteError(E_FLASH, "a 0 bit would turn 1 at " + (addr + i));
        const was = i % g === 0 ? old.substring(i, i + g) : "";
        if (i % g === 0 && was !== data.substring(i, i + g)) {
          if (was !== erased) rewrite = true;
          if (runs.length > 0 && runs[runs.length - 1] === i) runs[runs.length - 1] = i + g;
          else runs.push(i, i + g);
        }
      }
      if (rewrite) {
        const whole = copy(S.read(file(p), g, pageSize), pageSize);
        write(file(p), erased + whole.substring(0, at) + data + whole.substring(at + data.length), 0);
        return;
      }
      for (let j = 0; j < runs.length; j += 2) write(file(p), data.substring(runs[j], runs[j + 1]), g + at + runs[j]);
    },
    erase: function (page: number): void {
      nor(f, page * pageSize, pageSize, "erase");
      // Written at offset 0, a file that holds data is replaced by an erased one of the same size.
      write(file(page), fill(255, g), 0, pageSize + g);
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
  const page = F.getPage(o.start);
  if (page === undefined || page.addr !== o.start) bad("start: not a page");
  const pageSize = o.pageSize === undefined ? (page as { length: number }).length : o.pageSize;
  if (pageSize !== (page as { length: number }).length) bad("pageSize: not the chip's");
  const end = o.start + pageSize * o.pageCount;
  const free = F.getFree();
  let inside = false;
  for (let i = 0; i < free.length; i++) if (o.start >= free[i].addr && end <= free[i].addr + free[i].length) inside = true;
  if (!inside) bad("region not in Flash.getFree()");
  const f: Flash = {
    pageSize: pageSize,
    pageCount: o.pageCount,
    granularity: o.granularity === undefined ? 4 : o.granularity,
    read: function (addr: number, len: number): string {
      return len === 0 ? "" : E.toString(F.read(len, o.start + addr));
    },
    program: function (addr: number, data: string): void {
      nor(f, addr, data.length, "program");
      F.write(data, o.start + addr);
    },
    erase: function (p: number): void {
      nor(f, p * pageSize, pageSize, "erase");
      F.erasePage(o.start + p * pageSize);
    },
  };
  return f;
}

/** Open databases, flushed when the interpreter stops running the program (reset(), load(), save()). */
const open: OpenDatabase[] = [];
let hooked = false;

function track(db: OpenDatabase): void {
  if (!hooked) {
    hooked = true;
    E.on("kill", flushAll);
  }
  open.push(db);
  db.on("close", function () {
    const i = open.indexOf(db);
    if (i >= 0) open.splice(i, 1);
  });
}

function flushAll(): void {
  for (let i = 0; i < open.length; i++) {
    try {
      open[i].flush();
    } catch (e) {
      // Nothing is left to tell: the program is going away.
    }
  }
}

export const espruinoPlatform: Platform = {
  memory: espruinoMemory,
  clock: espruinoClock,
  scheduler: espruinoScheduler,
  flash: function () {
    return storageFlash();
  },
  opened: track,
};
