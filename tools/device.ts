// npm run test:device -- --bin PATH | --port PORT [--build full|kv|both] [--script FILE] [--timeout S]
//                        [--cases NAME,NAME...] [--each]
//
// Runs the conformance script (firmware/conformance.ts) against the Espruino module as it ships
// (dist/espruino/motedb.min.js or motedb-kv.min.js, built afresh): on an Espruino interpreter
// binary (--bin, e.g. the Linux build) or on a board through the `espruino` command-line tool
// (--port, e.g. /dev/ttyACM0). The module is written to Storage in one run and required from
// there by the next, as a user's program would. Exits non-zero on any failure.
// The conformance script is stored in Storage too and required from there: code in Storage costs a
// board only its functions, not its text. --cases runs the cases whose names contain one of the
// given words; --each runs every case in an interpreter of its own, for boards whose RAM holds the
// module and a case but not the module and every case (the 2630-variable build, a Puck.js).
// --script FILE runs FILE (JavaScript) after the module instead of the conformance script: for
// measurements by hand. It finds the module with require("motedb").
// After the cases (unless --cases), firmware/same-bytes.js writes a fixed workload to flash there
// and on Node: the bytes must be the same, or images would not move between runtimes.

import { Command } from "commander";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleForEspruino, bundleMoteDB, EspruinoBuild, ROOT } from "./build-espruino";
import { SAME_BYTES, sameBytesOn } from "./conformance";
import * as core from "../src/index";

const SUMMARY = /^(\d+) passed, (\d+) failed$/;
const BANNER_END = "http://espruino.com/Donate";

interface Outcome {
  lines: string[];
  code: number | null;
  timedOut: boolean;
}

/** Bytes of the module a script carries: a script is RAM too, and small boards have little. */
const CHUNK = 2048;

/** The Storage file the conformance script is kept in. */
const TEST_FILE = "mtest";

/**
 * Scripts that store `text` in Storage as file `name`, a chunk each: the first creates the file at
 * full size, the others fill it in place, the last checks it arrived whole.
 */
function storeScripts(name: string, text: string): string[] {
  const out: string[] = [];
  const file = JSON.stringify(name);
  for (let at = 0; at < text.length; at += CHUNK) {
    const chunk = JSON.stringify(text.slice(at, at + CHUNK));
    let s = "echo(0);\nvar S=require('Storage');\n";
    s += at === 0 ? "S.erase(" + file + ");S.write(" + file + "," + chunk + ",0," + text.length + ");\n" : "S.write(" + file + "," + chunk + "," + at + ");\n";
    if (at + CHUNK >= text.length) s += "print(S.read(" + file + ").length===" + text.length + "?'stored':'FAIL storing " + name + "');\n";
    else s += "print('chunk');\n";
    out.push(s);
  }
  return out;
}

/** The script that runs the stored conformance cases (`only` those, or lists them), or a given script. */
function testScript(kind: EspruinoBuild, script: string | undefined, only: string[] | undefined, list: boolean): string {
  let s = "echo(0);\nvar CONFORMANCE_QUERIES=" + (kind === "full") + ";\n";
  if (script !== undefined) return s + readFileSync(script, "utf8");
  s += "var CONFORMANCE_ONLY=" + (only === undefined ? "undefined" : JSON.stringify(only)) + ";\nvar CONFORMANCE_LIST=" + list + ";\n";
  return s + "require(" + JSON.stringify(TEST_FILE) + ");\n";
}

/** Lines the interpreter printed after its banner, without \r and prompt noise. */
function outputLines(text: string): string[] {
  const at = text.indexOf(BANNER_END);
  const body = at >= 0 ? text.slice(at + BANNER_END.length) : text;
  return body
    .split("\n")
    .map((l) => l.replace(/\r$/, "").replace(/^>+/, "").trimEnd())
    .filter((l) => l.trim() !== "" && l.trim() !== "^")
    .map((l) => (l.length > 200 ? l.slice(0, 200) + "..." : l));
}

/** Run one script on the interpreter binary in `dir`, where its Storage file (espruino.flash) lives. */
function runBinary(bin: string, dir: string, file: string, code: string, timeout: number): Promise<Outcome> {
  writeFileSync(join(dir, file), code);
  return new Promise((done) => {
    const child = spawn(bin, [file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
    child.stderr.on("data", (d: Buffer) => (out += d.toString("latin1")));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeout * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ lines: outputLines(out), code, timedOut });
    });
  });
}

/** Send one script to a board with the espruino CLI; stop listening once `until` matches a line. */
function runPort(port: string, dir: string, file: string, code: string, timeout: number, until: RegExp): Promise<Outcome> {
  writeFileSync(join(dir, file), code);
  return new Promise((done) => {
    const child = spawn("npx", ["--no-install", "espruino", "-p", port, "--sleep", String(timeout), join(dir, file)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let timedOut = false;
    let finished = false;
    const stop = () => {
      if (!finished) child.kill("SIGTERM");
    };
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("latin1");
      if (outputLines(out).some((l) => until.test(l))) setTimeout(stop, 500);
    });
    child.stderr.on("data", (d: Buffer) => (out += d.toString("latin1")));
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, (timeout + 30) * 1000);
    child.on("close", (c) => {
      finished = true;
      clearTimeout(timer);
      done({ lines: outputLines(out), code: c, timedOut });
    });
  });
}

function espruinoCliMissing(): boolean {
  const r = spawnSync("npx", ["--no-install", "espruino", "--help"], { encoding: "utf8" });
  return r.status !== 0 && !/USAGE/i.test((r.stdout || "") + (r.stderr || ""));
}

