// Record keys: what a key may be. (The keys MoteDB makes up are motedb.ts's: 9 base-36 digits.)

import { E_KEY, moteError } from "./errors";
import { utf8 } from "./utf8";

/** Throw E_KEY unless k is a non-empty string of at most `max` UTF-8 bytes. */
export function checkKey(k: unknown, max: number): string {
  if (typeof k !== "string" || k === "") throw moteError(E_KEY, "a key is a non-empty string, got " + (k === "" ? "an empty string" : typeof k));
  // k.length first: no UTF-8 copy of a huge string only to refuse it.
  if (k.length > max || utf8(k).length > max) throw moteError(E_KEY, "key over " + max + " bytes");
  return k;
}
