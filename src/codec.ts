// The value codec: one canonical byte encoding of a JSON value, identical on every runtime.
//
// The same document encodes to the same bytes on Node, Espruino and Lua, because the codec decides
// everything a runtime could decide differently: field order (sorted by UTF-8 bytes), number kind
// (by value, not by the runtime's int/float types) and text (UTF-8). Canonical bytes also give deep
// equality for free: two values are equal exactly when their encodings are. docs/FORMAT.md has the
// byte layout; the type bytes below are part of the on-flash format and never change meaning.

import { E_CORRUPT, E_TOO_LARGE, E_VALUE, moteError } from "./errors";
import { fromUtf8, readU32, u32, u8, utf8, varint } from "./bytes";
import { isNull, isPlainObject, MAX_DEPTH, NULL } from "./lang";

export const T_NULL = 0;
export const T_FALSE = 1;
export const T_TRUE = 2;
export const T_UINT = 3; // varint n, for integers 0 <= n <= 2^53-1
export const T_NINT = 4; // varint (-n - 1), for integers -2^53+1 <= n < 0
export const T_F64 = 5; // IEEE 754 binary64, big-endian, for every other finite number
export const T_STR = 6; // varint byte length, UTF-8 bytes
export const T_ARR = 7; // varint count, elements
export const T_OBJ = 8; // varint count, then (varint name length, UTF-8 name, value) sorted by name bytes

const MAX_SAFE = 9007199254740991;
const TWO32 = 4294967296;
const TWO52 = 4503599627370496;

class Writer {
  parts_: string[];
  n_: number;
  limit_: number;
  constructor(limit: number) {
    this.parts_ = [];
    this.n_ = 0;
    this.limit_ = limit;
  }
  put_(b: string): void {
    this.n_ += b.length;
    if (this.n_ > this.limit_) {
      throw moteError(E_TOO_LARGE, "value over " + this.limit_ + " bytes");
    }
    this.parts_.push(b);
  }
}

/**
 * 2^e for an integer -1074 <= e <= 1023, exactly, by squaring: every product is a power of two, so
 * none rounds. Espruino's Math.pow(2, e) is off in the last bit for most e (2^-3 and 2^12 among
 * them, measured on 2v29), which would change stored numbers.
 */
function pow2(e: number): number {
  // 4 / 2, not 2: "/" always makes a float in Lua 5.3, whose integer products wrap past 2^63.
  let b = e < 0 ? 0.5 : 4 / 2;
  let n = e < 0 ? -e : e;
  let r = 1;
  while (n > 0) {
    if (n % 2 === 1) r *= b;
    n = Math.floor(n / 2);
    if (n > 0) b *= b;
  }
  return r;
}

/** The IEEE 754 binary64 bytes of a finite, non-integral or out-of-integer-range number, by arithmetic. */
function f64(x: number): string {
  let sign = 0;
  if (x < 0) {
    sign = 128;
    x = -x;
  }
  // log() is only a first guess: the loops make 2^e <= x < 2^(e+1) exact.
  let e = Math.floor(Math.log(x) / Math.LN2);
  if (e > 1023) e = 1023;
  if (e < -1074) e = -1074;
  while (e > -1074 && pow2(e) > x) e--;
  while (e < 1023 && pow2(e + 1) <= x) e++;
  let exp = 0;
  let mant = 0;
  if (e < -1022) {
    mant = x / pow2(-1074); // subnormal: x = mant * 2^-1074
  } else {
    exp = e + 1023;
    mant = (x / pow2(e) - 1) * TWO52; // both steps are exact: scaling by powers of two
  }
  const hi = Math.floor(mant / TWO32);
  const lo = mant - hi * TWO32;
  return (
    u8(sign + Math.floor(exp / 16)) +
    u8((exp % 16) * 16 + Math.floor(hi / 65536)) +
    u8(Math.floor(hi / 256) % 256) +
    u8(hi % 256) +
    u32(lo)
  );
}

