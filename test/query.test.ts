// The query language, case by case: MongoDB's answers where MongoDB has the operator.
import { describe, expect, it } from "vitest";
import { codeOf, memDb } from "./helpers";

function sample() {
  const { db } = memDb();
  db.put("a", { name: "Ann", age: 31, city: "Oslo", scores: [3, 8], address: { city: "Oslo", zip: "0150" }, tags: ["x"] });
  db.put("b", { name: "Bob", age: 25, city: "Rome", scores: [9], address: { city: "Rome" }, items: [{ sku: "p1", qty: 2 }, { sku: "p2", qty: 7 }] });
  db.put("c", { name: "Cid", age: "40", nick: null, scores: [], items: [{ sku: "p1", qty: 9 }] }, 0, ["sensor", "hot"]);
  db.put("d", { name: "Dee", age: 52.5, city: null, scores: [[1, 2], 5], bio: "likes embedded databases" });
  db.put("e", 42);
  db.put("f", ["p1", "p2"], 0, ["sensor"]);
  return db;
}

const cases: [string, unknown, string[]][] = [
  // equality, implicit and explicit
  ["implicit equality", { name: "Ann" }, ["a"]],
  ["$eq", { age: { $eq: 25 } }, ["b"]],
  ["equality does not convert types", { age: 40 }, []],
  ["dotted path", { "address.city": "Rome" }, ["b"]],
  ["a whole sub-document", { address: { city: "Rome" } }, ["b"]],
  ["a sub-document must equal exactly", { address: { city: "Oslo" } }, []],
  ["array field matches any element", { scores: 8 }, ["a"]],
  ["array field matches the whole array", { scores: [3, 8] }, ["a"]],
  ["an element that is itself an array", { scores: [1, 2] }, ["d"]],
  ["path into objects inside arrays", { "items.sku": "p2" }, ["b"]],
  ["numeric path part indexes an array", { "items.0.qty": 9 }, ["c"]],
  ["null matches null and missing", { city: null }, ["c", "d", "e", "f"]],
  // $ne / $nin: also match missing fields; no element equal
  ["$ne matches missing fields", { city: { $ne: "Oslo" } }, ["b", "c", "d", "e", "f"]],
  ["$ne on arrays: no element equal", { scores: { $ne: 9 } }, ["a", "c", "d", "e", "f"]],
  ["$ne null: present and not null", { city: { $ne: null } }, ["a", "b"]],
  ["$nin", { name: { $nin: ["Ann", "Bob"] } }, ["c", "d", "e", "f"]],
  ["$in", { name: { $in: ["Ann", "Bob", "Zed"] } }, ["a", "b"]],
  ["$in with array fields", { scores: { $in: [5, 100] } }, ["d"]],
  ["$in with null", { nick: { $in: [null] } }, ["a", "b", "c", "d", "e", "f"]],
  // ordering: same type only
  ["$gt numbers only", { age: { $gt: 30 } }, ["a", "d"]],
  ["$gte", { age: { $gte: 52.5 } }, ["d"]],
  ["$lt", { age: { $lt: 31 } }, ["b"]],
  ["$lte", { age: { $lte: 31 } }, ["a", "b"]],
  ["strings compare with strings", { age: { $gt: "3" } }, ["c"]],
  ["range on array elements", { scores: { $gt: 8, $lt: 10 } }, ["b"]],
  ["range", { age: { $gte: 25, $lt: 40 } }, ["a", "b"]],
  // $exists
  ["$exists true includes null", { nick: { $exists: true } }, ["c"]],
  ["$exists false", { city: { $exists: false } }, ["c", "e", "f"]],
  ["$exists through arrays", { "items.qty": { $exists: true } }, ["b", "c"]],
  // $contains
  ["$contains substring", { bio: { $contains: "embedded" } }, ["d"]],
  ["$contains element", { scores: { $contains: 9 } }, ["b"]],
  ["$contains is not equality", { name: { $contains: "o" } }, ["b"]],
  // logic
  ["$and", { $and: [{ age: { $gt: 20 } }, { city: "Rome" }] }, ["b"]],
  ["$or", { $or: [{ name: "Ann" }, { "address.city": "Rome" }] }, ["a", "b"]],
  ["$nor", { $nor: [{ name: "Ann" }, { name: "Bob" }] }, ["c", "d", "e", "f"]],
  ["$not on a field", { age: { $not: { $gt: 30 } } }, ["b", "c", "e", "f"]],
  ["$not over a query", { $not: { name: "Ann" } }, ["b", "c", "d", "e", "f"]],
  // arrays
  ["$size", { scores: { $size: 2 } }, ["a", "d"]],
  ["$size 0", { scores: { $size: 0 } }, ["c"]],
  ["$elemMatch on documents", { items: { $elemMatch: { sku: "p1", qty: { $gt: 5 } } } }, ["c"]],
  ["$elemMatch needs one element to match all", { items: { $elemMatch: { sku: "p2", qty: 2 } } }, []],
  ["$elemMatch on values", { scores: { $elemMatch: { $gt: 2, $lt: 4 } } }, ["a"]],
  ["$all", { scores: { $all: [3, 8] } }, ["a"]],
  // tags: the put() tags when a record has them, else the document's own
  ["tags given at put", { tags: "sensor" }, ["c", "f"]],
  ["document tags when put without tags", { tags: "x" }, ["a"]],
  ["put tags win over the document's", { tags: "hot" }, ["c"]],
  ["$in on tags", { tags: { $in: ["hot", "x"] } }, ["a", "c"]],
  ["$all on tags", { tags: { $all: ["sensor", "hot"] } }, ["c"]],
  ["$contains on tags", { tags: { $contains: "sensor" } }, ["c", "f"]],
  // edges
  ["empty query matches all", {}, ["a", "b", "c", "d", "e", "f"]],
  ["non-object documents have no fields", { length: 2 }, []],
  ["inherited members are not fields", { constructor: { $exists: true } }, []],
  ["toString is not a field", { toString: null }, ["a", "b", "c", "d", "e", "f"]],
];

