// The backbone: random sequences of operations against MoteDB and against a trivial model (a Map,
// a clock, a sort) must give the same answers at every step.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MoteDB } from "../src/index";
import { hostMemory } from "../src/ports/host";
import { ManualClock } from "./helpers";

interface Doc {
  n: number;
  s: string;
  arr: number[];
  tags?: string[];
}
interface ModelRec {
  doc: Doc;
  x: number; // expiry, 0 = never
  tags?: string[];
}

const KEYS = ["a", "b", "c", "d", "e", "f", "g", "h"];
const TAGS = ["hot", "cold", "wet"];

const key = fc.constantFrom(...KEYS);
const doc: fc.Arbitrary<Doc> = fc.record(
  {
    n: fc.integer({ min: -5, max: 5 }),
    s: fc.constantFrom("x", "y", "zz", "é"),
    arr: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    tags: fc.subarray(TAGS),
  },
  { requiredKeys: ["n", "s", "arr"] },
);
const ttl = fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined });
const tags = fc.option(fc.subarray(TAGS), { nil: undefined });

/** Queries whose meaning the model states directly. */
const queries: [string, (v: number, s: string) => unknown, (r: ModelRec, v: number, s: string) => boolean][] = [
  ["n > v", (v) => ({ n: { $gt: v } }), (r, v) => r.doc.n > v],
  ["n <= v", (v) => ({ n: { $lte: v } }), (r, v) => r.doc.n <= v],
  ["s == s", (_v, s) => ({ s }), (r, _v, s) => r.doc.s === s],
  ["s != s", (_v, s) => ({ s: { $ne: s } }), (r, _v, s) => r.doc.s !== s],
  ["arr has v", (v) => ({ arr: v }), (r, v) => r.doc.arr.includes(v)],
  ["arr size", (v) => ({ arr: { $size: Math.abs(v) % 4 } }), (r, v) => r.doc.arr.length === Math.abs(v) % 4],
  ["n in", (v) => ({ n: { $in: [v, v + 1] } }), (r, v) => r.doc.n === v || r.doc.n === v + 1],
  ["or", (v, s) => ({ $or: [{ n: v }, { s }] }), (r, v, s) => r.doc.n === v || r.doc.s === s],
  ["tag", (v) => ({ tags: TAGS[Math.abs(v) % 3] }), (r, v) => (r.tags ?? r.doc.tags ?? []).includes(TAGS[Math.abs(v) % 3])],
  ["not", (v) => ({ $not: { n: { $gte: v } } }), (r, v) => !(r.doc.n >= v)],
];

