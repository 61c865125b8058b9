// IEEE 754 binary64 by arithmetic: the 8 big-endian bytes of a number and back. Pure arithmetic
// (no typed arrays, no bit operators), so it means the same on JavaScript engines, Lua 5.1 and Lua
// 5.3. A platform with a native way (Espruino's DataView) may replace this module in its build.

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;

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

function bytes4(n: number): string {
  return (
    String.fromCharCode(Math.floor(n / 16777216) % 256) +
    String.fromCharCode(Math.floor(n / 65536) % 256) +
    String.fromCharCode(Math.floor(n / 256) % 256) +
    String.fromCharCode(n % 256)
  );
}

/** The 8 bytes of IEEE 754 binary64, big-endian, of a finite number x (-0 reads as 0). */
export function floatBytes(x: number): string {
  let sign = 0;
  if (x < 0) {
    sign = 2048;
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
  const hi = Math.floor(mant / TWO32); // the top 20 bits of the mantissa
  return bytes4((sign + exp) * 1048576 + hi) + bytes4(mant - hi * TWO32);
}

/** The number whose binary64 bytes start at s[at]: NaN or +-Infinity for exponent 2047. */
export function readFloat(s: string, at: number): number {
  const b0 = s.charCodeAt(at);
  const b1 = s.charCodeAt(at + 1);
  const exp = (b0 % 128) * 16 + Math.floor(b1 / 16);
  let mant = 0;
  for (let i = 2; i < 8; i++) mant = mant * 256 + s.charCodeAt(at + i);
  mant += (b1 % 16) * 281474976710656; // 2^48
  const v = exp === 2047 ? (mant === 0 ? 1 / 0 : 0 / 0) : exp === 0 ? mant * pow2(-1074) : (1 + mant / TWO52) * pow2(exp - 1023);
  return b0 >= 128 ? -v : v;
}