describe("query semantics", () => {
  const db = sample();
  for (const [name, q, keys] of cases) {
    it(name, () => {
      expect(db.keys(q)).toEqual(keys);
      expect(db.count(q)).toBe(keys.length);
      expect(db.query(q)).toEqual(keys.map((k) => db.get(k)));
    });
  }

  it("finds fields whose names sort differently in UTF-8 and in UTF-16", () => {
    // "😀" is after "｡" in UTF-8 bytes (F0 > EF) but before it in UTF-16 (D83D < FF61).
    const { db } = memDb();
    db.put("u", { "｡": 1, "😀": 2, z: 3 });
    expect(db.keys({ "😀": 2 })).toEqual(["u"]);
    expect(db.keys({ "｡": 1 })).toEqual(["u"]);
    expect(db.keys({ z: 3, "😀": { $gt: 1 } })).toEqual(["u"]);
    expect(db.keys({ "😀": 1 })).toEqual([]);
  });

  it("$skip and $limit window the results in key order", () => {
    expect(db.keys({ $skip: 1, $limit: 2 })).toEqual(["b", "c"]);
    expect(db.keys({ scores: { $exists: true }, $skip: 3 })).toEqual(["d"]);
    expect(db.keys({ $limit: 0 })).toEqual([]);
  });

  const bad: [string, unknown][] = [
    ["unknown operator", { age: { $regex: "A" } }],
    ["unknown top-level operator", { $where: "1" }],
    ["mixed operators and fields", { age: { $gt: 1, x: 2 } }],
    ["$in needs an array", { age: { $in: 5 } }],
    ["$and needs queries", { $and: [] }],
    ["$or needs an array", { $or: { a: 1 } }],
    ["$gt with an object", { age: { $gt: {} } }],
    ["$gt with null", { age: { $gt: null } }],
    ["$exists needs a boolean", { age: { $exists: 1 } }],
    ["$size needs a count", { scores: { $size: -1 } }],
    ["$not needs operators", { age: { $not: 5 } }],
    ["$limit inside", { $or: [{ $limit: 1 }] }],
    ["$limit negative", { $limit: -1 }],
    ["$skip fractional", { $skip: 1.5 }],
    ["a query that is not an object", 42],
    ["an array as query", [1]],
    ["an empty path part", { "a..b": 1 }],
    ["__proto__ as a field", JSON.parse('{"__proto__": {"polluted": true}}')],
    ["__proto__ in a path", { "a.__proto__.b": 1 }],
    ["a function as value", { age: () => 1 }],
    ["NaN", { age: NaN }],
  ];
  for (const [name, q] of bad) {
    it("rejects " + name + " with E_QUERY", () => {
      expect(codeOf(() => db.query(q))).toBe("E_QUERY");
      expect(codeOf(() => db.count(q))).toBe("E_QUERY");
    });
  }

  it("fails cleanly on deeply nested queries instead of overflowing the stack", () => {
    let q: unknown = { a: 1 };
    for (let i = 0; i < 100_000; i++) q = { $and: [q] };
    expect(codeOf(() => db.query(q))).toBe("E_QUERY");
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = { $not: { $eq: v } };
    expect(codeOf(() => db.query({ a: v }))).toBe("E_QUERY");
  });

  it("leaves Object.prototype alone whatever the query", () => {
    db.query(JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}'));
    db.query({ "constructor.prototype": 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
