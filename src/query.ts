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

import { E_QUERY, E_VALUE, errorCode, moteError } from "./errors";
import { decode, encode, Encoded, fieldAt, T_OBJ } from "./codec";
import { utf8 } from "./bytes";
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

/** The query of no query: every record. */
function always(): boolean {
  return true;
}

/**
 * Compile a query; throws E_QUERY with what is wrong. An absent query matches everything.
 * The compiler's functions are defined inside it, so they exist only while a query is compiled or
 * used: on Espruino every function costs RAM (about 8 variables) from when it is defined.
 */
export function compileQuery(q: unknown): Query {
  if (q === undefined || isNull(q)) return { test_: always, skip_: 0, limit_: Infinity };

  function bad(msg: string): never {
    throw moteError(E_QUERY, msg);
  }

  function isObject(v: unknown): boolean {
    return v !== undefined && typeof v === "object" && !isNull(v) && !Array.isArray(v) && isPlainObject(v as object);
  }

  /** An array (a Lua build's null is a table that could pass for an empty one). */
  function isList(v: unknown): boolean {
    return Array.isArray(v) && !isNull(v);
  }

  function isOperatorName(k: string): boolean {
    return k.charCodeAt(0) === 36; // "$"
  }

  /** An object whose keys all start with "$" is an operator expression; mixing the two is an error. */
  function isOperatorObject(v: unknown): boolean {
    if (!isObject(v)) return false;
    const ks = Object.keys(v as object);
    let ops = 0;
    for (let i = 0; i < ks.length; i++) if (isOperatorName(ks[i])) ops++;
    if (ops > 0 && ops < ks.length) bad("mixes operators and fields");
    return ops > 0;
  }

  function count(v: unknown, what: string): number {
    if (typeof v !== "number" || Math.floor(v) !== v || v < 0) bad(what + " takes a whole number");
    return v as number;
  }

  /** Canonical bytes of a query operand, or undefined for a primitive (compared with ===). */
  function operand(v: unknown): string | undefined {
    if (typeof v !== "object" || isNull(v)) {
      if (v === undefined || typeof v === "function" || v !== v) bad("bad value");
      return undefined;
    }
    try {
      return encode(v, Infinity);
    } catch (e) {
      if (errorCode(e) === E_VALUE) bad("bad value: " + (e as Error).message);
      throw e;
    }
  }

  /** Whether stored value c equals operand x (with enc its canonical bytes when x is an object or array). */
  function equal(c: unknown, x: unknown, enc: string | undefined): boolean {
    if (enc === undefined) return c === x || (isNull(x) && isNull(c));
    return typeof c === "object" && !isNull(c) && encode(c, Infinity) === enc;
  }

  /** Whether test passes for one of vals or, with `elements`, one element of an array among them. */
  function some(vals: unknown[], elements: boolean, test: (this: void, v: unknown) => boolean): boolean {
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (test(v)) return true;
      if (elements && isList(v) && some(v as unknown[], false, test)) return true;
    }
    return false;
  }

  /** Whether any of the tests passes, or with `every`, whether all of them do. */
  function join(tests: Test[], every: boolean): Test {
    return function (a: unknown, tags?: string[]): boolean {
      for (let i = 0; i < tests.length; i++) if (tests[i](a, tags) !== every) return !every;
      return every;
    };
  }

  function not(t: Test): Test {
    return function (a: unknown, tags?: string[]): boolean {
      return !t(a, tags);
    };
  }

  /** $eq: a value, or an element of one, equals x; a null also matches a missing field. */
  function eq(x: unknown): Test {
    const enc = operand(x);
    const is = function (v: unknown): boolean {
      return equal(v, x, enc);
    };
    return function (vals: unknown): boolean {
      const vs = vals as unknown[];
      return (isNull(x) && vs.length === 0) || some(vs, true, is);
    };
  }

  /** One $eq a value of the operand array, for $in, $nin and $all. */
  function eqs(list: unknown, op: string): Test[] {
    if (!Array.isArray(list)) bad(op + " takes an array");
    const tests: Test[] = [];
    for (let i = 0; i < (list as unknown[]).length; i++) tests.push(eq((list as unknown[])[i]));
    return tests;
  }

  function operatorTest(op: string, x: unknown, depth: number): Test {
    if (op === "$eq") return eq(x);
    if (op === "$ne") return not(eq(x));
    if (op === "$in") return join(eqs(x, op), false);
    if (op === "$nin") return not(join(eqs(x, op), false));
    if (op === "$all") {
      // Every value must be there; an empty $all matches nothing (any of no tests).
      const all = eqs(x, op);
      return join(all, all.length > 0);
    }
    if (op === "$gt" || op === "$gte" || op === "$lt" || op === "$lte") {
      const t = typeof x;
      if ((t !== "number" && t !== "string") || x !== x) bad(op + " takes a number or a string");
      const b = x as number;
      const holds = function (v: unknown): boolean {
        const a = v as number;
        return typeof v === t && (op === "$gt" ? a > b : op === "$gte" ? a >= b : op === "$lt" ? a < b : a <= b);
      };
      return function (vals: unknown): boolean {
        return some(vals as unknown[], true, holds);
      };
    }
    if (op === "$exists") {
      if (typeof x !== "boolean") bad("$exists takes a boolean");
      return function (vals: unknown): boolean {
        return ((vals as unknown[]).length > 0) === x;
      };
    }
    if (op === "$size") {
      const n = count(x, op);
      const sized = function (v: unknown): boolean {
        return isList(v) && (v as unknown[]).length === n;
      };
      return function (vals: unknown): boolean {
        return some(vals as unknown[], false, sized);
      };
    }
    if (op === "$contains") {
      const enc = operand(x);
      const is = function (e: unknown): boolean {
        return equal(e, x, enc);
      };
      const holds = function (v: unknown): boolean {
        if (typeof v === "string") return typeof x === "string" && v.indexOf(x) >= 0;
        return isList(v) && some(v as unknown[], false, is);
      };
      return function (vals: unknown): boolean {
        return some(vals as unknown[], false, holds);
      };
    }
    if (op === "$elemMatch") {
      if (!isObject(x)) bad("$elemMatch takes an object");
      // Operators apply to each element itself; field names to each element as a document.
      const onValue = isOperatorObject(x);
      const inner = onValue ? condition(x, depth + 1) : document(x, depth + 1, false);
      const matches = function (e: unknown): boolean {
        return inner(onValue ? [e] : e);
      };
      const holds = function (v: unknown): boolean {
        return isList(v) && some(v as unknown[], false, matches);
      };
      return function (vals: unknown): boolean {
        return some(vals as unknown[], false, holds);
      };
    }
    if (op === "$not") {
      if (!isOperatorObject(x)) bad("$not takes operators");
      return not(condition(x, depth + 1));
    }
    return bad("unknown operator " + op);
  }

  /** A field's condition: an operator expression (all must hold) or a value to equal. */
  function condition(spec: unknown, depth: number): Test {
    if (depth > MAX_DEPTH) bad("nests too deep");
    if (!isOperatorObject(spec)) return eq(spec);
    const ops = Object.keys(spec as object);
    const tests: Test[] = [];
    for (let i = 0; i < ops.length; i++) tests.push(operatorTest(ops[i], (spec as Record<string, unknown>)[ops[i]], depth));
    return join(tests, true);
  }

  /** Push what `path` (from part i) reaches inside v onto out. */
  function collect(v: unknown, path: string[], names: string[], i: number, out: unknown[]): void {
    if (v instanceof Encoded) {
      // Still bytes: follow the path through objects in place; decode where it ends or meets an array.
      if (i < path.length && v.b_.charCodeAt(v.at_) === T_OBJ) {
        const at = fieldAt(v.b_, v.at_, names[i]);
        if (at >= 0) collect(new Encoded(v.b_, at), path, names, i + 1, out);
      } else {
        collect(decode(v.b_, v.at_), path, names, i, out);
      }
      return;
    }
    if (i === path.length) {
      out.push(v);
      return;
    }
    if (v === undefined || typeof v !== "object" || isNull(v)) return;
    const part = path[i];
    if (Array.isArray(v)) {
      const n = Number(part);
      if (part.length > 0 && Math.floor(n) === n && n >= 0 && n < v.length) collect(v[n], path, names, i + 1, out);
      for (let j = 0; j < v.length; j++) {
        const e = v[j];
        if (isObject(e)) collect(e, path, names, i, out);
      }
      return;
    }
    const f = field(v, part);
    if (f !== undefined) collect(f, path, names, i + 1, out);
  }

  function fieldTest(name: string, spec: unknown, depth: number): Test {
    const path = name.split(".");
    const names: string[] = [];
    for (let i = 0; i < path.length; i++) {
      if (path[i].length === 0 || path[i] === "__proto__") bad("bad field " + name);
      names.push(utf8(path[i]));
    }
    const cond = condition(spec, depth + 1);
    const isTags = name === "tags";
    return function (doc: unknown, tags?: string[]): boolean {
      if (isTags && tags !== undefined) return cond([tags]);
      const vals: unknown[] = [];
      collect(doc, path, names, 0, vals);
      return cond(vals);
    };
  }

  /** The queries of $and, $or, $nor: whether all of them hold, or any. */
  function list(v: unknown, op: string, depth: number, every: boolean): Test {
    if (!Array.isArray(v) || v.length === 0) bad(op + " takes a non-empty array");
    const tests: Test[] = [];
    for (let i = 0; i < (v as unknown[]).length; i++) tests.push(document((v as unknown[])[i], depth + 1, false));
    return join(tests, every);
  }

  /** A query document: every entry must hold. */
  function document(q: unknown, depth: number, top: boolean): Test {
    if (depth > MAX_DEPTH) bad("nests too deep");
    if (!isObject(q)) bad("a query is an object");
    const o = q as Record<string, unknown>;
    const names = Object.keys(o);
    const tests: Test[] = [];
    for (let i = 0; i < names.length; i++) {
      const k = names[i];
      const v = o[k];
      if (k === "$and" || k === "$or") tests.push(list(v, k, depth, k === "$and"));
      else if (k === "$nor") tests.push(not(list(v, k, depth, false)));
      else if (k === "$not") tests.push(not(document(v, depth + 1, false)));
      else if (k === "$limit" || k === "$skip") {
        if (!top) bad(k + " only at the top");
        count(v, k);
      } else if (isOperatorName(k)) bad("unknown operator " + k);
      else tests.push(fieldTest(k, v, depth));
    }
    return join(tests, true);
  }

  const o = q as Record<string, unknown>;
  return {
    test_: document(q, 0, true),
    skip_: o.$skip === undefined ? 0 : (o.$skip as number),
    limit_: o.$limit === undefined ? Infinity : (o.$limit as number),
  };
}
