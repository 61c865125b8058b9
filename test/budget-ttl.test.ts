import { describe, expect, it } from "vitest";
import { MoteDB } from "../src/index";
import { hostMemory, loadBoard } from "../src/ports/host";
import { codeOf, ManualClock, ManualScheduler, memDb, snapshot } from "./helpers";

describe("RAM budget", () => {
  it("is ramPercentage of the free memory at open", () => {
    const db = new MoteDB({ memory: hostMemory(40_000), ramPercentage: 20, clock: new ManualClock() });
    expect(db.stats().budgetBytes).toBe(8000);
    // A board's profile carries its scale: the RAM it spends on each byte MoteDB counts.
    const board = loadBoard("puck-js");
    const puck = new MoteDB({ memory: hostMemory("puck-js"), clock: new ManualClock() });
    expect(puck.stats().budgetBytes).toBe(Math.floor((board.freeBytes * 15) / 100 / board.scale!));
  });

  it("fills to the limit, refuses past it with E_BUDGET, and never grows past it", () => {
    const db = new MoteDB({ memory: hostMemory(40_000), clock: new ManualClock() });
    const budget = db.stats().budgetBytes;
    let stored = 0;
    let code: string | undefined;
    while (code === undefined) {
      code = codeOf(() => db.put("sensor-" + stored, { t: 20 + stored / 10, room: "lab" }));
      if (code === undefined) stored++;
      expect(db.stats().usedBytes).toBeLessThanOrEqual(budget);
    }
    expect(code).toBe("E_BUDGET");
    expect(stored).toBeGreaterThan(20);
    const full = snapshot(db);
    // Nothing changed: not by a put, an overwrite that grows, or a batch that would pass the limit.
    expect(codeOf(() => db.put("sensor-" + stored, { t: 20 + stored / 10, room: "lab" }))).toBe("E_BUDGET");
    expect(codeOf(() => db.put("sensor-0", { t: 1, note: "x".repeat(200) }))).toBe("E_BUDGET");
    expect(codeOf(() => db.putBatch([{ a: 1 }, { b: 2 }, { c: 3 }]))).toBe("E_BUDGET");
    expect(snapshot(db)).toEqual(full);
    // Deleting makes room again; overwrites that shrink always fit.
    db.put("sensor-1", { t: 0 });
    expect(db.delete("sensor-2")).toBe(true);
    expect(db.delete("sensor-3")).toBe(true);
    db.put("sensor-" + stored, { t: 20 + stored / 10, room: "lab" });
    expect(db.stats().usedBytes).toBeLessThanOrEqual(budget);
  });

  it("reclaims expired records when a write needs their room", () => {
    const clock = new ManualClock(100);
    const db = new MoteDB({ memory: hostMemory(40_000), clock });
    let n = 0;
    while (codeOf(() => db.put("r" + n, { v: n }, 10)) === undefined) n++;
    clock.t += 10;
    // No cleanup was called and no timer ran: the write itself makes the room.
    expect(codeOf(() => db.put("fresh", { v: 1 }))).toBeUndefined();
    expect(db.count()).toBe(1);
    expect(db.stats().expired).toBe(n);
  });

  it("charges a key written twice in one batch once", () => {
    const big = { pad: "x".repeat(1000) };
    const probe = new MoteDB({ memory: hostMemory(1_000_000), ramPercentage: 100, clock: new ManualClock() });
    probe.putBatch([["a", big]]);
    const one = probe.stats().usedBytes;
    // A budget with room for that one record and a little more, far less than two of them.
    const db = new MoteDB({ memory: hostMemory(one + 100), ramPercentage: 100, clock: new ManualClock() });
    expect(codeOf(() => db.putBatch([["a", big], ["b", big]]))).toBe("E_BUDGET");
    expect(db.putBatch([["a", big], ["a", { ...big, v: 2 }]])).toEqual(["a", "a"]);
    expect(db.get("a")).toEqual({ ...big, v: 2 });
  });

  it("applies a batch's items in turn: the later of two for one key wins", () => {
    const { db } = memDb();
    const keys = db.putBatch([["a", { v: 1 }], ["a", { v: 2 }], { v: 3 }], [0, 0, 5], [["x"], ["y"], ["z"]]);
    expect(keys[0]).toBe("a");
    expect(keys[1]).toBe("a");
    expect(db.get("a")).toEqual({ v: 2 });
    expect(db.keys({ tags: "y" })).toEqual(["a"]);
    expect(db.count()).toBe(2);
  });
});

