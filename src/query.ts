// The query engine: MongoDB's query language over stored documents, compiled once into predicates.
//
// Semantics follow MongoDB wherever it has the operator:
// - a condition on a field that holds an array matches when the array itself or any element matches;
// - `$ne` and `$nin` also match a missing field, and mean that no element is equal;
// - ordering operators compare numbers with numbers and strings with strings, nothing across types;
// - `{ f: null }` matches a missing field or a null; `$exists: true` includes null;
// - dotted paths walk into objects, and into the objects inside arrays ("items.sku"), and a
//   numeric part indexes an array ("items.0.sku").
// `$contains` (not MongoDB's) matches a substring of a string or an element of an array.
// The field `tags` means the tags given at put(), when a record has them, and otherwise the
// document's own `tags` field. `$limit` and `$skip` apply at the top level only.

import { E_QUERY, moteError } from "./errors";
import { decode, encode, Encoded, fieldAt, T_OBJ } from "./codec";
import { utf8 } from "./utf8";
import { field, isNull, isPlainObject, MAX_DEPTH } from "./lang";

/** A compiled query: a predicate over (document, tags), and the window of results wanted. The
 * document may be decoded or still in its bytes (an Encoded), which the engine reads in place. */
export interface Query {
  test_: (this: void, doc: unknown, tags: string[] | undefined) => boolean;
  skip_: number;
  limit_: number;
}

/**
 * What a query compiles to: tests of a document and its tags (a query document), or of the values a
 * path reaches, none when the field is missing (a field's condition). Both combine the same way.
 */
type Test = (this: void, a: unknown, tags?: string[]) => boolean;

/** A test of one value. */
type Pred = (this: void, v: unknown) => boolean;

/**
 * Compile a query; throws E_QUERY with what is wrong. An absent query matches everything.
 * The compiler's functions are defined inside it, so they exist only while a query is compiled or
 * used: on Espruino every function costs RAM (about 8 variables) from when it is defined.
 */
