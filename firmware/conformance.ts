// The conformance script: MoteDB's public surface against known answers, on a real interpreter.
//
// The same file runs on Espruino (bundled by tools/device.ts), in Lua (compiled by TypeScriptToLua)
// and on Node (test/espruino-conformance.test.ts), so it keeps to the core dialect and reaches the
// platform only through `env`. It prints one line a case, `ok NAME` or `FAIL NAME: detail`, then
// exactly `N passed, M failed`. Cases run one after another; a case that waits for timers gets a
// `done` callback. Every database gets its own ports where a case needs control (a clock it moves,
// a memory figure that fixes the RAM budget), and the platform's defaults otherwise.

import type { Clock, Flash, Memory, Scheduler } from "../src/ports";

/** What a database offers, as the conformance script uses it. */
export interface Db {
  put(a: unknown, b?: unknown, c?: unknown, d?: unknown): string;
  putBatch(items: unknown, ttls?: unknown, tags?: unknown): string[];
  get(key: unknown): unknown;
  has(key: unknown): boolean;
  delete(key: unknown): boolean;
  deleteBatch(keys: unknown): number;
  query(q?: unknown): unknown[];
  keys(q?: unknown): string[];
  count(q?: unknown): number;
  cleanup(): number;
  flush(): void;
  close(): void;
  stats(): { ops: Record<string, number>; expired: number; records: number; budgetBytes: number; usedBytes: number; mode: string };
  on(event: string, fn: (a?: unknown, b?: unknown) => void): void;
  off(event: string, fn: (a?: unknown, b?: unknown) => void): void;
}

export interface Env {
  /** Open a database with these options (the platform fills in the ports they leave out). */
  open(this: void, options?: Record<string, unknown>): Db;
  /** A fresh, erased flash port of at least 8 pages of 1 KB or more. */
  flash(this: void): Flash;
  /** Call fn once, `seconds` from now. */
  later(this: void, seconds: number, fn: (this: void) => void): void;
  print(this: void, line: string): void;
  /** What a stored null reads back as (null in JavaScript, MoteDB's null sentinel in Lua). */
  nil: unknown;
  /** Whether the query engine is in the build (the Espruino kv build leaves it out). */
  queries: boolean;
  /** Run only the cases whose name contains one of these (a board with little RAM runs them in parts). */
  only?: string[];
  /** Print the cases' names (`case NAME`) instead of running them. */
  list?: boolean;
}

type Done = (this: void, problem?: string) => void;
interface Case {
  name: string;
  /** Returns a problem, or undefined when all is well. */
  run: ((this: void) => string | undefined) | undefined;
  wait: ((this: void, done: Done) => void) | undefined;
}

// ---- comparing --------------------------------------------------------------------------------

function isArr(v: unknown): boolean {
  return Array.isArray(v);
}

/** JSON-ish text of a value, fields sorted, for messages. */
export function show(v: unknown, nil: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null || v === nil) return "null";
  if (typeof v === "string") return '"' + v + '"';
  if (typeof v !== "object") return String(v);
  const parts: string[] = [];
  if (isArr(v)) {
    const a = v as unknown[];
    for (let i = 0; i < a.length; i++) parts.push(show(a[i], nil));
    return "[" + parts.join(",") + "]";
  }
  const ks = sorted(Object.keys(v as object));
  for (let i = 0; i < ks.length; i++) parts.push(ks[i] + ":" + show((v as Record<string, unknown>)[ks[i]], nil));
  return "{" + parts.join(",") + "}";
}

function sorted(a: string[]): string[] {
  const s = a.slice();
  for (let i = 1; i < s.length; i++) {
    const x = s[i];
    let j = i - 1;
    while (j >= 0 && s[j] > x) {
      s[j + 1] = s[j];
      j--;
    }
    s[j + 1] = x;
  }
  return s;
}

/** Deep equality of JSON values. An empty array and an empty object are alike (Lua cannot tell). */
export function same(a: unknown, b: unknown, nil: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === nil) && (b === null || b === nil)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || a === nil || b === nil) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  if (ka.length > 0 && isArr(a) !== isArr(b)) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i];
    if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], nil)) return false;
  }
  return true;
}

function codeOf(e: unknown): string {
  if (typeof e === "object" && e !== null) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string") return c;
    const m = (e as { message?: unknown }).message;
    if (typeof m === "string") return "no code: " + m;
  }
  return "no code: " + String(e);
}

