// The value codec: one canonical byte encoding of a JSON value, identical on every runtime.
//
// The same document encodes to the same bytes on Node, Espruino and Lua, because the codec decides
// everything a runtime could decide differently: field order (sorted by UTF-8 bytes), number kind
// (by value, not by the runtime's int/float types) and text (UTF-8). Canonical bytes also give deep
// equality for free: two values are equal exactly when their encodings are. docs/FORMAT.md has the
// byte layout; the type bytes below are part of the on-flash format and never change meaning.

import { E_CORRUPT, E_TOO_LARGE, E_VALUE, fail } from "./errors";
import { u8, varint } from "./bytes";
import { floatBytes, readFloat } from "./float";
import { fromUtf8, utf8 } from "./utf8";
import { isNull, isPlainObject, MAX_DEPTH, NULL } from "./lang";

// Type bytes: 0 null, 1 false, 2 true,
// 3 varint n, for integers 0 <= n <= 2^53-1; 4 varint (-n - 1), for integers -2^53+1 <= n < 0;
// 5 IEEE 754 binary64, big-endian, for every other finite number;
// 6 varint byte length, UTF-8 bytes; 7 varint count, elements;
// 8 varint count, then (varint name length, UTF-8 name, value) sorted by name bytes.
const T_OBJ = 8;

// What the encoding in progress may hold, and holds so far: it fails as soon as it is too large,
// in the order the bytes come. Encodings never nest or call out, so one is enough.
let cap = 0;
let used = 0;

/** Count the next bytes s of the encoding in progress. */
function emit(s: string): string {
  used += s.length;
  if (used > cap) fail(E_TOO_LARGE, "value over " + cap + " bytes");
  return s;
}

function refuse(msg: string): never {
  fail(E_VALUE, msg);
}

function put(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) refuse("nests too deep or circular");
  const kind = typeof v;
  if (isNull(v) || kind === "boolean") return emit(u8(isNull(v) ? 0 : v ? 2 : 1));
  if (typeof v === "number") {
    if (v - v !== 0) refuse("not JSON: NaN or Infinity");
    // 2^53 - 1: past it, integers are floats.
    return emit(Math.floor(v) !== v || Math.abs(v) > 9007199254740991 ? u8(5) + floatBytes(v) : u8(v < 0 ? 4 : 3) + varint(v < 0 ? -v - 1 : v));
  }
  if (kind === "string") {
    if ((v as string).length > cap) emit(v as string); // surely too large: fail before converting it
    const b = utf8(v as string);
    return emit(u8(6) + varint(b.length) + b);
  }
  const arr = Array.isArray(v);
  if (!arr && (kind !== "object" || !isPlainObject(v as object))) refuse("not JSON: " + (kind === "object" ? "class instance" : kind));
  const items = arr ? (v as unknown[]) : Object.keys(v as object);
  // [name bytes, value] of the elements (no name), or of the fields that are defined.
  const f: unknown[][] = [];
  for (let i = 0; i < items.length; i++) {
    const k = arr ? "" : (items[i] as string);
    if (k === "__proto__") refuse("field __proto__");
    const x = arr ? items[i] : (v as Record<string, unknown>)[k];
    if (arr || x !== undefined) f.push([utf8(k), x]);
  }
  // Fields by name bytes. Names differ, so the sort's stability does not matter (only JavaScript names with
  // lone surrogates, each stored as U+FFFD, can have the same bytes; their order is then the sort's).
  if (!arr)
    f.sort(function (a, b) {
      return (a[0] as string) < (b[0] as string) ? -1 : 1;
    });
  let out = emit(u8(arr ? 7 : T_OBJ) + varint(f.length));
  f.forEach(function (e) {
    const k = e[0] as string;
    out += emit(arr ? "" : varint(k.length) + k) + put(e[1] ?? NULL, depth + 1);
  });
  return out;
}

/** The canonical bytes of a JSON value; throws E_VALUE for what JSON cannot hold, E_TOO_LARGE past `limit`. */
export function encode(v: unknown, limit: number): string {
  cap = limit;
  used = 0;
  return put(v, 0);
}

// The bytes the reader reads, and where it is in them (reads never nest or call out, so one is enough).
let src = "";
let pos = 0;

function corrupt(what: string): never {
  fail(E_CORRUPT, "stored value " + what);
}

/** The next n bytes. */
function span(n: number): string {
  pos += n;
  if (pos > src.length) corrupt("cut short");
  return src.substring(pos - n, pos);
}

/** A varint. */
function num(): number {
  let n = 0;
  let m = 1;
  let b = 128;
  while (b > 127) {
    b = span(1).charCodeAt(0);
    n += (b % 128) * m;
    m *= 128;
  }
  return n;
}

/** The value at pos, moving past it; with `keep` false, only moves past it. */
function read(depth: number, keep: boolean): unknown {
  if (depth > MAX_DEPTH) corrupt("nests too deep");
  // A type byte is below 128: read as a varint, a bad one is still bad.
  const t = num();
  if (t > T_OBJ) corrupt("bad type " + t);
  if (t < 3) return t === 0 ? NULL : t === 2;
  const n = t === 5 ? 8 : num();
  if (t < 5) return t === 3 ? n : -n - 1;
  if (t < 7) {
    const b = span(n);
    if (!keep) return b;
    if (t === 6) return fromUtf8(b);
    const x = readFloat(b, 0);
    if (x - x !== 0) corrupt("not finite");
    return x;
  }
  const out: Record<string, unknown> | unknown[] = t === 7 ? [] : {};
  for (let i = 0; i < n; i++) {
    const k = t === 7 ? "" : span(num());
    const x = read(depth + 1, keep);
    // An image is input too: a crafted name never reaches a prototype.
    if (!keep) {
      // only moving past it
    } else if (t === 7) (out as unknown[]).push(x);
    else if (k !== "__proto__") (out as Record<string, unknown>)[fromUtf8(k)] = x;
  }
  return out;
}

/** The value these canonical bytes encode (from offset `at`, default 0). */
export function decode(b: string, at?: number): unknown {
  src = b;
  pos = at || 0;
  return read(0, true);
}

/** The offset just past the value that starts at `at` (lets a record hold several values). */
export function skip(b: string, at: number): number {
  src = b;
  pos = at;
  read(0, false);
  return pos;
}

/**
 * Where the value of the field `name` (its UTF-8 bytes) starts in the object encoded at `at`: -1
 * when the object has no such field, -2 when there is no object there. Fields are stored sorted by name, so the
 * search passes over smaller names without decoding them and stops at the first greater one.
 */
export function fieldAt(b: string, at: number, name: string): number {
  if (b.charCodeAt(at) !== T_OBJ) return -2;
  src = b;
  pos = at + 1;
  for (let n = num(); n > 0; n--) {
    const k = span(num());
    if (k >= name) return k === name ? pos : -1;
    read(0, false);
  }
  return -1;
}

/**
 * A value still in its canonical bytes (b_ from offset at_). A query walks the fields of a stored
 * document in its bytes and decodes only the values it compares, not the whole document.
 */
export class Encoded {
  b_: string;
  at_: number;
  constructor(b: string, at: number) {
    this.b_ = b;
    this.at_ = at;
  }
}

/** Deep equality of JSON values, by their canonical bytes. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || isNull(a) || isNull(b)) return isNull(a) && isNull(b);
  return encode(a, Infinity) === encode(b, Infinity);
}
