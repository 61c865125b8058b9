// Flash mode end to end: persistence, reads through the cache, flush thresholds, TTL across
// reopenings, E_FULL, the RAM budget, wear, retries, and the image reader.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MoteDB } from "../src/index";
import { inspectImage } from "../src/image";
import { hostMemory } from "../src/ports/host";
import { FileFlash } from "../src/ports/fileflash";
import { SimFlash } from "../src/ports/simflash";
import { codeOf, ManualClock, ManualScheduler } from "./helpers";
import { flashDb } from "./flash-helpers";
import { crc32 } from "../src/crc32";
import { u32 } from "../src/bytes";

describe("flash mode", () => {
  it("keeps what was flushed across reopenings, and reads see buffered writes", () => {
    const flash = new SimFlash(1024, 8, 4);
    const clock = new ManualClock();
    const db = flashDb(flash, clock);
    db.put("a", { v: 1 }, 0, ["x"]);
    db.putBatch([["b", [1, 2, 3]], ["c", "text"]]);
    expect(db.stats().flash!.bufferedChanges).toBe(3);
    expect(db.get("a")).toEqual({ v: 1 }); // buffered, not yet on flash
    expect(db.query({ tags: "x" })).toEqual([{ v: 1 }]);
    db.flush();
    expect(db.stats().flash!.bufferedChanges).toBe(0);
    db.delete("c");
    db.close();
    const db2 = flashDb(flash, clock);
    expect(db2.keys()).toEqual(["a", "b"]);
    expect(db2.get("b")).toEqual([1, 2, 3]);
    expect(db2.query({ tags: "x" })).toEqual([{ v: 1 }]);
    expect(db2.stats().mode).toBe("flash");
    db2.close();
  });

  it("reads flushed values from flash through a cache bounded by btreeCachesize", () => {
    const flash = new SimFlash(4096, 8, 4);
    const db = flashDb(flash, new ManualClock(), { btreeCachesize: 600 });
    for (let i = 0; i < 40; i++) db.put("k" + i, { i, pad: "p".repeat(50) });
    db.flush();
    expect(db.stats().flash!.cacheBytes).toBeLessThanOrEqual(600);
    let flashReads = 0;
    const read = flash.read.bind(flash);
    flash.read = (a: number, n: number) => {
      flashReads++;
      return read(a, n);
    };
    for (let i = 0; i < 40; i++) expect(db.get("k" + i)).toEqual({ i, pad: "p".repeat(50) });
    expect(flashReads).toBeGreaterThan(20); // most values came from flash
    expect(db.stats().flash!.cacheBytes).toBeLessThanOrEqual(600);
    flashReads = 0;
    expect(db.get("k39")).toEqual({ i: 39, pad: "p".repeat(50) }); // just read: cached
    expect(flashReads).toBe(0);
    expect(db.query({ i: { $gte: 38 } })).toHaveLength(2);
    db.close();
  });

  it("flushes every 10, 15, then 20 writes with adaptiveThreshold, every 10 without", () => {
    const count = (adaptive: boolean, writes: number) => {
      const db = flashDb(new SimFlash(4096, 64, 4), new ManualClock(), { adaptiveThreshold: adaptive });
      const at: number[] = [];
      let n = 0;
      db.on("write", () => at.push(n));
      for (n = 1; n <= writes; n++) db.put("k" + (n % 50), n);
      db.close();
      return at;
    };
    const a = count(true, 1100);
    expect(a.slice(0, 12)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 115, 130]);
    expect(a.filter((w) => w > 950 && w <= 1060)).toEqual([955, 970, 985, 1000, 1020, 1040, 1060]);
    const f = count(false, 200);
    expect(f.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => 10 * (i + 1)));
  });

  it("flushes on the timer, and on('write') reports data that is durably on flash", () => {
    const flash = new SimFlash(1024, 8, 4);
    const journal = flash.record();
    const sched = new ManualScheduler();
    const db = new MoteDB({ inMemory: false, flash, clock: new ManualClock(), memory: hostMemory(1e7), scheduler: sched, ttlCheckInterval: 30 });
    let durableAt = -1;
    db.on("write", () => (durableAt = journal.length));
    db.put("a", 1);
    expect(durableAt).toBe(-1);
    sched.fire(30);
    expect(durableAt).toBeGreaterThan(0);
    // The image as it stood when 'write' fired already holds the record.
    const then = SimFlash.replay(1024, 8, 4, journal, durableAt);
    expect(flashDb(then, new ManualClock()).get("a")).toBe(1);
    db.close();
  });

  it("persists the clock's high-water mark: nothing expired comes back when the clock goes back", () => {
    const flash = new SimFlash(1024, 8, 4);
    const clock = new ManualClock(10_000);
    const db = flashDb(flash, clock);
    db.put("short", "s", 10);
    db.put("long", "l", 1000);
    db.close();
    clock.t = 10_050; // "short" expired while the database ran
    const db2 = flashDb(flash, clock);
    expect(db2.get("short")).toBeUndefined();
    db2.close();
    const back = new ManualClock(5_000); // an RTC reset
    const db3 = flashDb(flash, back);
    expect(db3.get("short")).toBeUndefined();
    expect(db3.get("long")).toBe("l");
    db3.close();
  });

  it("an expiry seen only in RAM is made durable by the next flush", () => {
    const flash = new SimFlash(1024, 8, 4);
    const clock = new ManualClock(10_000);
    const db = flashDb(flash, clock);
    db.put("t", 1, 5);
    db.flush();
    clock.t += 100;
    expect(db.cleanup()).toBe(1);
    db.close(); // writes the time even though no record changed
    expect(flashDb(flash, new ManualClock(0)).get("t")).toBeUndefined();
  });

  it("generated keys keep sorting after existing ones after a reopen, even with the clock set back", () => {
    const flash = new SimFlash(1024, 8, 4);
    const db = flashDb(flash, new ManualClock(2_000_000_000));
    const k1 = db.put({ n: 1 });
    db.close();
    const db2 = flashDb(flash, new ManualClock(1_000));
    const k2 = db2.put({ n: 2 });
    expect(k2 > k1).toBe(true);
    expect(db2.keys()).toEqual([k1, k2]);
    db2.close();
  });

  it("refuses writes with E_FULL when flash is full of live data, and loses nothing", () => {
    const flash = new SimFlash(512, 8, 4);
    const clock = new ManualClock();
    const db = flashDb(flash, clock);
    const stored: string[] = [];
    let code: string | undefined;
    for (let i = 0; i < 500 && code === undefined; i++) {
      code = codeOf(() => db.put("key" + i, { i, pad: "z".repeat(40) }));
      if (code === undefined) stored.push("key" + i);
    }
    expect(code).toBe("E_FULL");
    expect(stored.length).toBeGreaterThan(10);
    expect(codeOf(() => db.putBatch([["n1", 1], ["n2", "x".repeat(60)]]))).toBe("E_FULL");
    expect(db.has("n1")).toBe(false); // the batch left nothing
    db.flush();
    db.close();
    const db2 = flashDb(flash, clock);
    expect(db2.keys().sort()).toEqual(stored.slice().sort());
    for (const k of stored) expect(db2.get(k)).toEqual({ i: Number(k.slice(3)), pad: "z".repeat(40) });
    // Deleting makes room again, and garbage collection reclaims it.
    expect(db2.deleteBatch(stored.slice(0, 5))).toBe(5);
    for (let i = 0; i < 4; i++) db2.put("again" + i, { i, pad: "z".repeat(40) });
    db2.close();
    const db3 = flashDb(flash, clock);
    expect(db3.count()).toBe(stored.length - 5 + 4);
    db3.close();
  });

  it("holds far more data on flash than its RAM budget, and stays within the budget", () => {
    const flash = new SimFlash(4096, 32, 4);
    const db = flashDb(flash, new ManualClock(), { memory: hostMemory(40_000), ramPercentage: 15, btreeCachesize: 1024 });
    const budget = db.stats().budgetBytes;
    let bytes = 0;
    for (let i = 0; i < 60; i++) {
      const doc = { i, reading: "r".repeat(300) };
      db.put("s" + String(i).padStart(4, "0"), doc);
      bytes += 310;
      expect(db.stats().usedBytes).toBeLessThanOrEqual(budget);
    }
    db.flush();
    expect(bytes).toBeGreaterThan(2 * budget);
    expect(db.stats().flash!.liveBytes).toBeGreaterThan(budget);
    expect(db.get("s0007")).toEqual({ i: 7, reading: "r".repeat(300) });
    expect(db.count()).toBe(60);
    db.close();
  });

  it("levels wear: hot keys overwritten for many GC rounds keep max/mean erases near 1", () => {
    const flash = new SimFlash(512, 16, 4);
    const db = flashDb(flash, new ManualClock());
    let maxErasesPerWrite = 0;
    for (let i = 0; i < 6000; i++) {
      const before = flash.erases.reduce((a, b) => a + b, 0);
      db.put("hot" + (i % 5), { i, v: "v".repeat(20) });
      maxErasesPerWrite = Math.max(maxErasesPerWrite, flash.erases.reduce((a, b) => a + b, 0) - before);
    }
    db.close();
    const s = flashDb(flash, new ManualClock()).stats().flash!;
    const mean = flash.erases.reduce((a, b) => a + b, 0) / flash.pageCount;
    expect(mean).toBeGreaterThan(8); // many rounds of garbage collection
    expect(Math.max(...flash.erases) / mean).toBeLessThan(1.5);
    expect(s.erases.max / s.erases.mean).toBeLessThan(1.5); // the erase counts the page headers keep
    expect(maxErasesPerWrite).toBeLessThanOrEqual(1); // garbage collection works in bounded steps
  });

  it("retries a failing flash operation, and surfaces a persistent failure as E_FLASH without losing data", () => {
    const flash = new SimFlash(1024, 8, 4);
    const clock = new ManualClock();
    const db = flashDb(flash, clock, { maxRetries: 3, retryDelay: 0 });
    db.put("a", 1);
    flash.failNext(2);
    db.flush();
    expect(db.stats().flash!.retries).toBe(2);
    db.put("b", 2);
    flash.failNext(50);
    expect(codeOf(() => db.flush())).toBe("E_FLASH");
    expect(db.get("b")).toBe(2); // still buffered
    flash.failNext(0);
    db.put("c", 3);
    db.flush();
    db.close();
    const db2 = flashDb(flash, clock);
    expect(db2.keys()).toEqual(["a", "b", "c"]);
    db2.close();
  });

  it("a program that fails is written again elsewhere, never over the same bytes", () => {
    const flash = new SimFlash(1024, 8, 16);
    const clock = new ManualClock();
    const db = flashDb(flash, clock, { maxRetries: 2, retryDelay: 0 });
    db.put("a", { n: 1 });
    db.flush();
    // A program that fails after writing part of its bytes (and a chip that then comes back).
    const program = flash.program.bind(flash);
    let fail = true;
    flash.program = (addr: number, data: string) => {
      if (fail) {
        fail = false;
        program(addr, data.substring(0, 16) + "\xff".repeat(data.length - 16));
        throw Object.assign(new Error("bus error"), { code: "E_FAULT" });
      }
      program(addr, data);
    };
    db.put("b", { n: 2 });
    db.flush();
    db.close();
    const db2 = flashDb(flash, clock);
    expect(db2.keys()).toEqual(["a", "b"]);
    expect(db2.get("b")).toEqual({ n: 2 });
    db2.close();
  });

  it("inspectImage lists pages and records without opening a database", () => {
    const flash = new SimFlash(512, 6, 8);
    const db = flashDb(flash, new ManualClock(100));
    db.put("x", { a: 1 }, 50, ["t"]);
    db.put("y", "two");
    db.flush();
    db.delete("y");
    db.close();
    const img = inspectImage(flash);
    expect(img.pages).toHaveLength(6);
    expect(img.pages.filter((p) => p.state === "data")).toHaveLength(1);
    expect(img.problems).toEqual([]);
    const recs = img.records.map((r) => [r.type, r.key, r.value, r.expiry, r.tags]);
    expect(recs).toEqual([
      ["put", "x", { a: 1 }, 150, ["t"]],
      ["put", "y", "two", 0, undefined],
      ["delete", "y", undefined, 0, undefined],
    ]);
    flash.flipBit(img.records[1].at + 16, 3); // inside the value of "y"
    const bad = inspectImage(flash);
    expect(bad.records[1].ok).toBe(false);
    expect(bad.problems.length).toBeGreaterThan(0);
  });

  it("FileFlash keeps a database in a file between runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "motedb-"));
    try {
      const path = join(dir, "image.bin");
      const f1 = new FileFlash(path, { pageSize: 1024, pageCount: 8, granularity: 4 });
      const db = new MoteDB({ inMemory: false, flash: f1, clock: new ManualClock(), memory: hostMemory(1e7), scheduler: new ManualScheduler() });
      db.put("sensor", { t: 21.5 }, 0, ["lab"]);
      db.close();
      f1.close();
      const f2 = new FileFlash(path); // the geometry comes from the image
      expect([f2.pageSize, f2.pageCount, f2.granularity]).toEqual([1024, 8, 4]);
      expect(codeOf(() => f2.program(0, "NOTE"))).toBe("E_FLASH"); // "M" (0x4D) to "N" (0x4E) sets a bit
      expect(codeOf(() => f2.program(2, "TE"))).toBe("E_FLASH"); // not aligned to 4
      const db2 = new MoteDB({ inMemory: false, flash: f2, clock: new ManualClock(), memory: hostMemory(1e7), scheduler: new ManualScheduler() });
      expect(db2.get("sensor")).toEqual({ t: 21.5 });
      db2.close();
      expect(inspectImage(f2).records.map((r) => r.key)).toEqual(["sensor"]);
      f2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an image of a newer format or another geometry with E_CORRUPT", () => {
    const flash = new SimFlash(512, 6, 4);
    flashDb(flash, new ManualClock()).close();
    const other = new SimFlash(512, 6, 8, flash.image());
    expect(codeOf(() => flashDb(other, new ManualClock()))).toBe("E_CORRUPT");
    // Page 0's header as a version 2 would write it: version byte 2, and a CRC that holds.
    const image = flash.image();
    const head = image.substring(0, 4) + "\x02" + image.substring(5, 24);
    const newer = new SimFlash(512, 6, 4, head + u32(crc32(head)) + image.substring(28));
    let message = "";
    try {
      flashDb(newer, new ManualClock());
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^E_CORRUPT: image format version 2: update MoteDB/);
  });
});
