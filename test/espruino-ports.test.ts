// The Espruino flash adapter over a Storage that behaves as Espruino's does (src/jsflash.c,
// jsfWriteFile): a write at offset 0 to a file holding data replaces the file, and any other write
// must land on bytes that are still 0xFF. Driven against SimFlash, the NOR model, it must read the
// same bytes after any sequence of erases and programs that NOR allows.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { espruinoMemory, espruinoPlatform, rawFlash, storageFlash } from "../src/ports/espruino";
import { SimFlash } from "../src/ports/simflash";
import { errorCode } from "../src/errors";

const ff = (n: number) => "\xff".repeat(n);

class FakeStorage {
  files: Record<string, string> = {};
  recreated = 0;
  read(name: string, offset?: number, length?: number): string | undefined {
    const f = this.files[name];
    if (f === undefined) return undefined;
    const at = offset ?? 0;
    return f.substring(at, length === undefined ? f.length : at + length);
  }
  write(name: string, data: string, offset?: number, size?: number): boolean {
    const at = offset ?? 0;
    const total = size || data.length;
    let f = this.files[name];
    if ((f === undefined && at === 0) || (f !== undefined && at === 0 && (total !== f.length || f !== ff(f.length)))) {
      if (f !== undefined && total === f.length && data.length === total && f === data) return true;
      if (f !== undefined) this.recreated++;
      f = ff(total);
    }
    if (f === undefined) throw new Error("Unable to find or create file");
    if (at + data.length > f.length) throw new Error("Too much data for file size");
    if (f.substring(at, at + data.length) !== ff(data.length)) throw new Error("File already written with different data");
    this.files[name] = f.substring(0, at) + data + f.substring(at + data.length);
    return true;
  }
  getFree(): number {
    return 1 << 20;
  }
}

function withStorage(s: FakeStorage): void {
  vi.stubGlobal("require", (name: string) => {
    if (name !== "Storage") throw new Error("no module " + name);
    return s;
  });
}
afterEach(() => {
  vi.unstubAllGlobals();
});

const PAGE = 256;
const PAGES = 4;
const G = 4;

type Op = { kind: "erase"; page: number } | { kind: "program"; unit: number; units: number; mask: number[] } | { kind: "read"; addr: number; len: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("erase" as const), page: fc.integer({ min: 0, max: PAGES - 1 }) }),
  fc.record({
    kind: fc.constant("program" as const),
    // Half the programs start a page: offset 0 is where Storage would replace the file (the path
    // the adapter's 4 spare bytes exist for), and where programs over data rewrite the page.
    unit: fc.oneof(fc.integer({ min: 0, max: PAGES - 1 }).map((p) => (p * PAGE) / G), fc.integer({ min: 0, max: (PAGE * PAGES) / G - 1 })),
    units: fc.integer({ min: 1, max: 6 }),
    mask: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 24, maxLength: 24 }),
  }),
  fc.record({ kind: fc.constant("read" as const), addr: fc.integer({ min: 0, max: PAGE * PAGES - 1 }), len: fc.integer({ min: 0, max: 300 }) }),
);