type Cmd =
  | { t: "put"; k: string | undefined; d: Doc; ttl?: number; tags?: string[] }
  | { t: "get"; k: string }
  | { t: "del"; k: string }
  | { t: "batch"; items: [string, Doc][]; ttl?: number; bad: boolean }
  | { t: "delBatch"; ks: string[] }
  | { t: "query"; q: number; v: number; s: string; skip: number; limit: number }
  | { t: "tick"; dt: number }
  | { t: "cleanup" }
  | { t: "purge" };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("put" as const), k: fc.option(key, { nil: undefined }), d: doc, ttl, tags }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("get" as const), k: key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("del" as const), k: key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("batch" as const), items: fc.array(fc.tuple(key, doc), { maxLength: 4 }), ttl, bad: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("delBatch" as const), ks: fc.array(key, { maxLength: 4 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("query" as const),
      q: fc.nat(queries.length - 1),
      v: fc.integer({ min: -5, max: 5 }),
      s: fc.constantFrom("x", "y", "zz", "é"),
      skip: fc.nat(2),
      limit: fc.integer({ min: 0, max: 5 }),
    }),
  },
  // Mostly forwards; sometimes backwards, as an RTC reset at boot does.
  { weight: 3, arbitrary: fc.record({ t: fc.constant("tick" as const), dt: fc.integer({ min: -30, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cleanup" as const) }) },
  { weight: 1, arbitrary: fc.constant({ t: "purge" as const }) },
);

function run(cmds: Cmd[]) {
  const clock = new ManualClock(1000);
  // The smallest nodes (fan-out 4), so that a few keys already make a tree of several levels.
  const db = new MoteDB({ memory: hostMemory(10_000_000), clock, btreePagesize: 64 });
  const model = new Map<string, ModelRec>();
  let high = -Infinity; // the model of the database's clock: the highest time seen
  const now = () => (high = Math.max(high, clock.t));
  const expireModel = () => {
    const t = now();
    for (const [k, r] of model) if (r.x > 0 && r.x <= t) model.delete(k);
  };
  const sortedKeys = () => [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const expiry = (ttl: number | undefined) => (ttl === undefined ? 0 : Math.ceil(high + ttl));

  for (const c of cmds) {
    switch (c.t) {
      case "put": {
        expireModel();
        const k = c.k === undefined ? db.put(c.d, c.ttl, c.tags) : db.put(c.k, c.d, c.ttl, c.tags);
        if (c.k === undefined) expect(model.has(k)).toBe(false);
        model.set(k, { doc: c.d, x: expiry(c.ttl), tags: c.tags });
        break;
      }
      case "get":
        expireModel();
        expect(db.get(c.k)).toEqual(model.get(c.k)?.doc);
        expect(db.has(c.k)).toBe(model.has(c.k));
        break;
      case "del":
        expireModel();
        expect(db.delete(c.k)).toBe(model.delete(c.k));
        break;
      case "batch": {
        expireModel();
        const items: unknown[] = c.items.slice();
        if (c.bad) items.push(["ok-key", () => 1]); // one bad item: nothing of the batch is written
        let threw: string | undefined;
        try {
          db.putBatch(items, c.ttl);
        } catch (e) {
          threw = (e as { code: string }).code;
        }
        if (c.bad) expect(threw).toBe("E_VALUE");
        else for (const [k, d] of c.items) model.set(k, { doc: d, x: expiry(c.ttl) });
        break;
      }
      case "delBatch": {
        expireModel();
        const n = new Set(c.ks.filter((k) => model.has(k))).size;
        expect(db.deleteBatch(c.ks)).toBe(n);
        for (const k of c.ks) model.delete(k);
        break;
      }
      case "query": {
        expireModel();
        const [, make, pred] = queries[c.q];
        const q = make(c.v, c.s) as Record<string, unknown>;
        const all = sortedKeys().filter((k) => pred(model.get(k)!, c.v, c.s));
        expect(db.keys(q)).toEqual(all);
        expect(db.count(q)).toBe(all.length);
        const window = all.slice(c.skip, c.skip + c.limit);
        expect(db.query({ ...q, $skip: c.skip, $limit: c.limit })).toEqual(window.map((k) => model.get(k)!.doc));
        break;
      }
      case "tick":
        clock.t += c.dt;
        break;
      case "cleanup": {
        const before = model.size;
        expireModel();
        expect(db.cleanup()).toBe(before - model.size);
        break;
      }
      case "purge":
        db.purge();
        model.clear();
        break;
    }
    expireModel();
    expect(db.count()).toBe(model.size);
  }
  expect(db.keys()).toEqual(sortedKeys());
  expect(db.query()).toEqual(sortedKeys().map((k) => model.get(k)!.doc));
  db.close();
}

describe("MoteDB against a model", () => {
  it("gives the model's answers for any sequence of operations", () => {
    fc.assert(fc.property(fc.array(cmd, { maxLength: 80 }), run), { numRuns: 400 });
  });

  it("keeps generated keys unique and in insertion order, even when the clock goes back", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100, max: 3 }), { maxLength: 200 }), (dts) => {
        const clock = new ManualClock(5000);
        const db = new MoteDB({ memory: hostMemory(10_000_000), clock });
        const keys: string[] = [];
        for (const dt of dts) {
          clock.t += dt;
          keys.push(db.put({ dt }));
        }
        expect([...keys].sort()).toEqual(keys);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.every((k) => k.length <= 9)).toBe(true);
      }),
    );
  });
});