interface RunOptions {
  bin?: string;
  port?: string;
  script?: string;
  timeout: number;
  cases?: string[];
  each: boolean;
}

async function runBuild(kind: EspruinoBuild, o: RunOptions): Promise<boolean> {
  const module = await bundleMoteDB(kind);
  const dir = mkdtempSync(join(tmpdir(), "motedb-device-"));
  const run = (file: string, code: string, until: RegExp) =>
    o.bin !== undefined ? runBinary(o.bin, dir, file, code, o.timeout) : runPort(o.port as string, dir, file, code, o.timeout, until);
  console.log("== " + kind + " build (" + module.length + " bytes) on " + (o.bin !== undefined ? o.bin : o.port));
  try {
    const files: [string, string][] = [["motedb", module]];
    if (o.script === undefined) files.push([TEST_FILE, await bundleForEspruino(join(ROOT, "firmware/conformance-espruino.ts"), [], true)]);
    for (const [name, text] of files) {
      const scripts = storeScripts(name, text);
      for (let i = 0; i < scripts.length; i++) {
        const last = i === scripts.length - 1;
        const stored = await run("store" + i + ".js", scripts[i], last ? /^stored$|^FAIL/ : /^chunk$/);
        if (!stored.lines.includes(last ? "stored" : "chunk")) {
          console.log(stored.lines.join("\n"));
          console.log("FAIL " + name + " could not be written to Storage");
          return false;
        }
      }
    }
    if (o.script !== undefined) {
      const r = await run("test.js", testScript(kind, o.script, undefined, false), SUMMARY);
      for (const l of r.lines) console.log(l);
      return r.code === 0 || r.code === null;
    }
    // Parts: every case alone (--each), the cases asked for (--cases), or all at once.
    let parts: (string[] | undefined)[] = [o.cases];
    if (o.each) {
      const listed = await run("list.js", testScript(kind, undefined, o.cases, true), SUMMARY);
      parts = listed.lines.filter((l) => l.startsWith("case ")).map((l) => [l.slice(5)]);
      if (parts.length === 0) {
        console.log(listed.lines.join("\n"));
        console.log("FAIL no cases listed");
        return false;
      }
    }
    let passed = 0;
    let failed = 0;
    for (let i = 0; i < parts.length; i++) {
      const r = await run("test" + i + ".js", testScript(kind, undefined, parts[i], false), SUMMARY);
      for (const l of r.lines) if (!(o.each && SUMMARY.test(l))) console.log(l);
      const summary = r.lines.map((l) => SUMMARY.exec(l)).find((m) => m !== null);
      if (r.timedOut) console.log("FAIL timed out after " + o.timeout + " s");
      if (!summary) {
        console.log("FAIL no summary line" + (parts[i] !== undefined ? " (" + (parts[i] as string[]).join(",") + ")" : "") + ": the script stopped early (out of memory, or an uncaught error above)");
        failed++;
        continue;
      }
      passed += Number(summary[1]);
      failed += Number(summary[2]) + (r.lines.some((l) => l.startsWith("Uncaught")) ? 1 : 0);
    }
    if (o.each) console.log(passed + " passed, " + failed + " failed");
    let same = true;
    if (o.cases === undefined) {
      const r = await run("same.js", "echo(0);\n" + readFileSync(SAME_BYTES, "utf8"), /^HEX163 /);
      const got = r.lines.filter((l) => l.startsWith("HEX")).sort();
      same = got.join("\n") === sameBytesOn(core).join("\n");
      console.log((same ? "ok" : "FAIL") + " the flash bytes are Node's for the same calls (firmware/same-bytes.js)");
      if (!same) console.log(r.lines.filter((l) => !l.startsWith("HEX")).join("\n"));
    }
    return failed === 0 && passed > 0 && same;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const program = new Command()
  .name("test:device")
  .description("run the conformance script on an Espruino interpreter binary or board")
  .option("--bin <path>", "an Espruino interpreter binary (the Linux build)")
  .option("--port <port>", "a board's serial port, through the espruino CLI")
  .option("--build <which>", "full, kv or both", "both")
  .option("--script <file>", "run this JavaScript file after the module instead of the conformance script")
  .option("--timeout <seconds>", "give up after this long (each run)", "120")
  .option("--cases <names>", "run only the cases whose names contain one of these words (comma-separated)")
  .option("--each", "run every case in an interpreter of its own (boards with little RAM)")
  .parse();
const opts = program.opts<{ bin?: string; port?: string; build: string; script?: string; timeout: string; cases?: string; each?: boolean }>();
if ((opts.bin === undefined) === (opts.port === undefined)) {
  console.error("give exactly one of --bin PATH or --port PORT");
  process.exit(2);
}
if (opts.port !== undefined && espruinoCliMissing()) {
  console.error("the espruino command-line tool is not installed: npm install -g espruino (or npx espruino), then retry");
  process.exit(2);
}
const kinds: EspruinoBuild[] = opts.build === "both" ? ["full", "kv"] : [opts.build as EspruinoBuild];
let ok = true;
for (const kind of kinds) {
  const passed = await runBuild(kind, {
    bin: opts.bin !== undefined ? resolve(opts.bin) : undefined,
    port: opts.port,
    script: opts.script !== undefined ? resolve(opts.script) : undefined,
    timeout: Number(opts.timeout),
    cases: opts.cases !== undefined ? opts.cases.split(",") : undefined,
    each: opts.each === true,
  });
  if (!passed) ok = false;
}
process.exit(ok ? 0 : 1);