describe("storageFlash", () => {
  it("reads what NOR flash would hold after any allowed erases and programs", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const st = new FakeStorage();
        withStorage(st);
        const f = storageFlash({ name: "t", pageSize: PAGE, pageCount: PAGES, granularity: G });
        const model = new SimFlash(PAGE, PAGES, G);
        for (const o of ops) {
          if (o.kind === "erase") {
            f.erase(o.page);
            model.erase(o.page);
          } else if (o.kind === "program") {
            const addr = o.unit * G;
            const page = Math.floor(addr / PAGE);
            const len = Math.min(o.units * G, (page + 1) * PAGE - addr);
            const old = model.read(addr, len);
            // Data NOR allows: only clears bits of what is there.
            let data = "";
            for (let i = 0; i < len; i++) data += String.fromCharCode(old.charCodeAt(i) & o.mask[i % o.mask.length]);
            f.program(addr, data);
            model.program(addr, data);
          } else {
            const len = Math.min(o.len, PAGE * PAGES - o.addr);
            expect(f.read(o.addr, len)).toBe(model.read(o.addr, len));
          }
        }
        expect(f.read(0, PAGE * PAGES)).toBe(model.read(0, PAGE * PAGES));
      }),
      { numRuns: 150 },
    );
  });

  it("programs erased words in place and keeps the first word of a page file spare", () => {
    const st = new FakeStorage();
    withStorage(st);
    const f = storageFlash({ name: "t", pageSize: PAGE, pageCount: PAGES, granularity: G });
    f.erase(1);
    f.program(PAGE, "abcd"); // offset 0 of page 1
    f.program(PAGE + 8, "efgh");
    f.program(PAGE + 8, "efgh"); // the same bytes again: nothing to write
    expect(st.recreated).toBe(0);
    expect(st.files.t1.length).toBe(PAGE + G);
    expect(st.files.t1.substring(0, G)).toBe(ff(G));
    expect(f.read(PAGE, 12)).toBe("abcd" + ff(4) + "efgh");
    expect(f.read(0, 4)).toBe(ff(4)); // page 0 has no file yet
  });

  it("refuses to turn a 0 bit into 1, as NOR flash cannot", () => {
    withStorage(new FakeStorage());
    const f = storageFlash({ name: "t", pageSize: PAGE, pageCount: PAGES, granularity: G });
    f.program(0, "\x00\x00\x00\x00");
    let code: string | undefined;
    try {
      f.program(0, "\x01\x00\x00\x00");
    } catch (e) {
      code = errorCode(e);
    }
    expect(code).toBe("E_FLASH");
  });

  it("refuses unaligned programs and names too long for Storage", () => {
    withStorage(new FakeStorage());
    const f = storageFlash({ name: "t", pageSize: PAGE, pageCount: PAGES, granularity: G });
    expect(() => f.program(2, "ab")).toThrow(/E_FLASH/);
    expect(() => storageFlash({ name: "x".repeat(25) })).toThrow(/E_OPTION/);
  });
});

/** Espruino's require("Flash") over a SimFlash region at `base`, inside the free area [freeStart, freeEnd). */
function fakeFlash(base: number, pageSize: number, pages: number, freeStart: number, freeEnd: number) {
  const sim = new SimFlash(pageSize, pages, 1);
  return {
    sim,
    getPage: (addr: number) => (addr >= base && addr < base + pageSize * pages ? { addr: addr - ((addr - base) % pageSize), length: pageSize } : undefined),
    getFree: () => [{ addr: freeStart, length: freeEnd - freeStart }],
    read: (len: number, addr: number) => new Uint8Array(Buffer.from(sim.read(addr - base, len), "latin1")),
    write: (data: string, addr: number) => sim.program(addr - base, data),
    erasePage: (addr: number) => sim.erase((addr - base) / pageSize),
  };
}

