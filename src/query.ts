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
import { encode } from "./codec";
import { field, isNull, isPlainObject, MAX_DEPTH } from "./lang";

/** A compiled query: a predicate over (document, tags), and the window of results wanted. */
export interface Query {
  test_: (this: void, doc: unknown, tags: string[] | undefined) => boolean;
  skip_: number;
  limit_: number;
}

type Pred = (doc: unknown, tags: string[] | undefined) => boolean;
/** A condition on the values a path reaches (none when the field is missing). */
type Cond = (vals: unknown[]) => boolean;

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

  /** Values a path reaches, and array elements of those values: what comparisons look at. */
  function expand(vals: unknown[]): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      out.push(v);
      if (Array.isArray(v) && !isNull(v)) for (let j = 0; j < v.length; j++) out.push(v[j]);
    }
    return out;
  }

  function eqCond(x: unknown): Cond {
    const enc = operand(x);
    return function (vals: unknown[]): boolean {
      if (isNull(x) && vals.length === 0) return true;
      const all = expand(vals);
      for (let i = 0; i < all.length; i++) if (equal(all[i], x, enc)) return true;
      return false;
    };
  }

  function inCond(list: unknown, op: string): Cond {
    if (!Array.isArray(list)) bad(op + " takes an array");
    const conds: Cond[] = [];
    for (let i = 0; i < (list as unknown[]).length; i++) conds.push(eqCond((list as unknown[])[i]));
    return function (vals: unknown[]): boolean {
      for (let i = 0; i < conds.length; i++) if (conds[i](vals)) return true;
      return false;
    };
  }

  function orderCond(op: string, x: unknown): Cond {
    const t = typeof x;
    if ((t !== "number" && t !== "string") || x !== x) bad(op + " takes a number or a string");
    return function (vals: unknown[]): boolean {
      const all = expand(vals);
      for (let i = 0; i < all.length; i++) {
        const a = all[i] as number;
        const b = x as number;
        if (typeof a === t && (op === "$gt" ? a > b : op === "$gte" ? a >= b : op === "$lt" ? a < b : a <= b)) return true;
      }
      return false;
    };
  }

  function not(c: Cond): Cond {
    return function (vals: unknown[]): boolean {
      return !c(vals);
    };
  }

  function operatorCond(op: string, x: unknown, depth: number): Cond {
    if (op === "$eq") return eqCond(x);
    if (op === "$ne") return not(eqCond(x));
    if (op === "$gt" || op === "$gte" || op === "$lt" || op === "$lte") return orderCond(op, x);
    if (op === "$in") return inCond(x, op);
    if (op === "$nin") return not(inCond(x, op));
    if (op === "$exists") {
      if (typeof x !== "boolean") bad("$exists takes a boolean");
      return function (vals: unknown[]): boolean {
        return (vals.length > 0) === x;
      };
    }
    if (op === "$size") {
      const n = count(x, "$size");
      return function (vals: unknown[]): boolean {
        for (let i = 0; i < vals.length; i++) {
          const v = vals[i];
          if (Array.isArray(v) && !isNull(v) && v.length === n) return true;
        }
        return false;
      };
    }
    if (op === "$contains") {
      const enc = operand(x);
      return function (vals: unknown[]): boolean {
        for (let i = 0; i < vals.length; i++) {
          const v = vals[i];
          if (typeof v === "string") {
            if (typeof x === "string" && v.indexOf(x) >= 0) return true;
          } else if (Array.isArray(v) && !isNull(v)) {
            for (let j = 0; j < v.length; j++) if (equal(v[j], x, enc)) return true;
          }
        }
        return false;
      };
    }
    if (op === "$all") {
      if (!Array.isArray(x)) bad("$all takes an array");
      const conds: Cond[] = [];
      for (let i = 0; i < (x as unknown[]).length; i++) conds.push(eqCond((x as unknown[])[i]));
      return function (vals: unknown[]): boolean {
        if (conds.length === 0) return false;
        for (let i = 0; i < conds.length; i++) if (!conds[i](vals)) return false;
        return true;
      };
    }
    if (op === "$elemMatch") {
      if (!isObject(x)) bad("$elemMatch takes an object");
      // Operators apply to each element itself; field names to each element as a document.
      const onValue = isOperatorObject(x) ? condition(x, depth + 1) : undefined;
      const onDoc = onValue === undefined ? document(x, depth + 1, false) : undefined;
      return function (vals: unknown[]): boolean {
        for (let i = 0; i < vals.length; i++) {
          const v = vals[i];
          const n = Array.isArray(v) && !isNull(v) ? v.length : 0;
          for (let j = 0; j < n; j++) {
            const e = (v as unknown[])[j];
            if (onValue !== undefined ? onValue([e]) : (onDoc as Pred)(e, undefined)) return true;
          }
        }
        return false;
      };
    }
    if (op === "$not") {
      if (!isOperatorObject(x)) bad("$not takes operators");
      return not(condition(x, depth + 1));
    }
    return bad("unknown operator " + op);
  }

  /** A field's condition: an operator expression (all must hold) or a value to equal. */
  function condition(spec: unknown, depth: number): Cond {
    if (depth > MAX_DEPTH) bad("nests too deep");
    if (!isOperatorObject(spec)) return eqCond(spec);
    const ops = Object.keys(spec as object);
    const conds: Cond[] = [];
    for (let i = 0; i < ops.length; i++) conds.push(operatorCond(ops[i], (spec as Record<string, unknown>)[ops[i]], depth));
    return function (vals: unknown[]): boolean {
      for (let i = 0; i < conds.length; i++) if (!conds[i](vals)) return false;
      return true;
    };
  }

  /** Push what `path` (from part i) reaches inside v onto out. */
  function collect(v: unknown, path: string[], i: number, out: unknown[]): void {
    if (i === path.length) {
      out.push(v);
      return;
    }
    if (v === undefined || typeof v !== "object" || isNull(v)) return;
    const part = path[i];
    if (Array.isArray(v)) {
      const n = Number(part);
      if (part.length > 0 && Math.floor(n) === n && n >= 0 && n < v.length) collect(v[n], path, i + 1, out);
      for (let j = 0; j < v.length; j++) {
        const e = v[j];
        if (isObject(e)) collect(e, path, i, out);
      }
      return;
    }
    const f = field(v, part);
    if (f !== undefined) collect(f, path, i + 1, out);
  }

  function fieldPred(name: string, spec: unknown, depth: number): Pred {
    const path = name.split(".");
    for (let i = 0; i < path.length; i++) {
      if (path[i].length === 0 || path[i] === "__proto__") bad("bad field " + name);
    }
    const cond = condition(spec, depth + 1);
    const isTags = name === "tags";
    return function (doc: unknown, tags: string[] | undefined): boolean {
      if (isTags && tags !== undefined) return cond([tags]);
      const vals: unknown[] = [];
      collect(doc, path, 0, vals);
      return cond(vals);
    };
  }

  function list(v: unknown, op: string, depth: number): Pred[] {
    if (!Array.isArray(v) || v.length === 0) bad(op + " takes a non-empty array");
    const preds: Pred[] = [];
    for (let i = 0; i < (v as unknown[]).length; i++) preds.push(document((v as unknown[])[i], depth + 1, false));
    return preds;
  }

  function all(preds: Pred[]): Pred {
    return function (doc: unknown, tags: string[] | undefined): boolean {
      for (let i = 0; i < preds.length; i++) if (!preds[i](doc, tags)) return false;
      return true;
    };
  }

  /** A query document: every entry must hold. */
  function document(q: unknown, depth: number, top: boolean): Pred {
    if (depth > MAX_DEPTH) bad("nests too deep");
    if (!isObject(q)) bad("a query is an object");
    const o = q as Record<string, unknown>;
    const names = Object.keys(o);
    const preds: Pred[] = [];
    for (let i = 0; i < names.length; i++) {
      const k = names[i];
      const v = o[k];
      if (k === "$and") {
        preds.push(all(list(v, k, depth)));
      } else if (k === "$or" || k === "$nor") {
        const alts = list(v, k, depth);
        const nor = k === "$nor";
        preds.push(function (doc: unknown, tags: string[] | undefined): boolean {
          for (let j = 0; j < alts.length; j++) if (alts[j](doc, tags)) return !nor;
          return nor;
        });
      } else if (k === "$not") {
        const p = document(v, depth + 1, false);
        preds.push(function (doc: unknown, tags: string[] | undefined): boolean {
          return !p(doc, tags);
        });
      } else if (k === "$limit" || k === "$skip") {
        if (!top) bad(k + " only at the top");
        count(v, k);
      } else if (isOperatorName(k)) {
        bad("unknown operator " + k);
      } else {
        preds.push(fieldPred(k, v, depth));
      }
    }
    return all(preds);
  }

  const o = q as Record<string, unknown>;
  return {
    test_: document(q, 0, true),
    skip_: o.$skip === undefined ? 0 : (o.$skip as number),
    limit_: o.$limit === undefined ? Infinity : (o.$limit as number),
  };
}
