// The only bit operation the core needs, behind one function so that every runtime gives the same
// unsigned 32-bit result. JavaScript's `^` is signed 32-bit, and so is the `bit` library that
// TypeScriptToLua's Lua 5.1 build maps it to; Lua 5.3's `~` works on 64-bit integers and is already
// unsigned for these inputs. Everything else (shifts, masks) is plain arithmetic in the callers.

const TWO32 = 4294967296;

/** a XOR b for 0 <= a, b < 2^32, as an unsigned value. */
export function bxor(a: number, b: number): number {
  const r = a ^ b;
  return r < 0 ? r + TWO32 : r;
}
