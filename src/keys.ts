// Record keys: what a key may be, and the keys MoteDB makes up (9 base-36 digits).

import { E_KEY, fail } from "./errors";
import { utf8 } from "./utf8";

/** Throw E_KEY unless k is a non-empty string of at most `max` UTF-8 bytes. */
export function checkKey(k: unknown, max: number): string {
  if (typeof k !== "string" || k === "") fail(E_KEY, "key: a non-empty string, not " + (k === "" ? "\"\"" : typeof k));
  // k.length first: no UTF-8 copy of a huge string only to refuse it.
  if (k.length > max || utf8(k).length > max) fail(E_KEY, "key over " + max + " bytes");
  return k;
}

/** Generated keys are 9 of these digits (base 36): ids 0 .. 36^9, about 1e14. */
const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * The generated key of sequence number n: 9 base-36 digits, so that lexical order is numeric order.
 * MoteDB's sequence starts at the clock's seconds times 1000 (keys made after a restart sort after
 * older ones even when the counter was lost) and only ever grows.
 */
export function autoKey(n: number): string {
  let k = "";
  for (let i = 0; i < 9; i++) {
    k = DIGITS.charAt(n % 36) + k;
    n = Math.floor(n / 36);
  }
  return k;
}

/** The sequence number of a key of the generated form (one that autoKey() gives back), else -1. */
export function autoSeq(k: string): number {
  let n = 0;
  for (let i = 0; i < k.length; i++) n = n * 36 + DIGITS.indexOf(k.charAt(i));
  return k.length === 9 && autoKey(n) === k ? n : -1;
}