describe("TTL", () => {
  it("expires a record ttl seconds after put, rounded up to the second", () => {
    const clock = new ManualClock(1000.5);
    const { db } = memDb({}, clock);
    db.put("k", { v: 1 }, 10);
    clock.t = 1010.9;
    expect(db.get("k")).toEqual({ v: 1 });
    clock.t = 1011;
    expect(db.get("k")).toBeUndefined();
    expect(db.has("k")).toBe(false);
  });

  it("never returns an expired record from any read, between background checks", () => {
    const clock = new ManualClock(0);
    const { db } = memDb({}, clock);
    db.put("short", { v: 1 }, 5, ["t"]);
    db.put("long", { v: 2 }, 50, ["t"]);
    clock.t = 6;
    expect(db.get("short")).toBeUndefined();
    expect(db.keys()).toEqual(["long"]);
    expect(db.count()).toBe(1);
    expect(db.count({ tags: "t" })).toBe(1);
    expect(db.query({ v: { $gte: 1 } })).toEqual([{ v: 2 }]);
  });

  it("an overwrite replaces the TTL; 0 or none means forever", () => {
    const clock = new ManualClock(0);
    const { db } = memDb({}, clock);
    db.put("k", { v: 1 }, 5);
    db.put("k", { v: 2 });
    db.put("j", { v: 3 }, 0);
    clock.t = 1e6;
    expect(db.get("k")).toEqual({ v: 2 });
    expect(db.get("j")).toEqual({ v: 3 });
    db.put("k", { v: 4 }, 5);
    clock.t += 5;
    expect(db.get("k")).toBeUndefined();
  });

  it("a clock that moves back neither resurrects nor expires early", () => {
    const clock = new ManualClock(10_000);
    const { db } = memDb({}, clock);
    db.put("a", { v: 1 }, 100); // expires at 10100
    db.put("b", { v: 2 }, 20); // expires at 10020
    clock.t = 10_050;
    expect(db.has("b")).toBe(false);
    clock.t = 0; // an RTC reset at boot
    expect(db.has("b")).toBe(false); // not resurrected
    expect(db.has("a")).toBe(true); // not mass-expired
    db.put("c", { v: 3 }, 10); // the database's time is still 10050: expires at 10060
    clock.t = 55; // the clock runs again, still behind: time stays frozen at 10050
    expect(db.has("c")).toBe(true);
    expect(db.has("a")).toBe(true);
    clock.t = 10_060; // caught up (NTP, say)
    expect(db.has("c")).toBe(false);
    expect(db.has("a")).toBe(true);
    clock.t = 10_100;
    expect(db.has("a")).toBe(false);
  });

  it("removes expired records on the ttlCheckInterval timer, with an expire event each", () => {
    const clock = new ManualClock(0);
    const scheduler = new ManualScheduler();
    const { db } = memDb({ scheduler, ttlCheckInterval: 30, cleanupInterval: 600 }, clock);
    const expired: unknown[] = [];
    db.on("expire", (k) => expired.push(k));
    for (let i = 0; i < 10; i++) db.put("k" + i, { i }, i < 4 ? 10 : 100);
    clock.t = 15;
    scheduler.fire(30);
    expect(expired.sort()).toEqual(["k0", "k1", "k2", "k3"]);
    expect(db.stats().records).toBe(6);
    expect(db.stats().expired).toBe(4);
    db.close();
    expect(scheduler.timers).toEqual([]); // close() stops every timer
  });

  it("keeps the heap from growing under overwrites of TTL records", () => {
    const clock = new ManualClock(0);
    const { db } = memDb({}, clock);
    for (let i = 0; i < 20; i++) db.put("hot" + (i % 3), { i }, 1000);
    const settled = db.stats().usedBytes;
    for (let i = 0; i < 20_000; i++) db.put("hot" + (i % 3), { i: i % 10 }, 1000);
    expect(db.stats().usedBytes).toBeLessThanOrEqual(settled + 64 * 16 + 200);
  });
});

describe("events and lifecycle", () => {
  it("reports a listener's failure as an error event and carries on", () => {
    const clock = new ManualClock(0);
    const { db } = memDb({}, clock);
    const errors: unknown[] = [];
    db.on("error", (e) => errors.push(e));
    const boom = () => {
      throw new Error("listener bug");
    };
    db.on("expire", boom);
    db.put("k", {}, 1);
    clock.t = 2;
    expect(db.cleanup()).toBe(1);
    expect(errors.length).toBe(1);
    db.off("expire", boom);
    db.put("j", {}, 1);
    clock.t = 4;
    db.cleanup();
    expect(errors.length).toBe(1);
  });

  it("emits close once", () => {
    const { db } = memDb();
    let closes = 0;
    db.on("close", () => closes++);
    db.close();
    db.close();
    expect(closes).toBe(1);
  });

  it("MoteDB.open closes after fn, after fn throws, and after its Promise settles", async () => {
    const opts = { memory: hostMemory(100_000), clock: new ManualClock() };
    let seen: MoteDB | undefined;
    expect(MoteDB.open(opts, (db) => ((seen = db), db.put("k", { a: 1 })))).toBe("k");
    expect(codeOf(() => seen!.get("k"))).toBe("E_CLOSED");
    expect(() =>
      MoteDB.open(opts, (db) => {
        seen = db;
        throw new Error("inside");
      }),
    ).toThrow("inside");
    expect(codeOf(() => seen!.count())).toBe("E_CLOSED");
    const v = await MoteDB.open(opts, async (db) => {
      seen = db;
      await new Promise((r) => setTimeout(r, 1));
      expect(db.count()).toBe(0);
      return 7;
    });
    expect(v).toBe(7);
    expect(codeOf(() => seen!.count())).toBe("E_CLOSED");
    await expect(MoteDB.open(opts, async () => Promise.reject(new Error("later")))).rejects.toThrow("later");
  });

  it("counts operations by kind", () => {
    const { db } = memDb();
    db.put({ a: 1 });
    db.put("x", { a: 2 });
    db.get("x");
    db.query({ a: 1 });
    db.deleteBatch(["x"]);
    const s = db.stats();
    expect(s.ops.put).toBe(2);
    expect(s.ops.get).toBe(1);
    expect(s.ops.query).toBe(1);
    expect(s.ops.deleteBatch).toBe(1);
    expect(s.records).toBe(1);
  });
});
