// The Espruino build's native versions of three core modules: src/crc32.ts, src/float.ts and
// src/utf8.ts. tools/build-espruino.ts bundles this file in their place, because the interpreter
// does the same work in C (E.CRC32, DataView, its UTF-8 strings) with less code, which is RAM there,
// and in less time. The bytes are the same as the core's (test/espruino-native.test.ts compares them
// on Node; npm run test:device proves them on the interpreter), with one exception for text, below.

declare const E: {
  CRC32(s: string): number;
  toString(a: unknown): string;
  toArrayBuffer(s: string): ArrayBuffer;
  asUTF8(s: string): string;
  isUTF8(s: string): boolean;
  fromUTF8(s: string): string;
};

/** CRC-32 of the bytes of s: the same polynomial, initial and final value as src/crc32.ts. */
export function crc32(s: string): number {
  return E.CRC32(s);
}

/**
 * The 8 bytes of x as IEEE 754 binary64, big-endian. A new buffer each time: E.toString returns a
 * string that shares the buffer's memory. (Espruino's DataView drops the sign of -0, which the codec
 * never gives it: -0 is an integer there.)
 */
export function floatBytes(x: number): string {
  const d = new DataView(new ArrayBuffer(8));
  d.setFloat64(0, x);
  return E.toString(d.buffer);
}

export function readFloat(s: string, at: number): number {
  return new DataView(E.toArrayBuffer(s.substring(at, at + 8))).getFloat64(0);
}

// Text. E.isUTF8("\u20ac") tells whether this build has Unicode strings (Bangle.js, the Linux
// build): there a \u escape above U+00FF makes a UTF-8 string; elsewhere E.isUTF8 is false. (It
// exists from firmware 2v19, the oldest this module supports.)

/**
 * The UTF-8 bytes of s. On a build with Unicode strings, a string joined to an empty UTF-8 string
 * becomes one (its characters above 127 encoded as UTF-8, as JavaScript means them), and
 * E.fromUTF8 gives its bytes. On the other builds a string is bytes and is stored as it is: text
 * typed in UTF-8 (as the Web IDE sends it) is UTF-8 on flash, readable on every runtime.
 */
export function utf8(s: string): string {
  return E.isUTF8("\u20ac") ? E.fromUTF8(E.asUTF8("") + s) : s;
}

/**
 * Text from its UTF-8 bytes: a Unicode string when it holds characters above 127 (on builds that
 * have them), else the bytes themselves, which cost one variable less.
 */
export function fromUtf8(b: string): string {
  const u = E.isUTF8("\u20ac") ? E.asUTF8(b) : b;
  return u.length === b.length ? b : u;
}
