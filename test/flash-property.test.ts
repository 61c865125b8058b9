// Random operations with reopenings and crashes against a simple model. A clean reopen keeps
// everything; a crash (the database dropped without close) keeps exactly what was flushed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MoteDB } from "../src/index";
import { errorCode } from "../src/errors";
import { SimFlash } from "../src/ports/simflash";
import { ManualClock } from "./helpers";
import { contents, expected, flashDb, Model } from "./flash-helpers";

const KEYS = ["a", "b", "c", "d", "e", "f", "g", "h"];
const TAGS = ["red", "blue"];

type Op =
  | { t: "put"; k: number; v: unknown; ttl: number; tag: number }
  | { t: "del"; k: number }
  | { t: "batch"; items: [number, unknown][] }
  | { t: "delBatch"; ks: number[] }
  | { t: "flush" }
  | { t: "purge" }
  | { t: "tick"; s: number }
  | { t: "reopen" }
  | { t: "crash" };

const value = fc.oneof(fc.integer(), fc.string({ maxLength: 30 }), fc.record({ n: fc.integer(), s: fc.string({ maxLength: 20 }) }), fc.constant(null));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant("put" as const), k: fc.nat(7), v: value, ttl: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })), tag: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("del" as const), k: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("batch" as const), items: fc.array(fc.tuple(fc.nat(7), value), { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("delBatch" as const), ks: fc.array(fc.nat(7), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "flush" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "purge" as const }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("tick" as const), s: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 2, arbitrary: fc.constant({ t: "reopen" as const }) },
  { weight: 2, arbitrary: fc.constant({ t: "crash" as const }) },
);

/** Garbage-collection runs over all the runs of a property: proof that the runs reach it. */
let gcRuns = 0;

function run(ops: Op[], g: number): void {
  let flash = new SimFlash(256, 6, g);
  const clock = new ManualClock(1000);
  let db: MoteDB = flashDb(flash, clock);
  let model: Model = new Map();
  let durable: Model = new Map();
  // The model before the operation under way: a write it causes may flush only what came before
  // it (a write short of room flushes first, then buffers its own change).
  let before: Model = new Map();
  let wrote = false;
  const listen = (d: MoteDB) => d.on("write", () => (wrote = true));
  listen(db);
  const settle = () => {
    for (const [k, e] of model) if (e.x > 0 && e.x <= clock.t) model.delete(k);
    if (wrote) durable = new Map(db.stats().flash!.bufferedChanges === 0 ? model : before);
    wrote = false;
  };
  const check = () => expect(contents(db, TAGS)).toEqual(expected(model, clock.t, TAGS));
  for (const o of ops) {
    before = new Map(model);
    try {
      if (o.t === "put") {
        const tags = o.tag === 2 ? undefined : [TAGS[o.tag]];
        db.put(KEYS[o.k], o.v, o.ttl, tags);
        model.set(KEYS[o.k], { doc: o.v, x: o.ttl > 0 ? clock.t + o.ttl : 0, tags });
      } else if (o.t === "del") {
        db.delete(KEYS[o.k]);
        model.delete(KEYS[o.k]);
      } else if (o.t === "batch") {
        db.putBatch(o.items.map(([k, v]) => [KEYS[k], v]));
        for (const [k, v] of o.items) model.set(KEYS[k], { doc: v, x: 0 });
      } else if (o.t === "delBatch") {
        db.deleteBatch(o.ks.map((k) => KEYS[k]));
        for (const k of o.ks) model.delete(KEYS[k]);
      } else if (o.t === "flush") {
        db.flush();
      } else if (o.t === "purge") {
        db.flush();
        settle();
        db.purge();
        model.clear();
      } else if (o.t === "tick") {
        clock.t += o.s;
      } else if (o.t === "reopen") {
        db.close();
        db = flashDb(flash, clock);
        listen(db);
      } else {
        // Power lost between two operations: what was not flushed is gone.
        settle();
        flash = flash.clone();
        db = flashDb(flash, clock);
        listen(db);
        model = new Map(durable);
      }
    } catch (e) {
      if (errorCode(e) !== "E_FULL") throw e;
    }
    settle();
    check();
  }
  gcRuns += db.stats().flash!.gcRuns;
  db.close();
  const again = flashDb(flash, clock);
  expect(contents(again, TAGS)).toEqual(expected(model, clock.t, TAGS));
}

describe("flash mode against a model", () => {
  for (const g of [1, 8]) {
    it(`random operations, reopenings and crashes (granularity ${g})`, () => {
      gcRuns = 0;
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 120, size: "medium" }), (ops) => run(ops, g)),
        { numRuns: 150, seed: 4242 + g },
      );
      expect(gcRuns).toBeGreaterThan(0);
    });
  }
});
