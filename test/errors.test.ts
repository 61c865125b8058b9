// Bad input gets a stable code and leaves the database exactly as it was.
import { describe, expect, it } from "vitest";
import { MoteDB } from "../src/index";
import { hostMemory } from "../src/ports/host";
import { codeOf, ManualClock, memDb, snapshot } from "./helpers";

function loaded() {
  const { db, clock } = memDb({ maxValueSize: 200, maxKeyLength: 10 });
  db.put("k1", { a: 1 }, 100, ["t"]);
  db.put("k2", [1, 2, 3]);
  return { db, clock };
}

const deep = (n: number) => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { v };
  return v;
};
const cyclic = () => {
  const o: Record<string, unknown> = {};
  o.s = o;
  return o;
};

const rejected: [string, string, (db: MoteDB) => unknown][] = [
  ["E_KEY", "a number key", (db) => db.get(5 as unknown as string)],
  ["E_KEY", "an empty key", (db) => db.put("", { a: 1 })],
  ["E_KEY", "a key past maxKeyLength", (db) => db.put("abcdefghijk", { a: 1 })],
  ["E_KEY", "a multi-byte key past maxKeyLength in UTF-8", (db) => db.put("ééééééé", { a: 1 })],
  ["E_KEY", "delete of undefined", (db) => db.delete(undefined)],
  ["E_VALUE", "undefined", (db) => db.put("k", undefined)],
  ["E_VALUE", "a function", (db) => db.put("k", { f: () => 1 })],
  ["E_VALUE", "a cycle", (db) => db.put("k", cyclic())],
  ["E_VALUE", "NaN", (db) => db.put("k", { x: NaN })],
  ["E_VALUE", "Infinity", (db) => db.put("k", [Infinity])],
  ["E_VALUE", "a Date", (db) => db.put("k", { at: new Date() })],
  ["E_VALUE", "a Map", (db) => db.put("k", new Map())],
  ["E_VALUE", "a typed array", (db) => db.put("k", new Uint8Array(2))],
  ["E_VALUE", "a BigInt", (db) => db.put("k", { n: BigInt(1) })],
  ["E_VALUE", "a symbol", (db) => db.put("k", { s: Symbol("x") })],
  ["E_VALUE", "nesting past 32 levels", (db) => db.put("k", deep(40))],
  ["E_VALUE", "very deep nesting (no stack overflow)", (db) => db.put("k", deep(200_000))],
  ["E_VALUE", "__proto__ as a field", (db) => db.put("k", JSON.parse('{"__proto__": {"polluted": 1}}'))],
  ["E_VALUE", "a negative TTL", (db) => db.put("k", {}, -1)],
  ["E_VALUE", "a string TTL", (db) => db.put("k", {}, "10")],
  ["E_VALUE", "an infinite TTL", (db) => db.put("k", {}, Infinity)],
  ["E_VALUE", "a TTL past 2106", (db) => db.put("k", {}, 1e10)],
  ["E_VALUE", "tags that are not an array", (db) => db.put("k", {}, 0, "t")],
  ["E_VALUE", "an empty tag", (db) => db.put("k", {}, 0, [""])],
  ["E_VALUE", "a tag that is not a string", (db) => db.put("k", {}, 0, [1])],
  ["E_TOO_LARGE", "a value past maxValueSize", (db) => db.put("k", { s: "x".repeat(300) })],
  ["E_TOO_LARGE", "a huge string", (db) => db.put("k", "y".repeat(10_000_000))],
  ["E_ARG", "putBatch of a non-array", (db) => db.putBatch({ a: 1 })],
  ["E_ARG", "ttls that do not fit the items", (db) => db.putBatch([{ a: 1 }, { b: 2 }], [1])],
  ["E_VALUE", "a batch with one bad item", (db) => db.putBatch([["k3", { ok: 1 }], ["k4", () => 2]])],
  ["E_KEY", "a batch with one bad key", (db) => db.putBatch([["k3", { ok: 1 }], ["", { ok: 2 }]])],
  ["E_TOO_LARGE", "a batch with one large item", (db) => db.putBatch([{ ok: 1 }, { s: "x".repeat(500) }])],
  ["E_KEY", "deleteBatch with one bad key", (db) => db.deleteBatch(["k1", 7])],
  ["E_ARG", "deleteBatch of a non-array", (db) => db.deleteBatch("k1")],
  ["E_ARG", "an unknown event", (db) => db.on("__proto__", () => 1)],
  ["E_ARG", "a listener that is not a function", (db) => db.on("expire", 5 as unknown as () => void)],
  ["E_QUERY", "a bad query", (db) => db.keys({ a: { $bad: 1 } })],
];

describe("rejected input", () => {
  for (const [code, what, call] of rejected) {
    it(what + " -> " + code + ", and nothing changes", () => {
      const { db } = loaded();
      const before = snapshot(db);
      expect(codeOf(() => call(db))).toBe(code);
      expect(snapshot(db)).toEqual(before);
    });
  }

  it("says what to do in the message, prefixed by the code", () => {
    const { db } = loaded();
    let caught: unknown;
    try {
      db.put("k", { x: NaN });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/^E_VALUE: not JSON: NaN or Infinity/);
  });

  it("never pollutes prototypes", () => {
    const { db } = loaded();
    const evil = JSON.parse('{"constructor": {"prototype": {"polluted": 1}}, "a": {"constructor": {"name": "x"}}}');
    const k = db.put(evil);
    expect(db.get(k)).toEqual(evil);
    expect(db.keys({ "constructor.prototype.polluted": 1 })).toEqual([k]);
    db.put("__proto__", { a: 1 });
    expect(db.get("__proto__")).toEqual({ a: 1 });
    expect(db.keys()).toContain("__proto__");
    db.delete("__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it("refuses everything after close with E_CLOSED", () => {
    const { db } = loaded();
    db.close();
    db.close(); // twice is harmless
    for (const call of [() => db.get("k1"), () => db.put({}), () => db.query({}), () => db.count(), () => db.flush(), () => db.cleanup()]) {
      expect(codeOf(call)).toBe("E_CLOSED");
    }
  });

  it("rejects bad options with E_OPTION", () => {
    const clock = new ManualClock();
    const memory = hostMemory(100_000);
    for (const o of [
      { ramPercentage: 0 },
      { ramPercentage: 101 },
      { ttlCheckInterval: -1 },
      { maxKeyLength: 300 },
      { inMemory: "yes" },
      { ttlCheckIntervall: 5 },
      { memory: {} },
    ]) {
      expect(codeOf(() => new MoteDB({ memory, clock, ...(o as object) }))).toBe("E_OPTION");
    }
  });

  it("takes undefined fields out as JSON does, and undefined in arrays as null", () => {
    const { db } = loaded();
    db.put("u", { a: undefined, b: [undefined, 1] });
    expect(db.get("u")).toEqual({ b: [null, 1] });
    expect(Object.keys(db.get("u") as object)).toEqual(["b"]);
  });
});
