// npm run test:device -- --bin PATH | --port PORT [--build full|kv|both] [--script FILE] [--timeout S]
//
// Runs the conformance script (firmware/conformance.ts) against the Espruino module as it ships
// (dist/espruino/motedb.min.js or motedb-kv.min.js, built afresh): on an Espruino interpreter
// binary (--bin, e.g. the Linux build) or on a board through the `espruino` command-line tool
// (--port, e.g. /dev/ttyACM0). The module is written to Storage in one run and required from
// there by the next, as a user's program would. Exits non-zero on any failure.
// --script FILE runs FILE (JavaScript) after the module instead of the conformance script: for
// measurements by hand. It finds the module with require("motedb").

import { Command } from "commander";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bundleForEspruino, bundleMoteDB, EspruinoBuild, ROOT } from "./build-espruino";

const SUMMARY = /^(\d+) passed, (\d+) failed$/;
const BANNER_END = "http://espruino.com/Donate";

interface Outcome {
  lines: string[];
  code: number | null;
  timedOut: boolean;
}

/** Bytes of the module a script carries: a script is RAM too, and small boards have little. */
const CHUNK = 2048;

/**
 * Scripts that store the module in Storage, a chunk each: the first creates the file at full
 * size, the others fill it in place, the last checks it arrived whole.
 */
function storeScripts(module: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < module.length; at += CHUNK) {
    const chunk = JSON.stringify(module.slice(at, at + CHUNK));
    let s = "echo(0);\nvar S=require('Storage');\n";
    s += at === 0 ? "S.erase('motedb');S.write('motedb'," + chunk + ",0," + module.length + ");\n" : "S.write('motedb'," + chunk + "," + at + ");\n";
    if (at + CHUNK >= module.length) s += "print(S.read('motedb').length===" + module.length + "?'stored':'FAIL storing the module');\n";
    else s += "print('chunk');\n";
    out.push(s);
  }
  return out;
}

/** The script that runs the conformance cases (or a given script) against the stored module. */
async function testScript(kind: EspruinoBuild, script: string | undefined): Promise<string> {
  const body = script !== undefined ? readFileSync(script, "utf8") : await bundleForEspruino(join(ROOT, "firmware/conformance-espruino.ts"), [], true);
  return "echo(0);\nvar CONFORMANCE_QUERIES=" + (kind === "full") + ";\n" + body;
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

async function runBuild(kind: EspruinoBuild, o: { bin?: string; port?: string; script?: string; timeout: number }): Promise<boolean> {
  const module = await bundleMoteDB(kind);
  const dir = mkdtempSync(join(tmpdir(), "motedb-device-"));
  const run = (file: string, code: string, until: RegExp) =>
    o.bin !== undefined ? runBinary(o.bin, dir, file, code, o.timeout) : runPort(o.port as string, dir, file, code, o.timeout, until);
  console.log("== " + kind + " build (" + module.length + " bytes) on " + (o.bin !== undefined ? o.bin : o.port));
  try {
    const scripts = storeScripts(module);
    for (let i = 0; i < scripts.length; i++) {
      const last = i === scripts.length - 1;
      const stored = await run("store" + i + ".js", scripts[i], last ? /^stored$|^FAIL/ : /^chunk$/);
      if (!stored.lines.includes(last ? "stored" : "chunk")) {
        console.log(stored.lines.join("\n"));
        console.log("FAIL the module could not be written to Storage");
        return false;
      }
    }
    const r = await run("test.js", await testScript(kind, o.script), SUMMARY);
    for (const l of r.lines) console.log(l);
    if (o.script !== undefined) return r.code === 0 || r.code === null;
    const summary = r.lines.map((l) => SUMMARY.exec(l)).find((m) => m !== null);
    if (r.timedOut) console.log("FAIL timed out after " + o.timeout + " s");
    if (!summary) {
      console.log("FAIL no summary line: the script stopped early (out of memory, or an uncaught error above)");
      return false;
    }
    return Number(summary[2]) === 0 && !r.lines.some((l) => l.startsWith("Uncaught"));
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
  .option("--timeout <seconds>", "give up after this long", "120")
  .parse();
const opts = program.opts<{ bin?: string; port?: string; build: string; script?: string; timeout: string }>();
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
  });
  if (!passed) ok = false;
}
process.exit(ok ? 0 : 1);