describe("rawFlash", () => {
  const BASE = 0x40000;
  function withFlash(fl: ReturnType<typeof fakeFlash>): void {
    vi.stubGlobal("require", (name: string) => {
      if (name !== "Flash") throw new Error("no module " + name);
      return fl;
    });
    vi.stubGlobal("E", { toString: (a: Uint8Array) => Buffer.from(a).toString("latin1") });
  }
  it("reads, programs and erases the region's pages, relative to its start", () => {
    const fl = fakeFlash(BASE, PAGE, 8, BASE, BASE + PAGE * 8);
    withFlash(fl);
    const f = rawFlash({ start: BASE + PAGE * 2, pageCount: 4 });
    expect([f.pageSize, f.pageCount, f.granularity]).toEqual([PAGE, 4, 4]);
    f.erase(0);
    f.program(4, "abcd");
    expect(f.read(0, 8)).toBe(ff(4) + "abcd");
    expect(fl.sim.read(PAGE * 2, 8)).toBe(ff(4) + "abcd");
    expect(f.read(0, 0)).toBe("");
    expect(() => f.program(2, "ab")).toThrow(/E_FLASH/);
    expect(() => f.program(PAGE * 4, "abcd")).toThrow(/E_FLASH/);
    expect(() => f.erase(4)).toThrow(/E_FLASH/);
  });
  it("refuses a start that is no page, another page size, and a region outside the free area", () => {
    withFlash(fakeFlash(BASE, PAGE, 8, BASE + PAGE * 2, BASE + PAGE * 6));
    expect(() => rawFlash({ start: BASE + 4, pageCount: 2 })).toThrow(/E_OPTION/);
    expect(() => rawFlash({ start: BASE + PAGE * 2, pageCount: 2, pageSize: PAGE * 2 })).toThrow(/E_OPTION/);
    expect(() => rawFlash({ start: BASE + PAGE, pageCount: 2 })).toThrow(/E_OPTION/);
    expect(() => rawFlash({ start: BASE + PAGE * 4, pageCount: 3 })).toThrow(/E_OPTION/);
    expect(rawFlash({ start: BASE + PAGE * 4, pageCount: 2, pageSize: PAGE }).pageCount).toBe(2);
  });
});

describe("the Espruino platform", () => {
  it("flushes the open databases when the interpreter is killed, not the closed ones", () => {
    const kill: (() => void)[] = [];
    vi.stubGlobal("E", {
      on: (ev: string, fn: () => void) => ev === "kill" && kill.push(fn),
      removeListener: (ev: string, fn: () => void) => ev === "kill" && kill.indexOf(fn) >= 0 && kill.splice(kill.indexOf(fn), 1),
    });
    const dbs = [0, 1, 2].map(() => {
      const on: Record<string, () => void> = {};
      return { flushes: 0, flush() { this.flushes++; if (this === dbs[0]) throw new Error("flash gone"); }, on: (ev: string, fn: () => void) => (on[ev] = fn), close: () => on.close() };
    });
    for (const db of dbs) espruinoPlatform.opened!(db);
    dbs[1].close();
    for (const fn of kill) fn();
    expect(dbs.map((d) => d.flushes)).toEqual([1, 0, 1]);
    dbs[0].close();
    dbs[2].close();
    for (const fn of kill) fn();
    expect(dbs.map((d) => d.flushes)).toEqual([1, 0, 1]);
  });
  it("gives storageFlash() as the default flash, and memory, clock and timer ports", () => {
    withStorage(new FakeStorage());
    const f = espruinoPlatform.flash!();
    expect([f.pageSize, f.pageCount, f.granularity]).toEqual([4096, 8, 4]);
    const p = process as unknown as { memory?: unknown };
    p.memory = () => ({ free: 1000, blocksize: 12 });
    vi.stubGlobal("getTime", () => 42.5);
    const timers: unknown[] = [];
    vi.stubGlobal("setInterval", (fn: () => void, ms: number) => timers.push([fn, ms]));
    vi.stubGlobal("clearInterval", (h: unknown) => timers.push(["clear", h]));
    try {
      const m = espruinoPlatform.memory!();
      expect(m.free()).toBe(12000);
      expect(m.scale).toBeCloseTo(0.21 * 12);
      p.memory = () => ({ free: 10 });
      expect(espruinoMemory().free()).toBe(160);
      expect(espruinoPlatform.clock!().now()).toBe(42.5);
      const s = espruinoPlatform.scheduler!();
      const fn = () => {};
      expect(s.every(2, fn)).toBe(1);
      s.cancel(7);
      expect(timers).toEqual([[fn, 2000], ["clear", 7]]);
    } finally {
      delete p.memory;
    }
  });
});
