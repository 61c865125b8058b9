// One dataset and one dump, in the core dialect, compiled into the Lua image test and run on Node
// too: writeDataset() fills a flash-mode database with the awkward values (nulls, nesting,
// non-ASCII text and keys, large, negative and fractional numbers, tags, TTLs, a page-spanning
// batch, overwrites, deletes); dump() lists what a database holds as canonical text (hex of the
// codec's bytes), identical on every runtime when the contents are.

import { utf8 } from "../../src/utf8";
import { encode } from "../../src/codec";
import { Clock, Flash, Memory, Scheduler } from "../../src/ports";

export interface ImageDb {
  put(a: unknown, b?: unknown, c?: unknown, d?: unknown): string;
  putBatch(items: unknown, ttls?: unknown, tags?: unknown): string[];
  get(key: unknown): unknown;
  delete(key: unknown): boolean;
  deleteBatch(keys: unknown): number;
  keys(q?: unknown): string[];
  count(q?: unknown): number;
  close(): void;
}

/** The time the dataset is written at; TTLs count from here. */
export const T0 = 1700000000;
export const TAGS = ["sensor", "hall", "none"];

export interface ImageEnv {
  open(this: void, options: Record<string, unknown>): ImageDb;
  nil: unknown;
  print(this: void, line: string): void;
}

const clock = { t: T0 };

/** Flash-mode options with a clock the test moves, a fixed budget and no timers. */
export function imageOptions(flash: Flash): Record<string, unknown> {
  const c: Clock = {
    now: function () {
      return clock.t;
    },
  };
  const m: Memory = {
    free: function () {
      return 400000;
    },
  };
  const s: Scheduler = {
    every: function () {
      return 0;
    },
    cancel: function () {},
  };
  return { inMemory: false, flash: flash, clock: c, memory: m, scheduler: s, ramPercentage: 50 };
}

export function writeDataset(env: ImageEnv, flash: Flash): void {
  clock.t = T0;
  const nil = env.nil;
  const db = env.open(imageOptions(flash));
  db.put("null", nil);
  db.put("nested", { a: { b: { c: [1, nil, { d: "deep", e: [] }] } }, n: nil, t: true, f: false });
  db.put("text", { fr: "h\u00e9llo w\u00f6rld", ja: "\u65e5\u672c\u8a9e", emoji: "\ud83d\ude00 ok", euro: "\u20ac", empty: "" });
  db.put("cl\u00e9-\u65e5", { key: "non-ASCII" });
  db.put("numbers", {
    max: 9007199254740991,
    min: -9007199254740991,
    two32: 4294967296,
    huge: 1e300,
    tiny: 5e-324,
    neg: -123456789,
    tenth: 0.1,
    pi: 3.141592653589793,
    nhalf: -2.5,
    small: 1.5e-7,
    past53: 18014398509481984,
    zero: 0,
    list: [-1, 1e21, -1e-300, 255, 256, 65535, 65536],
  });
  db.put("ttl-short", { v: "short" }, 30, ["sensor"]);
  db.put("ttl-long", { v: "long" }, 3600.5, ["sensor", "hall"]);
  db.put("tagged", { v: "tagged" }, 0, ["hall"]);
  let text = "reading ";
  while (text.length < 60) text += "x";
  const items: unknown[] = [];
  for (let i = 0; i < 60; i++) items.push(["batch-" + (i < 10 ? "0" : "") + i, { i: i, text: text, half: i / 2 }]);
  db.putBatch(items, 0, ["sensor"]);
  let big = "0123456789";
  while (big.length < 1500) big += big;
  db.put("big", { big: big });
  db.put("batch-05", { i: 5, overwritten: true });
  db.delete("batch-06");
  db.deleteBatch(["batch-07", "batch-08", "no-such-key"]);
  db.put({ generated: true });
  db.close();
}

const HEX = "0123456789abcdef";
function hex(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += HEX.charAt(Math.floor(c / 16)) + HEX.charAt(c % 16);
  }
  return out;
}

/** What the database in `flash` holds, now and after each TTL runs out, as lines of text. */
export function dump(env: ImageEnv, flash: Flash): void {
  const times = [T0, T0 + 31, T0 + 3601];
  clock.t = T0;
  const db = env.open(imageOptions(flash));
  for (let t = 0; t < times.length; t++) {
    clock.t = times[t];
    const keys = db.keys();
    env.print("at T0+" + (times[t] - T0) + ": " + keys.length + " records, count " + db.count());
    for (let i = 0; i < keys.length; i++) env.print(hex(utf8(keys[i])) + " " + hex(encode(db.get(keys[i]), 1000000)));
    for (let i = 0; i < TAGS.length; i++) env.print("tag " + TAGS[i] + ": " + db.keys({ tags: TAGS[i] }).join(","));
  }
  db.close();
}
