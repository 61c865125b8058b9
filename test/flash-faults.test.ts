// A flash operation that keeps failing (past its retries) and a power cut right after it: at every
// single operation of a workload that garbage-collects again and again, nothing acknowledged is lost
// and nothing deleted comes back. (A mark that failed once was followed by the page's erase; cut
// during that erase, a half-erased page resurrected deleted records.)
import { describe, expect, it } from "vitest";
import { errorCode } from "../src/errors";
import type { Flash } from "../src/ports";
import { SimFlash } from "../src/ports/simflash";
import { flashDb } from "./flash-helpers";
import { ManualClock } from "./helpers";

/** Programs and erases pass through; operation number `at` fails, and the one after it is cut. */
class FaultThenCut implements Flash {
  pageSize: number;
  pageCount: number;
  granularity: number;
  ops = 0;
  private armed = false;
  constructor(
    readonly sim: SimFlash,
    readonly at: number,
  ) {
    this.pageSize = sim.pageSize;
    this.pageCount = sim.pageCount;
    this.granularity = sim.granularity;
  }
  private step(): void {
    if (this.ops++ === this.at) {
      this.sim.failNext(1);
      this.armed = true;
    } else if (this.armed) {
      this.armed = false;
      this.sim.powerCut(0, 0.6);
    }
  }
  read(addr: number, len: number): string {
    return this.sim.read(addr, len);
  }
  program(addr: number, data: string): void {
    this.step();
    this.sim.program(addr, data);
  }
  erase(page: number): void {
    this.step();
    this.sim.erase(page);
  }
}

const PAD = "x".repeat(40);

/** Run the workload with a fault at operation `at` (-1: none); returns what must and may be there. */
function workload(at: number) {
  const sim = new SimFlash(512, 6, 4);
  const flash = new FaultThenCut(sim, at);
  const clock = new ManualClock(1000);
  const db = flashDb(sim, clock);
  // Set-up without faults: records, most of them deleted again, so pages hold tombstones and garbage.
  for (let i = 0; i < 12; i++) db.put("k" + i, { i, pad: PAD });
  db.flush();
  for (let i = 0; i < 9; i++) db.delete("k" + i);
  db.flush();
  db.close();
  const must = new Map<string, unknown>();
  for (let i = 9; i < 12; i++) must.set("k" + i, { i, pad: PAD });
  const may = new Set<string>();
  const live = flashDb(flash as unknown as SimFlash, clock);
  let stopped = false;
  const step = (j: number) => {
    try {
      // Overwrites of a few keys: garbage that collection must reclaim, page after page.
      live.put("f" + (j % 4), { j, pad: PAD });
      live.flush();
      must.set("f" + (j % 4), { j, pad: PAD });
    } catch (e) {
      const code = errorCode(e);
      if (code !== "E_FLASH" && code !== "E_POWER" && code !== "E_FAULT") throw e;
      // Not acknowledged: the old value or the new one may be there.
      may.add("f" + (j % 4) + ":" + j);
      stopped = true;
    }
  };
  let j = 0;
  for (; j < 60 && !stopped; j++) step(j);
  // One more step after a failure: where the cut falls, if anything still touches the flash.
  if (stopped) step(j);
  return { sim, ops: flash.ops, must, may, gcRuns: stopped ? undefined : live.stats().flash!.gcRuns };
}

describe("a failing flash operation, then a power cut", () => {
  it("loses nothing acknowledged and resurrects nothing, at every operation", () => {
    const clean = workload(-1);
    expect(clean.gcRuns).toBeGreaterThan(6); // the workload collects every page, more than once
    for (let at = 0; at < clean.ops; at++) {
      const r = workload(at);
      const db = flashDb(r.sim.clone(), new ManualClock(1000));
      const keys = db.keys();
      for (const [k, v] of r.must) {
        const got = db.get(k) as { j?: number } | undefined;
        const unacked = got !== undefined && got.j !== undefined && r.may.has(k + ":" + got.j);
        if (!unacked) expect([at, k, got]).toEqual([at, k, v]);
      }
      for (const k of keys) {
        const unacked = [...r.may].some((m) => m.startsWith(k + ":"));
        expect([at, k, r.must.has(k) || unacked]).toEqual([at, k, true]);
      }
      db.close();
    }
  });
});

/** A program that fails halfway, the device still on: its first granules are written, then it throws. */
class TornOnce implements Flash {
  pageSize: number;
  pageCount: number;
  granularity: number;
  tearNext = false;
  programs: number[] = [];
  constructor(readonly sim: SimFlash) {
    this.pageSize = sim.pageSize;
    this.pageCount = sim.pageCount;
    this.granularity = sim.granularity;
  }
  read(addr: number, len: number): string {
    return this.sim.read(addr, len);
  }
  program(addr: number, data: string): void {
    this.programs.push(addr);
    if (!this.tearNext) return this.sim.program(addr, data);
    this.tearNext = false;
    this.sim.program(addr, data.substring(0, Math.floor(data.length / 2 / this.granularity) * this.granularity));
    throw new Error("program failed");
  }
  erase(page: number): void {
    this.sim.erase(page);
  }
}

describe("a program that fails halfway and is not retried", () => {
  it("leaves its bytes alone: the next flush writes elsewhere, and both flushes survive a reopen", () => {
    const sim = new SimFlash(1024, 8, 4);
    const flash = new TornOnce(sim);
    const clock = new ManualClock(1000);
    const db = flashDb(flash as unknown as SimFlash, clock); // maxRetries 0: the failure is final
    db.put("a", { v: 1 });
    db.flush();
    db.put("b", { v: 2 });
    flash.tearNext = true;
    expect(() => db.flush()).toThrow(/E_FLASH/);
    const torn = flash.programs[flash.programs.length - 1];
    db.flush(); // the buffer was kept: written again, acknowledged now
    expect(flash.programs[flash.programs.length - 1]).not.toBe(torn);
    db.close();
    const again = flashDb(sim, clock);
    expect(again.get("a")).toEqual({ v: 1 });
    expect(again.get("b")).toEqual({ v: 2 });
    again.close();
  });
});