export function compileQuery(q: unknown): Query {
  let skip = 0;
  let limit = Infinity;
  // The operators, by code: their index here.
  const OPS = "$eq $ne $exists $gt $gte $lt $lte $size $contains $elemMatch $in $nin $all $not $and $or $nor $limit $skip".split(" ");

  function bad(msg: string): never {
    throw moteError(E_QUERY, msg);
  }

  function isObject(v: unknown): boolean {
    return typeof v === "object" && !isNull(v) && !Array.isArray(v) && isPlainObject(v as object);
  }

  /** An array (a Lua build's null is a table that could pass for an empty one). */
  function isList(v: unknown): boolean {
    return Array.isArray(v) && !isNull(v);
  }

  /** An object whose keys all start with "$" is an operator expression; mixing the two is an error. */
  function isOps(v: unknown): boolean {
    if (!isObject(v)) return false;
    const ks = Object.keys(v as object);
    let n = 0;
    for (let i = 0; i < ks.length; i++) if (ks[i].charCodeAt(0) === 36) n++;
    if (n > 0 && n < ks.length) bad("mixes operators and fields");
    return n > 0;
  }

  function count(v: unknown, op: string): number {
    if (typeof v !== "number" || Math.floor(v) !== v || v < 0) bad(op + " takes a whole number");
    return v as number;
  }

  /** Whether p holds for one of vals or, with `elements`, one element of an array among them. */
  function some(vals: unknown[], elements: boolean, p: Pred): boolean {
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (p(v) || (elements && isList(v) && some(v as unknown[], false, p))) return true;
    }
    return false;
  }

  /** Whether all the tests pass (or with `every` false, any of them), negated with `not`. */
  function join(tests: Test[], every: boolean, not: boolean): Test {
    return function (a: unknown, tags?: string[]): boolean {
      let r = every;
      for (let i = 0; r === every && i < tests.length; i++) r = tests[i](a, tags);
      return r !== not;
    };
  }

  /** The test of the operator with code c of a field's condition, on the values its path reaches. */
  function operator(c: number, x: unknown, depth: number): Test {
    const op = OPS[c];
    if (c === 13) {
      if (!isOps(x)) bad(op + " takes operators");
      return join([build(x, depth + 1, 2)], true, true);
    }
    if (c > 9) {
      const tests = items(x, op, depth, 3);
      // Every value must be there for $all; an empty $all matches nothing (any of no tests).
      return join(tests, c === 12 && tests.length > 0, c === 11);
    }
    // The others hold when p holds for one of the values (or for the first seven, one of their
    // elements), or when there are none and `empty` is true; $ne is the negation of $eq.
    let p: Pred;
    let m: Pred | undefined = undefined; // $eq, $ne, $contains: equal to x; $elemMatch: matching x
    let empty = false;
    if (c < 2 || c === 8) {
      // Arrays and objects compare by their canonical bytes, the rest with ===.
      let enc: string | undefined = undefined;
      if (typeof x === "object" && !isNull(x)) {
        try {
          enc = encode(x, Infinity);
        } catch (e) {
          bad("bad value: " + (e as Error).message);
        }
      } else if (x === undefined || typeof x === "function" || x !== x) bad("bad value");
      m = function (v: unknown): boolean {
        return enc === undefined ? v === x : encode(v, Infinity) === enc;
      };
    }
    if (c === 9) {
      if (!isObject(x)) bad(op + " takes an object");
      // Operators apply to each element itself; field names to each element as a document.
      const onValue = isOps(x);
      const inner = build(x, depth + 1, onValue ? 2 : 1);
      m = function (v: unknown): boolean {
        return inner(onValue ? [v] : v);
      };
    }
    if (c < 2) {
      p = m as Pred;
      empty = isNull(x); // a null also matches a missing field
    } else if (c === 2) {
      if (typeof x !== "boolean") bad(op + " takes a boolean");
      p = function (): boolean {
        return x as boolean;
      };
      empty = !x;
    } else if (c < 7) {
      const t = typeof x;
      if ((t !== "number" && t !== "string") || x !== x) bad(op + " takes a number or a string");
      p = function (v: unknown): boolean {
        const a = v as number;
        const b = x as number;
        return typeof v === t && ((c < 5 ? a > b : a < b) || (c % 2 === 0 && a === b));
      };
    } else if (c === 7) {
      const n = count(x, op);
      p = function (v: unknown): boolean {
        return isList(v) && (v as unknown[]).length === n;
      };
    } else {
      p = function (v: unknown): boolean {
        if (typeof v === "string") return c === 8 && typeof x === "string" && v.indexOf(x) >= 0;
        return isList(v) && some(v as unknown[], false, m as Pred);
      };
    }
    return function (vals: unknown[]): boolean {
      return (vals.length === 0 ? empty : some(vals, c < 7, p)) !== (c === 1);
    } as Test;
  }

  /** The test of a field: its condition on the values its path reaches. */
  function path(name: string, spec: unknown, depth: number): Test {
    const parts = name.split(".");
    const names: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].length === 0 || parts[i] === "__proto__") bad("bad field " + name);
      names.push(utf8(parts[i]));
    }
    const cond = build(spec, depth + 1, 2);
    let out: unknown[] = [];
    /** Push what the path from part i reaches inside v onto out. */
    function reach(v: unknown, i: number): void {
      if (v instanceof Encoded) {
        // Still bytes: follow the path through objects in place; decode where it ends or meets an array.
        if (i < parts.length && v.b_.charCodeAt(v.at_) === T_OBJ) {
          const at = fieldAt(v.b_, v.at_, names[i]);
          if (at >= 0) reach(new Encoded(v.b_, at), i + 1);
        } else reach(decode(v.b_, v.at_), i);
      } else if (i === parts.length) out.push(v);
      else if (Array.isArray(v)) {
        const n = Number(parts[i]);
        if (Math.floor(n) === n && n >= 0 && n < v.length) reach(v[n], i + 1);
        for (let j = 0; j < v.length; j++) if (isObject(v[j])) reach(v[j], i);
      } else if (typeof v === "object" && !isNull(v)) {
        const f = field(v, parts[i]);
        if (f !== undefined) reach(f, i + 1);
      }
    }
    return function (doc: unknown, tags?: string[]): boolean {
      if (name === "tags" && tags !== undefined) return cond([tags]);
      out = [];
      reach(doc, 0);
      return cond(out);
    };
  }

  /** The tests of the items of list l (the operand of k): queries (mode 1) or values to equal (mode 3). */
  function items(l: unknown, k: string, depth: number, mode: number): Test[] {
    if (!Array.isArray(l) || (mode < 3 && l.length === 0)) bad(k + (mode < 3 ? " takes a non-empty array" : " takes an array"));
    const tests: Test[] = [];
    for (let i = 0; i < (l as unknown[]).length; i++) tests.push(build((l as unknown[])[i], depth + 1, mode));
    return tests;
  }

  /**
   * A query document (mode 0 at the top, 1 inside), every entry must hold; or (mode 2) a field's
   * condition: an operator expression, all must hold, or a value to equal; or (mode 3) a value to equal.
   */
  function build(q: unknown, depth: number, mode: number): Test {
    if (depth > MAX_DEPTH) bad("nests too deep");
    if (mode > 2 || (mode === 2 && !isOps(q))) return operator(0, q, depth);
    if (!isObject(q)) bad("a query is an object");
    const o = q as Record<string, unknown>;
    const ks = Object.keys(o);
    const tests: Test[] = [];
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i];
      const v = o[k];
      const c = OPS.indexOf(k);
      // Field conditions take the first 14 operators, query documents the last 6; other names
      // starting with "$" are unknown.
      if (k.charCodeAt(0) === 36 && (mode === 2 ? c < 0 || c > 13 : c < 13)) bad("unknown operator " + k);
      if (c > 16) {
        if (mode > 0) bad(k + " only at the top");
        if (c === 17) limit = count(v, k);
        else skip = count(v, k);
      } else {
        // $not at the top negates one query: it is $nor of [it].
        tests.push(mode === 2 ? operator(c, v, depth) : c > 12 ? join(items(c === 13 ? [v] : v, k, depth, 1), c === 14, c === 13 || c === 16) : path(k, v, depth));
      }
    }
    return join(tests, true, false);
  }

  return { test_: q === undefined || isNull(q) ? join([], true, false) : build(q, 0, 0), skip_: skip, limit_: limit };
}
