// Running Lua from the tests: the interpreters, compiled bundles, scripts with the NodeMCU shim.
// The interpreters are required, not optional: a missing one fails the test with what to install.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { afterAll } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileLua, LUA_ENTRY, LuaVersion } from "../../tools/build-lua";

export const ROOT = join(import.meta.dirname, "..", "..");
export const SHIM = join(import.meta.dirname, "nodemcu-shim.lua");
export const VERSIONS: LuaVersion[] = ["5.1", "5.3"];

const INSTALL = "Install them (Debian/Ubuntu: apt-get install lua5.1 lua5.3 lua-bitop; .ci/run does this)";

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
// Each test file that makes directories removes them when it is done.
afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});
/** A fresh directory for this test process. */
export function tempDir(prefix: string): string {
  if (scratch === undefined) scratch = mkdtempSync(join(tmpdir(), "motedb-lua-"));
  const d = mkdtempSync(join(scratch, prefix + "-"));
  mkdirSync(d, { recursive: true });
  return d;
}

/** Every file a Lua bundle can be made of, and the compiler: what a cached bundle depends on. */
function sourcesHash(version: LuaVersion, entry: string): string {
  const h = createHash("sha256");
  h.update(version + "\n" + entry + "\n");
  const files: string[] = [join(ROOT, "tsconfig.lua51.json"), join(ROOT, "tsconfig.lua53.json"), join(ROOT, "tools/build-lua.ts"), join(ROOT, "node_modules/typescript-to-lua/package.json")];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) files.push(p);
    }
  };
  walk(join(ROOT, "src"));
  walk(join(ROOT, "firmware"));
  walk(join(ROOT, "test/lua"));
  for (const f of files) h.update(f + "\n").update(readFileSync(f));
  return h.digest("hex").slice(0, 24);
}

const bundles: Record<string, string> = {};
/**
 * Compile `entry` (default: the release entry) for a Lua version; returns the .lua path. Kept for
 * the process, and on disk by a hash of every source, so test files and reruns share the work.
 */
export function bundle(version: LuaVersion, entry?: string): string {
  const e = entry === undefined ? LUA_ENTRY : entry;
  const id = version + " " + e;
  if (bundles[id] === undefined) {
    const cacheDir = join(tmpdir(), "motedb-lua-cache");
    mkdirSync(cacheDir, { recursive: true });
    const cached = join(cacheDir, sourcesHash(version, e) + ".lua");
    if (!existsSync(cached)) {
      const out = join(tempDir("bundle"), "motedb.lua");
      compileLua(version, e, out);
      const part = cached + "." + process.pid;
      copyFileSync(out, part);
      renameSync(part, cached); // atomic: a parallel test file sees the whole bundle or none
    }
    bundles[id] = cached;
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
 * loadable as require("motedb"). `globals` (Lua) runs before the bundle loads.
 */
export function runLua(version: LuaVersion, bundlePath: string, script: string, cwd: string, globals?: string): LuaRun {
  const cmd = luaCommand(version);
  const main = join(cwd, "main.lua");
  writeFileSync(
    main,
    "shim = dofile(" + JSON.stringify(SHIM) + ")\n" +
      (globals === undefined ? "" : globals + "\n") +
      // Errors go to stderr as text with a traceback (Lua 5.1 prints an error table as nothing useful).
      "local ok, err = xpcall(function()\n" +
      "package.loaded.motedb = dofile(" + JSON.stringify(bundlePath) + ")\n" +
      script +
      "\nend, function(e) return tostring(e) .. '\\n' .. debug.traceback() end)\n" +
      "if not ok then io.stderr:write(err, '\\n') os.exit(1) end\n",
  );
  const r = spawnSync(cmd, [main], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split("\n").filter((l) => l !== "") };
}
