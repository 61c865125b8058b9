// The Lua build: TypeScriptToLua compiles the core into one Lua file per Lua version.
//   dist/lua/motedb51.lua  Lua 5.1 with the bit library (NodeMCU's Lua 5.1; target "JIT")
//   dist/lua/motedb53.lua  Lua 5.3
// The options live in tsconfig.lua51.json / tsconfig.lua53.json (also usable as `npx tstl -p ...`);
// compileLua() reuses them for other entries, such as the conformance bundles of the tests.

import { readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import * as ts from "typescript";
import * as tstl from "typescript-to-lua";

import { ROOT } from "./build-node";

export type LuaVersion = "5.1" | "5.3";

export const LUA_CONFIGS: Record<LuaVersion, string> = {
  "5.1": join(ROOT, "tsconfig.lua51.json"),
  "5.3": join(ROOT, "tsconfig.lua53.json"),
};

/**
 * Compile `entry` (and everything it imports) into the single Lua file `outFile`, with the options
 * of the given Lua version's tsconfig. Throws with TypeScript's and TSTL's messages on any error.
 */
export function compileLua(version: LuaVersion, entry: string, outFile: string): void {
  const parsed = tstl.parseConfigFileWithSystem(LUA_CONFIGS[version]);
  if (parsed.errors.length > 0) throw new Error(format(parsed.errors));
  const options: tstl.CompilerOptions = {
    ...parsed.options,
    outDir: resolve(dirname(outFile)),
    luaBundle: basename(outFile),
    luaBundleEntry: resolve(entry),
  };
  const result = tstl.transpileFiles([resolve(entry)], options);
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error("TypeScriptToLua failed for " + entry + " (Lua " + version + "):\n" + format(errors));
  writeFileSync(outFile, compact(readFileSync(outFile, "utf8")));
}

/**
 * Drop indentation, blank lines and whole-line comments: a quarter of the file, which a board
 * stores and (without LFS) parses in RAM. Safe because TypeScriptToLua writes every string as a
 * one-line quoted literal (never a [[long string]]), which this checks.
 */
export function compact(lua: string): string {
  if (/\[=*\[/.test(lua)) throw new Error("compact: the Lua holds a long string or comment");
  return lua
    .split("\n")
    .map((line) => line.replace(/^\s+/, ""))
    .filter((line) => line !== "" && !line.startsWith("--"))
    .join("\n") + "\n";
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => "\n",
  });
}

export const LUA_ENTRY = join(ROOT, "src/ports/lua-entry.ts");

export function luaOutput(version: LuaVersion): string {
  return join(ROOT, "dist/lua", version === "5.1" ? "motedb51.lua" : "motedb53.lua");
}

export async function buildLua(): Promise<void> {
  for (const version of ["5.1", "5.3"] as LuaVersion[]) {
    const out = luaOutput(version);
    compileLua(version, LUA_ENTRY, out);
    console.log("dist/lua/" + basename(out) + "  " + (statSync(out).size / 1024).toFixed(1) + " KB  (Lua " + version + ")");
  }
}
