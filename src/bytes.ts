// Byte strings: the one byte-buffer type of the core.
//
// A byte string is a string whose every character code is 0..255. Espruino's and Lua's strings
// are bytes already, and Node handles such "binary" strings well; typed arrays do not exist in
// TypeScriptToLua's runtime. Every helper here uses arithmetic, not bit operators, so it means
// the same on JavaScript engines, Lua 5.1 and Lua 5.3. UTF-8 is in utf8.ts, binary64 in float.ts.

import { LUA } from "./lang";

/** The byte n (one argument only). JavaScript calls the built-in itself: one function less in RAM. */
export const u8: (this: void, n: number) => string = LUA
  ? function (n: number): string {
      return String.fromCharCode(n);
    }
  : (String.fromCharCode as unknown as (this: void, n: number) => string);

export function u16(n: number): string {
  return u8(Math.floor(n / 256) % 256) + u8(n % 256);
}

/** Big-endian, 0 <= n < 2^32. */
export function u32(n: number): string {
  return u16(Math.floor(n / 65536)) + u16(n % 65536);
}

export function readU16(s: string, at: number): number {
  return s.charCodeAt(at) * 256 + s.charCodeAt(at + 1);
}

export function readU32(s: string, at: number): number {
  return readU16(s, at) * 65536 + readU16(s, at + 2);
}

/** Unsigned LEB128: seven bits a byte, low first, high bit set on all bytes but the last. */
export function varint(n: number): string {
  return n < 128 ? u8(n) : u8((n % 128) + 128) + varint(Math.floor(n / 128));
}

/** A string of `n` bytes of value `b` (repeat: native on Espruino, string.rep in Lua). */
export function fill(b: number, n: number): string {
  return u8(b).repeat(n);
}
