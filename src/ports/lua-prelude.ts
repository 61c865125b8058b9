// Runs before any other module of the Lua build: TypeScriptToLua's Lua 5.1 output (target JIT)
// calls the global `bit` library for the core's one bit operation (src/bits.ts). NodeMCU's Lua 5.1
// has `bit` built in; a stock Lua 5.1 has it as the lua-bitop module, which must be required.
// On JavaScript engines and on Lua 5.3 this does nothing.

import { LUA } from "../lang";

declare const _G: Record<string, unknown>;
declare const _VERSION: string;
declare function require(this: void, name: string): unknown;

if (LUA && _VERSION === "Lua 5.1" && _G.bit === undefined) _G.bit = require("bit");

export const PRELUDE = true;
