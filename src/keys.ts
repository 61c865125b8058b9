// Record keys: what a key may be, and the keys MoteDB makes up.

import { E_KEY, moteError } from "./errors";
import { utf8 } from "./bytes";

/** The longest key the flash format can hold (its length is one byte). */
export const KEY_LIMIT = 255;

/** Throw E_KEY unless k is a non-empty string of at most `max` UTF-8 bytes. */
export function checkKey(k: unknown, max: number): string {
  if (typeof k !== "string" || k.length === 0) {
    throw moteError(E_KEY, "a key is a non-empty string, got " + (typeof k === "string" ? "an empty string" : typeof k));
  }
  if (k.length > max || utf8(k).length > max) throw moteError(E_KEY, "key over maxKeyLength (" + max + " bytes)");
  return k;
}

const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";
/** Generated keys are this many base-36 digits: ids 0 .. 36^9, about 1e14. */
export const AUTO_KEY_LENGTH = 9;

/** The fixed-width base-36 key of sequence number n: lexical order is numeric order. */
export function autoKey(n: number): string {
  let s = "";
  for (let i = 0; i < AUTO_KEY_LENGTH; i++) {
    s = DIGITS.charAt(n % 36) + s;
    n = Math.floor(n / 36);
  }
  return s;
}

/** The sequence number of a key that has the form of a generated one, or -1. */
export function autoSeq(k: string): number {
  if (k.length !== AUTO_KEY_LENGTH) return -1;
  let n = 0;
  for (let i = 0; i < k.length; i++) {
    const d = DIGITS.indexOf(k.charAt(i));
    if (d < 0) return -1;
    n = n * 36 + d;
  }
  return n;
}

/**
 * Generated keys are short, unique and sort in insertion order: a sequence number that starts at
 * the clock's seconds times 1000 (so keys made after a restart sort after older ones even when the
 * counter was lost) and only ever grows.
 */
export class KeyMaker {
  next_: number;
  constructor() {
    this.next_ = 0;
  }
  /** Make sure future keys sort after seq (a key seen in the data) and after the clock's seed. */
  after_(seq: number): void {
    if (seq >= this.next_) this.next_ = seq + 1;
  }
  make_(nowSeconds: number): string {
    this.after_(Math.floor(nowSeconds) * 1000 - 1);
    const k = autoKey(this.next_);
    this.next_++;
    return k;
  }
}
