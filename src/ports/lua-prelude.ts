// Runs before any other module of the Lua build.
//
// 1. TypeScriptToLua's Lua 5.1 output (target JIT) calls the global `bit` library for the core's
//    one bit operation (src/bits.ts). NodeMCU's Lua 5.1 has `bit` built in; a stock Lua 5.1 has it
//    as the lua-bitop module, which must be required.
// 2. The core counts on JavaScript's numbers: doubles, exact integers up to 2^53. NodeMCU's Lua 5.3
//    is by default built with 32-bit integers and single-precision floats, where checksums, keys,
//    expiry times and stored numbers would silently come out wrong: refuse to load there instead.
// On JavaScript engines this does nothing.

import { E_OPTION, fail } from "../errors";
import { LUA } from "../lang";

declare const _G: Record<string, unknown>;
declare const _VERSION: string;
declare function require(this: void, name: string): unknown;

if (LUA && _VERSION === "Lua 5.1" && _G.bit === undefined) _G.bit = require("bit");

const TWO16 = 65536;
/** 2^32 as an integer product (wraps to 0 with 32-bit integers), and 2^53 - 1 held exactly (not by a single float). */
export const WIDE_NUMBERS = TWO16 * TWO16 === 4294967296 && 9007199254740991 % 2 === 1;
if (!WIDE_NUMBERS) {
  fail(E_OPTION, "this Lua has 32-bit numbers: MoteDB needs 64-bit integers and doubles (a NodeMCU firmware built with LUA_NUMBER_64BITS, or Lua 5.1)");
}