// ---- the cases --------------------------------------------------------------------------------

export function conformance(env: Env): void {
  const nil = env.nil;
  const cases: Case[] = [];
  let passed = 0;
  let failed = 0;
  const clock = { t: 1000 };
  const ownClock: Clock = {
    now: function () {
      return clock.t;
    },
  };
  const plenty: Memory = {
    free: function () {
      return 2000000;
    },
  };
  const noTimers: Scheduler = {
    every: function () {
      return 0;
    },
    cancel: function () {},
  };

  /** Options with a clock the cases move, a fixed budget and no timers, plus `extra`. */
  function opts(extra: Record<string, unknown> | undefined): Record<string, unknown> {
    const o: Record<string, unknown> = { clock: ownClock, memory: plenty, scheduler: noTimers };
    if (extra !== undefined) {
      const ks = Object.keys(extra);
      for (let i = 0; i < ks.length; i++) o[ks[i]] = extra[ks[i]];
    }
    return o;
  }
  function open(extra?: Record<string, unknown>): Db {
    return env.open(opts(extra));
  }
  function wanted(name: string): boolean {
    if (env.list === true) {
      env.print("case " + name);
      return false;
    }
    const only = env.only;
    if (only === undefined) return true;
    for (let i = 0; i < only.length; i++) if (name.indexOf(only[i]) >= 0) return true;
    return false;
  }
  // Every case is registered as `if (wanted(name)) test(name, function...)`: a case left out costs
  // no function, which a board with little RAM needs when it runs the cases in parts.
  function test(name: string, run: (this: void) => string | undefined): void {
    cases.push({ name: name, run: run, wait: undefined });
  }
  function later(name: string, wait: (this: void, done: Done) => void): void {
    cases.push({ name: name, run: undefined, wait: wait });
  }
  function expect(what: string, got: unknown, want: unknown): string {
    return same(got, want, nil) ? "" : what + ": got " + show(got, nil) + ", want " + show(want, nil);
  }
  /** The first problem of several checks ("" is no problem: Lua arrays cannot hold undefined). */
  function first(ps: string[]): string | undefined {
    for (let i = 0; i < ps.length; i++) if (ps[i] !== "") return ps[i];
    return undefined;
  }
  function throwsCode(what: string, fn: (this: void) => unknown, code: string): string {
    let got = "nothing thrown";
    try {
      fn();
    } catch (e) {
      got = codeOf(e);
    }
    return got === code ? "" : what + ": want " + code + ", got " + got;
  }

  // -- keys and values
  if (wanted("put and get")) test("put and get", function () {
    const db = open();
    const k = db.put("k1", { a: 1, b: "two", c: [3, 4], d: { e: true } });
    const p = [expect("key", k, "k1"), expect("get", db.get("k1"), { a: 1, b: "two", c: [3, 4], d: { e: true } }), expect("missing", db.get("nope"), undefined)];
    db.close();
    return first(p);
  });
  if (wanted("values keep their exact value")) test("values keep their exact value", function () {
    const db = open();
    const vals: unknown[] = [0, 1, -1, 127, 128, 16384, -129, 1099511627776, -1099511627776, 9007199254740991, 2.5, -0.125, 0.1, 1e-7, 123456.789, 1e300, -2.2250738585072014e-308,
      "", "plain", "h\u00e9llo", "\u20ac100", "\u65e5\u672c", true, false, [1, "a", false, [2]], { x: { y: { z: "deep" } } }];
    let problem: string | undefined = undefined;
    for (let i = 0; i < vals.length; i++) {
      db.put("v" + i, vals[i]);
      const back = db.get("v" + i);
      if (problem === undefined && !same(back, vals[i], nil)) problem = "value " + i + ": got " + show(back, nil) + ", want " + show(vals[i], nil);
    }
    db.close();
    return problem;
  });
  if (wanted("null values")) test("null values", function () {
    const db = open();
    const doc: Record<string, unknown> = { a: 1 };
    doc.n = nil;
    db.put("n", doc);
    db.put("top", nil);
    const got = db.get("n") as Record<string, unknown>;
    const p = [got.n === nil ? "" : "a null field reads back as " + show(got.n, nil), db.get("top") === nil ? "" : "a null document reads back as " + show(db.get("top"), nil)];
    db.close();
    return first(p);
  });
  if (wanted("overwrite, has, delete")) test("overwrite, has, delete", function () {
    const db = open();
    db.put("k", { v: 1 });
    db.put("k", { v: 2 });
    const p = [
      expect("overwritten", db.get("k"), { v: 2 }),
      expect("count", db.count(), 1),
      expect("has", db.has("k"), true),
      expect("delete", db.delete("k"), true),
      expect("delete again", db.delete("k"), false),
      expect("has after", db.has("k"), false),
      expect("get after", db.get("k"), undefined),
    ];
    db.close();
    return first(p);
  });
  if (wanted("generated keys sort in insertion order")) test("generated keys sort in insertion order", function () {
    const db = open();
    const a = db.put({ i: 1 });
    const b = db.put({ i: 2 });
    clock.t += 5;
    const c = db.put({ i: 3 }, 0, ["t"], undefined);
    const p = [
      expect("length", a.length, 9),
      a < b && b < c ? "" : "keys " + a + " " + b + " " + c + " are not increasing",
      expect("get", db.get(b), { i: 2 }),
      expect("keys", db.keys(), [a, b, c]),
    ];
    db.close();
    return first(p);
  });
  if (wanted("keys, count and purge")) test("keys, count and purge", function () {
    const db = open();
    db.put("b", 1);
    db.put("a", 2);
    db.put("c", 3);
    const p = [expect("keys", db.keys(), ["a", "b", "c"]), expect("query all", db.query(), [2, 1, 3]), expect("count", db.count(), 3)];
    db.delete({ purge: true });
    p.push(expect("count after purge", db.count(), 0));
    db.close();
    return first(p);
  });

  // -- queries (tables made when a case needs them: on a board with little RAM they are large)
  function queryDocs(): unknown[][] {
    return [
      ["d1", { n: 1, s: "apple", arr: [1, 2, 3], sub: { x: 10 }, items: [{ sku: "a", q: 1 }, { sku: "b", q: 5 }] }],
      ["d2", { n: 2, s: "banana", arr: [4], sub: { x: 20 }, items: [{ sku: "c", q: 2 }] }],
      ["d3", { n: 3, s: "cherry", arr: [], sub: { x: 30, y: 1 }, tags: ["own"] }],
      ["d4", { n: 4, s: "date", arr: [2, 5], flag: true }],
      ["d5", { s: "elder", arr: [1, 5, 9], sub: { x: 10 } }],
    ];
  }
  function queryTable(): unknown[][] {
    return [
      ["$eq", { n: { $eq: 2 } }, ["d2"]],
      ["equality", { s: "cherry" }, ["d3"]],
      ["array element", { arr: 5 }, ["d4", "d5"]],
      ["$ne", { n: { $ne: 2 } }, ["d1", "d3", "d4", "d5"]],
      ["$gt", { n: { $gt: 2 } }, ["d3", "d4"]],
      ["$gte", { n: { $gte: 2 } }, ["d2", "d3", "d4"]],
      ["$lt", { n: { $lt: 2 } }, ["d1"]],
      ["$lte and $gt", { n: { $lte: 3, $gt: 1 } }, ["d2", "d3"]],
      ["strings compare", { s: { $gt: "c" } }, ["d3", "d4", "d5"]],
      ["$in", { n: { $in: [1, 4, 7] } }, ["d1", "d4"]],
      ["$nin", { n: { $nin: [1, 4] } }, ["d2", "d3", "d5"]],
      ["$exists", { flag: { $exists: true } }, ["d4"]],
      ["$exists false", { n: { $exists: false } }, ["d5"]],
      ["$size", { arr: { $size: 2 } }, ["d4"]],
      ["$contains string", { s: { $contains: "an" } }, ["d2"]],
      ["$contains element", { arr: { $contains: 9 } }, ["d5"]],
      ["$all", { arr: { $all: [1, 5] } }, ["d5"]],
      ["$elemMatch values", { arr: { $elemMatch: { $gt: 3, $lt: 5 } } }, ["d2"]],
      ["$elemMatch documents", { items: { $elemMatch: { sku: "b", q: { $gt: 2 } } } }, ["d1"]],
      ["$not on a field", { n: { $not: { $gt: 1 } } }, ["d1", "d5"]],
      ["$and", { $and: [{ n: { $gt: 1 } }, { n: { $lt: 4 } }] }, ["d2", "d3"]],
      ["$or", { $or: [{ n: 1 }, { s: "date" }] }, ["d1", "d4"]],
      ["$nor", { $nor: [{ n: 1 }, { n: 2 }] }, ["d3", "d4", "d5"]],
      ["$not on a query", { $not: { n: { $gte: 2 } } }, ["d1", "d5"]],
      ["dotted path", { "sub.x": 10 }, ["d1", "d5"]],
      ["path into array", { "items.sku": "c" }, ["d2"]],
      ["array index", { "arr.0": 1 }, ["d1", "d5"]],
      ["missing is null", { flag: nil }, ["d1", "d2", "d3", "d5"]],
      ["tags from put", { tags: "t2" }, ["d2", "d4"]],
      ["own tags field", { tags: "own" }, ["d3"]],
      ["$limit and $skip", { n: { $gt: 0 }, $skip: 1, $limit: 2 }, ["d2", "d3"]],
    ];
  }
  function queryDb(): Db {
    const db = open();
    const docs = queryDocs();
    for (let i = 0; i < docs.length; i++) {
      const tags = i === 1 || i === 3 ? ["t1", "t2"] : undefined;
      db.put(docs[i][0], docs[i][1], 0, tags);
    }
    return db;
  }
  if (env.queries) {
    if (wanted("query operators")) test("query operators", function () {
      const db = queryDb();
      const queries = queryTable();
      let problem = "";
      for (let i = 0; i < queries.length; i++) {
        let got: unknown = undefined;
        try {
          got = db.keys(queries[i][1]);
        } catch (e) {
          got = "error " + codeOf(e);
        }
        if (problem === "") problem = expect(queries[i][0] as string, got, queries[i][2]);
      }
      const p = [problem, expect("count(q)", db.count({ n: { $gte: 3 } }), 2), expect("query(q)", db.query({ s: "date" }), [queryDocs()[3][1]])];
      db.close();
      return first(p);
    });
    if (wanted("bad queries")) test("bad queries", function () {
      const db = open();
      const p = [
        throwsCode("unknown operator", function () {
          return db.query({ n: { $bogus: 1 } });
        }, "E_QUERY"),
        throwsCode("mixed object", function () {
          return db.query({ n: { $gt: 1, x: 2 } });
        }, "E_QUERY"),
        throwsCode("$in without array", function () {
          return db.count({ n: { $in: 3 } });
        }, "E_QUERY"),
      ];
      db.close();
      return first(p);
    });
  } else {
    if (wanted("queries refused in the kv build")) test("queries refused in the kv build", function () {
      const db = queryDb();
      const p = [
        throwsCode("query", function () {
          return db.query({ n: 1 });
        }, "E_NO_QUERY"),
        expect("keys()", db.keys(), ["d1", "d2", "d3", "d4", "d5"]),
        expect("count()", db.count(), 5),
      ];
      db.close();
      return first(p);
    });
  }

  // -- errors
  if (wanted("errors carry codes")) test("errors carry codes", function () {
    const db = open({ maxValueSize: 100, maxKeyLength: 8 });
    let long = "past the hundred bytes allowed; ";
    while (long.length <= 100) long += long;
    let deep: unknown[] = [1];
    for (let i = 0; i < 40; i++) deep = [deep];
    const p = [
      throwsCode("empty key", function () {
        return db.put("", 1);
      }, "E_KEY"),
      throwsCode("long key", function () {
        return db.get("123456789");
      }, "E_KEY"),
      throwsCode("NaN", function () {
        return db.put("k", { x: 0 / 0 });
      }, "E_VALUE"),
      throwsCode("a function", function () {
        return db.put("k", { f: function () {} });
      }, "E_VALUE"),
      throwsCode("deep nesting", function () {
        return db.put("k", deep);
      }, "E_VALUE"),
      throwsCode("too large", function () {
        return db.put("k", long);
      }, "E_TOO_LARGE"),
      throwsCode("bad TTL", function () {
        return db.put("k", 1, -5);
      }, "E_VALUE"),
      throwsCode("bad tags", function () {
        return db.put("k", 1, 0, [1]);
      }, "E_VALUE"),
      throwsCode("unknown event", function () {
        db.on("nope", function () {});
      }, "E_ARG"),
      throwsCode("unknown option", function () {
        return open({ bogus: 1 });
      }, "E_OPTION"),
      expect("nothing stored", db.count(), 0),
    ];
    db.close();
    p.push(throwsCode("closed", function () {
      return db.get("k");
    }, "E_CLOSED"));
    return first(p);
  });
  if (wanted("RAM budget")) test("RAM budget", function () {
    const db = open({ memory: { free: function () { return 4000; } }, ramPercentage: 50 });
    let n = 0;
    let code = "";
    while (code === "" && n < 200) {
      try {
        db.put("key" + n, { text: "some sensor reading", n: n });
        n++;
      } catch (e) {
        code = codeOf(e);
      }
    }
    const p = [
      expect("error", code, "E_BUDGET"),
      n > 0 ? "" : "nothing fit in 2000 bytes",
      expect("count", db.count(), n),
      db.stats().usedBytes <= 2000 ? "" : "used " + db.stats().usedBytes + " of a 2000-byte budget",
    ];
    db.delete("key0");
    let again = "ok";
    try {
      db.put("again", { text: "some sensor reading", n: 0 });
    } catch (e) {
      again = codeOf(e);
    }
    p.push(expect("put after delete", again, "ok"));
    db.close();
    return first(p);
  });

  // -- batches
  if (wanted("putBatch and deleteBatch")) test("putBatch and deleteBatch", function () {
    const db = open();
    const ks = db.putBatch([["a", 1], ["b", 2], { gen: 3 }], 0, ["t"]);
    const p = [expect("keys", ks.length, 3), expect("a", db.get("a"), 1), expect("generated", db.get(ks[2]), { gen: 3 }), expect("deleteBatch", db.deleteBatch(["a", "b", "zz"]), 2), expect("left", db.count(), 1)];
    db.close();
    return first(p);
  });
  if (wanted("batches are all or nothing")) test("batches are all or nothing", function () {
    const db = open({ memory: { free: function () { return 4000; } }, ramPercentage: 50 });
    db.put("keep", 1);
    const big: unknown[] = [];
    for (let i = 0; i < 60; i++) big.push(["b" + i, { text: "some sensor reading", n: i }]);
    const p = [
      throwsCode("bad item", function () {
        return db.putBatch([["x", 1], ["y", 0 / 0], ["z", 3]]);
      }, "E_VALUE"),
      expect("after bad item", db.keys(), ["keep"]),
      throwsCode("over budget", function () {
        return db.putBatch(big);
      }, "E_BUDGET"),
      expect("after over budget", db.keys(), ["keep"]),
      throwsCode("bad key", function () {
        return db.deleteBatch(["keep", ""]);
      }, "E_KEY"),
      expect("after bad key", db.keys(), ["keep"]),
      throwsCode("not an array", function () {
        return db.putBatch("x");
      }, "E_ARG"),
    ];
    db.close();
    return first(p);
  });

  // -- time
  if (wanted("TTL expiry")) test("TTL expiry", function () {
    clock.t = 1000;
    const db = open();
    db.put("short", 1, 10);
    db.put("long", 2, 100);
    db.put("ever", 3);
    clock.t = 1009.5;
    const p = [expect("before", db.keys(), ["ever", "long", "short"])];
    clock.t = 1010.5;
    p.push(expect("after", db.keys(), ["ever", "long"]), expect("get", db.get("short"), undefined));
    clock.t = 1200;
    p.push(expect("cleanup", db.cleanup(), 1), expect("expired", db.stats().expired, 2));
    db.close();
    return first(p);
  });
  if (wanted("a clock that jumps back expires nothing early")) test("a clock that jumps back expires nothing early", function () {
    clock.t = 2000;
    const db = open();
    db.put("k", 1, 10);
    clock.t = 500;
    const p = [expect("after the jump", db.get("k"), 1)];
    clock.t = 2011;
    p.push(expect("once past", db.get("k"), undefined));
    db.close();
    return first(p);
  });
  if (wanted("timers expire records")) later("timers expire records", function (done) {
    clock.t = 3000;
    const db = env.open({ clock: ownClock, memory: plenty, ttlCheckInterval: 0.05 });
    const seen: string[] = [];
    db.on("expire", function (k) {
      seen.push(k as string);
    });
    db.put("a", 1, 5);
    db.put("b", 2, 5);
    db.put("c", 3, 50);
    clock.t = 3006;
    env.later(0.4, function () {
      const p = [expect("expired by the timer", sorted(seen), ["a", "b"]), expect("stats", db.stats().expired, 2), expect("ops", db.stats().ops.get, 0)];
      db.close();
      done(first(p));
    });
  });
  if (wanted("events and listeners")) test("events and listeners", function () {
    const db = open();
    let closes = 0;
    let errors = 0;
    const onClose = function () {
      closes++;
    };
    db.on("close", onClose);
    db.on("close", function () {
      throw new Error("a listener fails");
    });
    db.on("error", function () {
      errors++;
    });
    db.off("close", onClose);
    db.close();
    db.close();
    return first([expect("close listener removed", closes, 0), expect("failing listener reported", errors, 1)]);
  });
  if (wanted("stats count operations")) test("stats count operations", function () {
    const db = open();
    db.put("a", 1);
    db.get("a");
    db.get("b");
    db.has("a");
    const s = db.stats();
    const p = [expect("put", s.ops.put, 1), expect("get", s.ops.get, 2), expect("records", s.records, 1), expect("mode", s.mode, "memory"), s.usedBytes > 0 ? "" : "usedBytes is " + s.usedBytes];
    db.close();
    return first(p);
  });
  if (wanted("the platform's own ports")) test("the platform's own ports", function () {
    const db = env.open({});
    db.put("k", { v: 1 });
    const s = db.stats();
    const p = [expect("get", db.get("k"), { v: 1 }), s.budgetBytes >= 100 ? "" : "budget of " + s.budgetBytes + " bytes"];
    db.close();
    return first(p);
  });

  // -- flash
  if (wanted("flash mode keeps data across a restart")) test("flash mode keeps data across a restart", function () {
    clock.t = 5000;
    const f = env.flash();
    const db = open({ inMemory: false, flash: f });
    for (let i = 0; i < 20; i++) db.put("r" + (i < 10 ? "0" : "") + i, { i: i, text: "reading number " + i }, i % 5 === 0 ? 60 : 0);
    db.put("r03", { i: 3, text: "changed" });
    db.delete("r04");
    db.close();
    const again = open({ inMemory: false, flash: f });
    const p = [
      expect("count", again.count(), 19),
      expect("changed", again.get("r03"), { i: 3, text: "changed" }),
      expect("deleted", again.get("r04"), undefined),
      expect("kept", again.get("r19"), { i: 19, text: "reading number 19" }),
      expect("mode", again.stats().mode, "flash"),
    ];
    clock.t = 5061;
    p.push(expect("TTL kept", again.count(), 15));
    again.close();
    return first(p);
  });
  if (wanted("flash mode after a power cut")) test("flash mode after a power cut", function () {
    const f = env.flash();
    const db = open({ inMemory: false, flash: f });
    db.putBatch([["a", 1], ["b", 2], ["c", 3]]);
    db.flush();
    db.put("d", 4);
    db.flush();
    // No close(): the board lost power here.
    const again = open({ inMemory: false, flash: f });
    const p = [expect("keys", again.keys(), ["a", "b", "c", "d"]), expect("value", again.get("d"), 4)];
    again.close();
    return first(p);
  });
  if (wanted("flash mode reports a full flash")) test("flash mode reports a full flash", function () {
    const f = env.flash();
    const db = open({ inMemory: false, flash: f });
    let text = "0123456789";
    while (text.length < 400) text += text;
    let n = 0;
    let code = "";
    const room = Math.floor((f.pageSize * f.pageCount) / 400) + 8;
    while (code === "" && n < room) {
      try {
        db.put("big" + n, text);
        db.flush();
        n++;
      } catch (e) {
        code = codeOf(e);
      }
    }
    const p = [expect("error", code, "E_FULL"), expect("readable", db.get("big0"), text)];
    db.close();
    return first(p);
  });

  // ---- running ----------------------------------------------------------------------------------

  let at = 0;
  function report(name: string, problem: string | undefined): void {
    if (problem === undefined || problem === "") {
      passed++;
      env.print("ok " + name);
    } else {
      failed++;
      env.print("FAIL " + name + ": " + problem);
    }
  }
  function runOne(c: Case): string | undefined {
    let problem: string | undefined = undefined;
    try {
      problem = (c.run as (this: void) => string | undefined)();
    } catch (e) {
      problem = "threw " + codeOf(e);
    }
    return problem;
  }
  function next(): void {
    while (at < cases.length) {
      const c = cases[at];
      at++;
      if (c.wait !== undefined) {
        let answered = false;
        const finish = function (problem?: string): void {
          if (answered) return;
          answered = true;
          report(c.name, problem);
          next();
        };
        try {
          c.wait(finish);
        } catch (e) {
          finish("threw " + codeOf(e));
        }
        return;
      }
      report(c.name, runOne(c));
    }
    env.print(passed + " passed, " + failed + " failed");
  }
  if (env.list !== true) next();
}
