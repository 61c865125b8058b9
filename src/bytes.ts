// Byte strings: the one byte-buffer type of the core.
//
// A byte string is a string whose every character code is 0..255. Espruino's and Lua's strings
// are bytes already, and Node handles such "binary" strings well; typed arrays do not exist in
// TypeScriptToLua's runtime. Every helper here uses arithmetic, not bit operators, so it means
// the same on JavaScript engines, Lua 5.1 and Lua 5.3.

import { LUA } from "./lang";

export function u8(n: number): string {
  return String.fromCharCode(n);
}

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
  let out = "";
  while (n >= 128) {
    out += u8((n % 128) + 128);
    n = Math.floor(n / 128);
  }
  return out + u8(n);
}

/** A string of `n` bytes of value `b`. */
export function fill(b: number, n: number): string {
  let one = u8(b);
  let out = "";
  while (n > 0) {
    if (n % 2 === 1) out += one;
    one += one;
    n = Math.floor(n / 2);
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) return false;
  }
  return true;
}

/** The UTF-8 bytes of code point c: a lead byte that says how many six-bit continuation bytes follow. */
function utf8Char(c: number): string {
  if (c < 0x80) return u8(c);
  const n = c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
  let tail = "";
  for (let k = 0; k < n; k++) {
    tail = u8(0x80 + (c % 64)) + tail;
    c = Math.floor(c / 64);
  }
  return u8((n === 1 ? 0xc0 : n === 2 ? 0xe0 : 0xf0) + c) + tail;
}

/**
 * The UTF-8 bytes of a string. JavaScript strings are UTF-16 code units (a lone surrogate becomes
 * U+FFFD); Lua strings are taken to be UTF-8 already and pass through unchanged.
 */
export function utf8(s: string): string {
  if (LUA || isAscii(s)) return s;
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = (c - 0xd800) * 1024 + (d - 0xdc00) + 0x10000;
        i++;
      } else {
        c = 0xfffd;
      }
    }
    out.push(utf8Char(c));
  }
  return out.join("");
}

/**
 * How text with characters above U+00FF is made where String.fromCharCode cannot make them
 * (Espruino: it keeps the low 8 bits), from its canonical UTF-8 bytes; see useWideText().
 */
let wideText: ((this: void, utf8: string) => string) | undefined = undefined;

/** Set by a platform whose String.fromCharCode only makes bytes (the Espruino entry). */
export function useWideText(f: (this: void, utf8: string) => string): void {
  wideText = f;
}

/** The string whose UTF-8 bytes these are; malformed sequences read as U+FFFD. */
export function fromUtf8(b: string): string {
  if (LUA || isAscii(b)) return b;
  const out: string[] = [];
  const canon: string[] = []; // the UTF-8 of what was read, for wideText
  let wide = false;
  let i = 0;
  while (i < b.length) {
    const c = b.charCodeAt(i);
    let cp = 0xfffd;
    let n = 1;
    if (c < 0x80) {
      cp = c;
    } else if (c >= 0xc2 && c < 0xe0) {
      n = 2;
    } else if (c >= 0xe0 && c < 0xf0) {
      n = 3;
    } else if (c >= 0xf0 && c < 0xf5) {
      n = 4;
    }
    if (n > 1) {
      let v = c % (n === 2 ? 32 : n === 3 ? 16 : 8);
      let ok = i + n <= b.length;
      for (let k = 1; ok && k < n; k++) {
        const t = b.charCodeAt(i + k);
        if (t < 0x80 || t > 0xbf) ok = false;
        else v = v * 64 + (t - 0x80);
      }
      const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
      if (ok && v >= min && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) cp = v;
      else n = 1;
    }
    if (cp > 255) wide = true;
    if (wideText !== undefined) canon.push(cp === 0xfffd && n === 1 ? "\xef\xbf\xbd" : b.substring(i, i + n));
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push(String.fromCharCode(0xd800 + Math.floor(cp / 1024)) + String.fromCharCode(0xdc00 + (cp % 1024)));
    } else {
      out.push(String.fromCharCode(cp));
    }
    i += n;
  }
  return wide && wideText !== undefined ? wideText(canon.join("")) : out.join("");
}
