// UTF-8: the bytes of text, and text from its bytes. JavaScript strings are UTF-16 code units;
// Lua strings are taken to be UTF-8 already and pass through unchanged. A platform with a native
// way (Espruino's E.toUint8Array/E.asUTF8) may replace this module in its build.

import { LUA } from "./lang";

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) return false;
  }
  return true;
}

/** The UTF-8 bytes of a string (a lone surrogate becomes U+FFFD). */
export function utf8(s: string): string {
  if (LUA || isAscii(s)) return s;
  let out = "";
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
    if (c < 0x80) {
      out += String.fromCharCode(c);
    } else {
      // A lead byte that says how many six-bit continuation bytes follow.
      const n = c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
      let tail = "";
      for (let k = 0; k < n; k++) {
        tail = String.fromCharCode(0x80 + (c % 64)) + tail;
        c = Math.floor(c / 64);
      }
      out += String.fromCharCode((n === 1 ? 0xc0 : n === 2 ? 0xe0 : 0xf0) + c) + tail;
    }
  }
  return out;
}

/** The string whose UTF-8 bytes these are; malformed sequences read as U+FFFD. */
export function fromUtf8(b: string): string {
  if (LUA || isAscii(b)) return b;
  let out = "";
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
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += String.fromCharCode(0xd800 + Math.floor(cp / 1024), 0xdc00 + (cp % 1024));
    } else {
      out += String.fromCharCode(cp);
    }
    i += n;
  }
  return out;
}