function readF64(s: string, at: number): number {
  const b0 = s.charCodeAt(at);
  const b1 = s.charCodeAt(at + 1);
  const exp = (b0 % 128) * 16 + Math.floor(b1 / 16);
  const mant = ((b1 % 16) * 65536 + s.charCodeAt(at + 2) * 256 + s.charCodeAt(at + 3)) * TWO32 + readU32(s, at + 4);
  if (exp === 2047) throw moteError(E_CORRUPT, "bad stored number");
  const v = exp === 0 ? mant * pow2(-1074) : (1 + mant / TWO52) * pow2(exp - 1023);
  return b0 >= 128 ? -v : v;
}

/**
 * Sort [name bytes, name] pairs by name bytes, in place. An insertion sort: documents have few
 * fields, it is stable, and it needs no runtime's sort (Lua's table.sort is neither stable nor
 * called the same way).
 */
function sortByName(f: string[][]): void {
  for (let i = 1; i < f.length; i++) {
    const x = f[i];
    let j = i - 1;
    while (j >= 0 && f[j][0] > x[0]) {
      f[j + 1] = f[j];
      j--;
    }
    f[j + 1] = x;
  }
}

function put(w: Writer, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) {
    throw moteError(E_VALUE, "value nests over " + MAX_DEPTH + " deep (or is circular)");
  }
  if (isNull(v)) {
    w.put_(u8(T_NULL));
  } else if (v === true) {
    w.put_(u8(T_TRUE));
  } else if (v === false) {
    w.put_(u8(T_FALSE));
  } else if (typeof v === "number") {
    if (v !== v || v === Infinity || v === -Infinity) {
      throw moteError(E_VALUE, "NaN and Infinity are not JSON numbers");
    }
    if (Math.floor(v) === v && v <= MAX_SAFE && v >= -MAX_SAFE) {
      w.put_(v >= 0 ? u8(T_UINT) + varint(v) : u8(T_NINT) + varint(-v - 1));
    } else {
      w.put_(u8(T_F64) + f64(v));
    }
  } else if (typeof v === "string") {
    if (v.length > w.limit_) w.put_(v); // surely too large: fail before converting it
    const b = utf8(v);
    w.put_(u8(T_STR) + varint(b.length));
    w.put_(b);
  } else if (Array.isArray(v)) {
    w.put_(u8(T_ARR) + varint(v.length));
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      put(w, x === undefined ? NULL : x, depth + 1);
    }
  } else if (typeof v === "object" && isPlainObject(v as object)) {
    const o = v as Record<string, unknown>;
    const names = Object.keys(o);
    const fields: string[][] = [];
    for (let i = 0; i < names.length; i++) {
      const k = names[i];
      if (k === "__proto__") {
        throw moteError(E_VALUE, "field __proto__ refused");
      }
      if (o[k] !== undefined) fields.push([utf8(k), k]);
    }
    sortByName(fields);
    w.put_(u8(T_OBJ) + varint(fields.length));
    for (let i = 0; i < fields.length; i++) {
      w.put_(varint(fields[i][0].length));
      w.put_(fields[i][0]);
      put(w, o[fields[i][1]], depth + 1);
    }
  } else {
    throw moteError(E_VALUE, "cannot store " + (v === undefined ? "undefined" : typeof v === "object" ? "a class instance" : typeof v) + ": JSON only");
  }
}

/** The canonical bytes of a JSON value; throws E_VALUE for what JSON cannot hold, E_TOO_LARGE past `limit`. */
export function encode(v: unknown, limit: number): string {
  const w = new Writer(limit);
  put(w, v, 0);
  return w.parts_.join("");
}

