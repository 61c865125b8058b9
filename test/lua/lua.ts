// Running Lua from the tests: the interpreters, compiled bundles, scripts with the NodeMCU shim.
// The interpreters are required, not optional: a missing one fails the test with what to install.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileLua, LUA_ENTRY, LuaVersion } from "../../tools/build-lua";

export const ROOT = join(__dirname, "..", "..");
export const SHIM = join(__dirname, "nodemcu-shim.lua");
export const VERSIONS: LuaVersion[] = ["5.1", "5.3"];

const INSTALL = "install them (Debian/Ubuntu: apt-get install lua5.1 lua5.3 lua-bitop; .ci/run does this)";

/** The interpreter command for a Lua version, checked to run (with the bit library on 5.1). */
export function luaCommand(version: LuaVersion): string {
  const cmd = version === "5.1" ? "lua5.1" : "lua5.3";
  const probe = version === "5.1" ? 'require("bit"); print(_VERSION)' : "print(_VERSION)";
  const r = spawnSync(cmd, ["-e", probe], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0 || r.stdout.trim() !== "Lua " + version) {
    const why = r.error !== undefined ? r.error.message : (r.stderr || r.stdout).trim();
    throw new Error("the Lua " + version + " interpreter `" + cmd + "` (with lua-bitop on 5.1) is needed and did not run: " + why + ". " + INSTALL);
  }
  return cmd;
}

let scratch: string | undefined;
/** A fresh directory for this test process. */
export function tempDir(prefix: string): string {
  if (scratch === undefined) scratch = mkdtempSync(join(tmpdir(), "motedb-lua-"));
  const d = mkdtempSync(join(scratch, prefix + "-"));
  mkdirSync(d, { recursive: true });
  return d;
}

const bundles: Record<string, string> = {};
/** Compile `entry` (default: the release entry) for a Lua version, once per process; returns the .lua path. */
export function bundle(version: LuaVersion, entry?: string): string {
  const e = entry === undefined ? LUA_ENTRY : entry;
  const id = version + " " + e;
  if (bundles[id] === undefined) {
    const out = join(tempDir("bundle"), "motedb.lua");
    compileLua(version, e, out);
    bundles[id] = out;
  }
  return bundles[id];
}

export interface LuaRun {
  status: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

/**
 * Run a Lua script in `cwd` with the NodeMCU shim loaded as the global `shim` and the bundle
 * loadable as require("motedb").
 */
export function runLua(version: LuaVersion, bundlePath: string, script: string, cwd: string): LuaRun {
  const cmd = luaCommand(version);
  const main = join(cwd, "main.lua");
  writeFileSync(
    main,
    "shim = dofile(" + JSON.stringify(SHIM) + ")\n" +
      "package.loaded.motedb = dofile(" + JSON.stringify(bundlePath) + ")\n" +
      script,
  );
  const r = spawnSync(cmd, [main], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split("\n").filter((l) => l !== "") };
}
