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

import { E_QUERY, fail } from "./errors";
import { decode, encode, Encoded, fieldAt } from "./codec";
import { utf8 } from "./utf8";
import { field, isNull, isPlainObject, LUA, MAX_DEPTH } from "./lang";
import { Q_ALL, Q_AND, Q_CONTAINS, Q_ELEM_MATCH, Q_EQ, Q_EXISTS, Q_LIMIT, Q_LT, Q_NE, Q_NIN, Q_NOR, Q_NOT, Q_SIZE } from "./operators";

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

/**
 * Compile a query; throws E_QUERY with what is wrong. An absent query matches everything.
 * The compiler's functions are defined inside it, so they exist only while a query is compiled or
 * used: on Espruino every function costs RAM (about 8 variables) from when it is defined.
 */
export function compileQuery(q: unknown): Query {
  // The window of results: $limit (at 0) and $skip (at 1), by their codes less Q_LIMIT.
  const window = [Infinity, 0];
  // The operators' names, each at its number (operators.ts).
  const OPS = "$eq $ne $exists $gt $gte $lt $lte $size $contains $elemMatch $in $nin $all $not $and $or $nor $limit $skip".split(" ");
  // How deep the compiler is in the query (the top query document is at 1).
  let depth = 0;

  function bad(msg: string): never {
    fail(E_QUERY, msg);
  }

  /** Unless ok, the operand of op is not what op takes. */
  function takes(ok: boolean, op: string, what: string): void {
    if (!ok) bad(op + " takes " + what);
  }

  /** An array (a Lua build's null is a table that could pass for an empty one; JavaScript needs no function of its own). */
  const isList: (this: void, v: unknown) => v is unknown[] = LUA
    ? function (v: unknown): v is unknown[] {
        return Array.isArray(v) && !isNull(v);
      }
    : (Array.isArray as unknown as (this: void, v: unknown) => v is unknown[]);

  /** A plain object (in Lua every table is plain, so arrays are told apart there). */
  function isObject(v: unknown): boolean {
    return typeof v === "object" && !isNull(v) && (LUA ? !isList(v) : isPlainObject(v as object));
  }

  /** An object whose keys all start with "$" is an operator expression; mixing the two is an error. */
  function isOps(v: unknown): boolean {
    const ks = isObject(v) ? Object.keys(v as object) : [];
    const n = ks.filter(function (k) {
      return k.charAt(0) === "$";
    }).length;
    if (n > 0 && n < ks.length) bad("mixes operators and fields");
    return n > 0;
  }

  function count(v: unknown, op: string): number {
    // Only a number equals its floor (Lua's math.floor throws on other types, so Lua checks first).
    takes((!LUA || typeof v === "number") && Math.floor(v as number) === v && (v as number) >= 0, op, "a whole number");
    return v as number;
  }

  /** Whether all the tests pass (or with `every` false, any of them), negated with `not`. */
  function join(tests: Test[], every: boolean, not: boolean): Test {
    return function (a: unknown, tags?: string[]): boolean {
      // All pass when none fails; any passes when one does.
      return (
        tests.some(function (t) {
          return t(a, tags) !== every;
        }) !==
          every !==
        not
      );
    };
  }

  /** What passes everything: an absent query, $limit and $skip. */
  const any = function (): boolean {
    return true;
  };

  /** The test of the operator with code c of a field's condition, on the values its path reaches. */
  function operator(c: number, x: unknown, op: string): Test {
    if (c > Q_ELEM_MATCH) {
      // $in, $nin, $all (Q_IN and after): a value to equal for each item.
      takes(isList(x), op, "an array");
      const tests = (x as unknown[]).map(function (v) {
        return operator(Q_EQ, v, op);
      });
      // Every value must be there for $all; an empty $all matches nothing (any of no tests).
      return join(tests, c === Q_ALL && tests.length > 0, c === Q_NIN);
    }
    const kind = typeof x;
    let enc: string | undefined = undefined;
    let inner: Test | undefined = undefined;
    let onValue: boolean | undefined = undefined;
    if (c === Q_ELEM_MATCH) {
      takes(isObject(x), op, "an object");
      // Operators apply to each element itself; field names to each element as a document.
      onValue = isOps(x);
      inner = build(x, onValue);
    } else if (c === Q_EXISTS) takes(kind === "boolean", op, "a boolean");
    else if (c === Q_SIZE) count(x, op);
    // The comparisons, Q_GT to Q_LTE.
    else if (c > Q_EXISTS && c < Q_SIZE) takes((kind === "number" || kind === "string") && x === x, op, "a number or string");
    else {
      // $eq, $ne, $contains: a value that can be stored (no function, NaN or undefined).
      try {
        enc = encode(x, Infinity);
      } catch (e) {
        bad("bad value: " + (e as Error).message);
      }
    }
    /**
     * $eq, $ne, $contains: equal to x, with === or, when x is an array or an object (type byte 7
     * or 8), by the canonical bytes; $elemMatch: matching x. (`this` only so that TypeScriptToLua passes m and
     * p to some() as they are.)
     */
    const m = function (this: unknown, v: unknown): boolean {
      return inner ? inner(onValue ? [v] : v) : v === x || ((enc as string) >= "\x07" && encode(v, Infinity) === enc);
    };
    const p = function (this: unknown, v: unknown): boolean {
      if (c < Q_EXISTS) return m(v); // $eq, $ne
      if (c === Q_EXISTS) return x as boolean;
      // The comparisons: $gt and $gte before Q_LT; the even codes ($gte, $lte) hold when equal too.
      if (c < Q_SIZE) return (typeof v === kind && (c < Q_LT ? (v as number) > (x as number) : (v as number) < (x as number))) || (c % 2 === 0 && v === x);
      if (c === Q_SIZE) return isList(v) && v.length === x;
      return c === Q_CONTAINS && typeof v === "string" && kind === "string" && v.indexOf(x as string) >= 0;
    };
    // p holds for one of the values, or m (p for the operators before $size) for one of their
    // elements ($size looks at no element); with none, a null matches a missing field and so does
    // $exists: false. $ne is the negation of $eq.
    return function (vals: unknown[]): boolean {
      const r =
        vals.length === 0
          ? c < Q_EXISTS
            ? isNull(x)
            : c === Q_EXISTS && !x
          : vals.some(function (v) {
              return p(v) || (c !== Q_SIZE && isList(v) && v.some(c < Q_SIZE ? p : m));
            });
      return r !== (c === Q_NE);
    } as Test;
  }

  /** The test of a field: its condition on the values its path reaches. */
  function path(name: string, spec: unknown): Test {
    const parts = name.split(".");
    const n = parts.length;
    if (
      parts.some(function (p) {
        return p === "" || p === "__proto__";
      })
    )
      bad("bad field " + name);
    // No UTF-8 byte of a character above 127 is a ".": the parts' bytes are the bytes' parts.
    const names = utf8(name).split(".");
    const cond = build(spec, true);
    let out: unknown[] = [];
    /** Push what the path from part i reaches inside v (nothing when v is undefined) onto out. */
    function reach(v: unknown, i: number): void {
      if (v === undefined) {
        // a missing field or element
      } else if (v instanceof Encoded) {
        // Still bytes: follow the path through objects in place; decode where it ends or meets no object.
        const at = i < n ? fieldAt(v.b_, v.at_, names[i]) : -2;
        if (at >= 0) reach(new Encoded(v.b_, at), i + 1);
        else if (at < -1) reach(decode(v.b_, v.at_), i);
      } else if (i === n) out.push(v);
      else if (isList(v)) {
        // A number indexes the array (no element is undefined); the path goes on in its objects.
        reach(v[Number(parts[i])], i + 1);
        v.forEach(function (e) {
          if (!isList(e)) reach(e, i);
        });
      } else if (isObject(v)) reach(field(v, parts[i]), i + 1);
    }
    return function (doc: unknown, tags?: string[]): boolean {
      if (name === "tags" && tags !== undefined) return cond([tags]);
      out = [];
      reach(doc, 0);
      return cond(out);
    };
  }

  /** A query document, every entry must hold; or (`cond`) a field's condition: an operator expression, all must hold, or a value to equal. */
  function build(q: unknown, cond: boolean): Test {
    if (++depth > MAX_DEPTH) bad("nests too deep");
    if (!cond && !isObject(q)) bad("a query is an object");
    const t =
      cond && !isOps(q)
        ? operator(Q_EQ, q, "")
        : join(
            Object.keys(q as object).map(function (k): Test {
              const v = (q as Record<string, unknown>)[k];
              const c = OPS.indexOf(k);
              // Field conditions take the operators up to $not, query documents $not and after;
              // other names starting with "$" are unknown.
              if (k.charAt(0) === "$" && (cond ? c < 0 || c > Q_NOT : c < Q_NOT)) bad("unknown operator " + k);
              if (c > Q_NOR) {
                // $limit, $skip (Q_LIMIT and after)
                if (depth > 1) bad(k + " only at the top");
                window[c - Q_LIMIT] = count(v, k);
                return any;
              }
              // $not negates one query, or in a field's condition one operator expression.
              if (c === Q_NOT) {
                if (cond) takes(isOps(v), k, "operators");
                return join([build(v, cond)], false, true);
              }
              if (cond) return operator(c, v, k);
              if (c < 0) return path(k, v);
              // $and, $or, $nor: of queries.
              takes(isList(v) && v.length > 0, k, "queries");
              return join(
                (v as unknown[]).map(function (x) {
                  return build(x, false);
                }),
                c === Q_AND,
                c === Q_NOR,
              );
            }),
            true,
            false,
          );
    depth--;
    return t;
  }

  return { test_: q === undefined || isNull(q) ? any : build(q, false), skip_: window[1], limit_: window[0] };
}