class Reader {
  s_: string;
  at_: number;
  constructor(s: string, at: number) {
    this.s_ = s;
    this.at_ = at;
  }
  byte_(): number {
    if (this.at_ >= this.s_.length) throw moteError(E_CORRUPT, "stored value cut short");
    return this.s_.charCodeAt(this.at_++);
  }
  varint_(): number {
    let n = 0;
    let mult = 1;
    let b = 128;
    while (b >= 128) {
      b = this.byte_();
      n += (b % 128) * mult;
      mult *= 128;
    }
    return n;
  }
  text_(): string {
    const len = this.varint_();
    if (this.at_ + len > this.s_.length) throw moteError(E_CORRUPT, "stored value cut short");
    const b = this.s_.substring(this.at_, this.at_ + len);
    this.at_ += len;
    return fromUtf8(b);
  }
}

function get(r: Reader, depth: number): unknown {
  if (depth > MAX_DEPTH) throw moteError(E_CORRUPT, "stored value nests too deep");
  const t = r.byte_();
  if (t === T_NULL) return NULL;
  if (t === T_FALSE) return false;
  if (t === T_TRUE) return true;
  if (t === T_UINT) return r.varint_();
  if (t === T_NINT) return -r.varint_() - 1;
  if (t === T_F64) {
    if (r.at_ + 8 > r.s_.length) throw moteError(E_CORRUPT, "stored value cut short");
    r.at_ += 8;
    return readF64(r.s_, r.at_ - 8);
  }
  if (t === T_STR) return r.text_();
  if (t === T_ARR) {
    const n = r.varint_();
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) a.push(get(r, depth + 1));
    return a;
  }
  if (t === T_OBJ) {
    const n = r.varint_();
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = r.text_();
      const x = get(r, depth + 1);
      // An image is input too: a crafted name never reaches a prototype.
      if (k !== "__proto__") o[k] = x;
    }
    return o;
  }
  throw moteError(E_CORRUPT, "bad value type " + t);
}

/** The value these canonical bytes encode (from offset `at`, default 0). */
export function decode(b: string, at?: number): unknown {
  return get(new Reader(b, at === undefined ? 0 : at), 0);
}

/** Move r past a length-prefixed text (read the length first: `at_ += varint_()` would not). */
function skipText(r: Reader): void {
  const len = r.varint_();
  r.at_ += len;
}

/** Move r past one value without decoding it. */
function pass(r: Reader, depth: number): void {
  if (depth > MAX_DEPTH) throw moteError(E_CORRUPT, "stored value nests too deep");
  const t = r.byte_();
  if (t === T_UINT || t === T_NINT) r.varint_();
  else if (t === T_F64) r.at_ += 8;
  else if (t === T_STR) skipText(r);
  else if (t === T_ARR || t === T_OBJ) {
    const n = r.varint_();
    for (let i = 0; i < n; i++) {
      if (t === T_OBJ) skipText(r);
      pass(r, depth + 1);
    }
  } else if (t > T_TRUE) throw moteError(E_CORRUPT, "unknown value type " + t);
  if (r.at_ > r.s_.length) throw moteError(E_CORRUPT, "stored value cut short");
}

/** The offset just past the value that starts at `at` (lets a record hold several values). */
export function skip(b: string, at: number): number {
  const r = new Reader(b, at);
  pass(r, 0);
  return r.at_;
}

/**
 * Where the value of the field `name` (its UTF-8 bytes) starts in the object encoded at `at`, or
 * -1 when there is no object there or no such field. Fields are stored sorted by name, so the
 * search passes over smaller names without decoding them and stops at the first greater one.
 */
export function fieldAt(b: string, at: number, name: string): number {
  if (b.charCodeAt(at) !== T_OBJ) return -1;
  const r = new Reader(b, at + 1);
  const n = r.varint_();
  for (let i = 0; i < n; i++) {
    const len = r.varint_();
    const k = b.substring(r.at_, r.at_ + len);
    r.at_ += len;
    if (k === name) return r.at_;
    if (k > name) return -1;
    pass(r, 0);
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
