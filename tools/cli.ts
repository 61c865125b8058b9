// The motedb command: host tools for flash images and boards.
//   motedb inspect IMAGE            page table, record counts, format version
//   motedb dump IMAGE [--jsonl]     the live records as JSON
//   motedb import FILE --board B -o IMAGE
//   motedb verify IMAGE             CRC and structure check: exit 0 when healthy
//   motedb wear IMAGE --svg OUT     erase counts and use per page, as a picture
//   motedb upload --board B --port P [--image IMAGE] [--dry-run]
//   motedb demo [--board B]
//   motedb boards [--markdown]     the board profiles (the README's table is this output)
// bin/motedb.js runs this file through tsx. Every failure is one line on stderr and a non-zero
// exit (1: the file or the operation failed, 2: bad usage); MOTEDB_DEBUG=1 adds the stack.

import { Command, CommanderError, Option } from "commander";
import { SingleBar } from "cli-progress";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { boardIds, DEFAULT_BOARD, loadBoard, type Board } from "../src/ports/host";
import { runDemo } from "./demo";
import { EXIT_FAIL, EXIT_USAGE, Fail, oneLine } from "./cli-fail";
import { buildImage, parseItems } from "./cli-import";
import { planUpload, shellLine, ROOT } from "./cli-upload";
import { wearSvg } from "./cli-wear";
import { loadImage, readImage, type ImageReport } from "./image";

function out(line: string): void {
  process.stdout.write(line + "\n");
}

function board(id: string): Board {
  try {
    return loadBoard(id);
  } catch (e) {
    throw new Fail(oneLine(e).replace(/^E_OPTION: /, ""), EXIT_USAGE);
  }
}

function numberArg(what: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^\s*-?\d+(\.\d+)?\s*$/.test(v) || !(n >= min && n <= max)) throw new Fail(what + " must be a number from " + min + " to " + max + ", got '" + v + "'", EXIT_USAGE);
    return n;
  };
}

/** A date for a time in seconds, when it looks like one (a board without a set clock counts from boot). */
function when(t: number): string {
  return t >= 946684800 && t < 4102444800 ? " (" + new Date(t * 1000).toISOString().replace(".000Z", "Z") + ")" : "";
}

function bytes(n: number): string {
  return n < 10240 ? n + " B" : (n / 1024).toFixed(1) + " KB";
}

/** Write a file whole or not at all: a failed command leaves no half-written output. */
function writeAtomically(path: string, data: string | Buffer): void {
  const tmp = join(dirname(resolve(path)), "." + Date.now() + "-" + process.pid + ".motedb.tmp");
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Fail("cannot write " + path + ": " + oneLine(e).replace(/^cannot use [^:]*: /, ""));
  }
}

// ---- inspect --------------------------------------------------------------------------------------

function summary(r: ImageReport) {
  const im = r.image;
  const withTtl = r.live.filter((x) => x.expiry > 0).length;
  return {
    file: im.path,
    formatVersion: im.version,
    pageSize: im.pageSize,
    pageCount: im.pageCount,
    granularity: im.granularity,
    time: r.time,
    flushes: r.flushes,
    records: { live: r.live.length, withTtl, expired: r.expired, onFlash: r.onFlash },
    liveBytes: r.pages.reduce((s, p) => s + p.live, 0),
    garbageBytes: r.pages.reduce((s, p) => s + p.garbage, 0),
    pages: r.pages,
    problems: r.problems,
  };
}

function inspect(path: string, o: { json?: boolean }): number {
  const r = readImage(loadImage(path));
  const s = summary(r);
  if (o.json === true) {
    out(JSON.stringify(s, null, 2));
    return 0;
  }
  const im = r.image;
  const live = s.liveBytes;
  const garbage = s.garbageBytes;
  const cap = r.pages.reduce((n, p) => n + p.capacity, 0);
  const withTtl = s.records.withTtl;
  out(im.path + ": MoteDB flash image, format version " + im.version);
  out("  geometry  " + im.pageCount + " pages of " + im.pageSize + " bytes, granularity " + im.granularity + " (" + bytes(im.pageCount * im.pageSize) + ")");
  out("  time      " + r.time + when(r.time) + ", the latest of " + r.flushes + " flushes on flash");
  out("  records   " + r.live.length + " live (" + withTtl + " with a TTL), " + r.expired + " expired; on flash " + r.onFlash.put + " puts, " + r.onFlash.delete + " deletes, " + r.onFlash.purge + " purges");
  out("  bytes     " + bytes(live) + " live, " + bytes(garbage) + " garbage, " + bytes(Math.max(0, cap - live - garbage)) + " erased, of " + bytes(cap));
  out("");
  out("  page  state      seq  erases  frames    live B  garbage B  use");
  for (const p of r.pages) {
    const w = 20;
    const l = Math.round((w * p.live) / p.capacity);
    const g = Math.min(w - l, Math.round((w * p.garbage) / p.capacity));
    out(
      "  " + String(p.page).padStart(4) + "  " + p.state.padEnd(8) + String(p.seq).padStart(6) + String(p.erases).padStart(8) + String(p.frames).padStart(8) +
        String(p.live).padStart(10) + String(p.garbage).padStart(11) + "  " + "#".repeat(l) + "x".repeat(g) + ".".repeat(w - l - g),
    );
  }
  out("  (use: # live, x garbage, . erased)");
  out("");
  if (r.problems.length === 0) out("problems: none");
  else {
    out("problems: " + r.problems.length + " (motedb verify explains)");
    for (const p of r.problems) out("  " + p);
  }
  return 0;
}

// ---- dump -----------------------------------------------------------------------------------------

function dump(path: string, o: { jsonl?: boolean }): number {
  const r = readImage(loadImage(path));
  const rows = r.live.map((x) => {
    const row: Record<string, unknown> = { key: x.key };
    if (x.tags !== undefined) row.tags = x.tags;
    if (x.expiry > 0) row.expires = x.expiry;
    row.value = x.value;
    return row;
  });
  if (o.jsonl === true) for (const row of rows) out(JSON.stringify(row));
  else out(JSON.stringify(rows, null, 2));
  return 0;
}

// ---- import ---------------------------------------------------------------------------------------

function importFile(file: string, o: { board: string; output: string; now?: number; ramPercentage?: number; progress?: boolean }): number {
  const b = board(o.board);
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    throw new Fail(oneLine(e));
  }
  const items = parseItems(text, file === "-" ? "stdin" : file);
  const now = o.now ?? Math.floor(Date.now() / 1000);
  // A bar for inputs that take a moment; --progress shows it even when stderr is not a terminal.
  let bar: SingleBar | undefined;
  if (items.length >= 1000 || o.progress === true) {
    bar = new SingleBar({
      format: "importing [{bar}] {percentage}% {value}/{total} records",
      stream: process.stderr,
      noTTYOutput: o.progress === true,
      notTTYSchedule: 250,
      hideCursor: true,
    });
    bar.start(items.length, 0);
  }
  let result;
  try {
    result = buildImage(items, {
      board: b,
      now,
      ramPercentage: o.ramPercentage ?? b.ramPercentage,
      progress: bar === undefined ? undefined : (n) => bar.update(n),
    });
  } finally {
    if (bar !== undefined) bar.stop();
  }
  writeAtomically(o.output, Buffer.from(result.bytes, "latin1"));
  out(
    "wrote " + o.output + ": " + result.stored + " records (" + result.withTtl + " with a TTL) for " + b.id + ", " +
      b.flash.pageCount + " pages of " + b.flash.pageSize + " bytes, at time " + now + when(now),
  );
  out("  flash " + bytes(result.usedCapacity) + " of " + bytes(result.capacity) + " usable; RAM index " + bytes(result.usedBytes) + " of the board's " + bytes(result.budgetBytes) + " budget");
  if (result.skipped > 0) out("  left out " + result.skipped + " records whose expiry had passed");
  return 0;
}

// ---- verify ---------------------------------------------------------------------------------------

function verify(path: string): number {
  const r = readImage(loadImage(path));
  const im = r.image;
  if (r.problems.length === 0) {
    out(im.path + ": healthy: " + im.pageCount + " pages, " + r.flushes + " flushes, " + r.live.length + " live records; every header and record CRC holds");
    return 0;
  }
  out(im.path + ": " + r.problems.length + " problem" + (r.problems.length === 1 ? "" : "s") + ":");
  for (const p of r.problems) out("  " + p);
  out("a device opening it keeps the " + r.live.length + " live records whose flushes are whole and repairs the rest");
  return EXIT_FAIL;
}

// ---- wear -----------------------------------------------------------------------------------------

function wear(path: string, o: { svg?: string }): number {
  const r = readImage(loadImage(path));
  const erases = r.pages.map((p) => p.erases);
  const min = Math.min(...erases);
  const max = Math.max(...erases);
  const mean = erases.reduce((s, e) => s + e, 0) / erases.length;
  if (o.svg !== undefined) {
    writeAtomically(o.svg, wearSvg(r.image.path, r.pages));
    out("wrote " + o.svg + ": " + r.pages.length + " pages, erases " + min + ".." + max + " (mean " + mean.toFixed(1) + ")");
    return 0;
  }
  out(r.image.path + ": erases " + min + ".." + max + " (mean " + mean.toFixed(1) + "); --svg OUT draws every page");
  for (const p of r.pages) out("  page " + String(p.page).padStart(4) + "  " + String(p.erases).padStart(6) + "  " + "*".repeat(max > 0 ? Math.round((40 * p.erases) / max) : 0));
  return 0;
}

// ---- upload ---------------------------------------------------------------------------------------

function upload(o: { board: string; port: string; image?: string; kv?: boolean; module?: string; baud?: number; dryRun?: boolean }): number {
  const b = board(o.board);
  const im = o.image === undefined ? undefined : loadImage(o.image);
  const workDir = join(tmpdir(), "motedb-upload-" + process.pid);
  const plan = planUpload({
    board: b,
    port: o.port,
    module: o.module ?? join(ROOT, "dist/espruino", o.kv === true ? "motedb-kv.min.js" : "motedb.min.js"),
    baud: o.baud,
    image: im === undefined ? undefined : { bytes: im.bytes, name: im.path, pageSize: im.pageSize, pageCount: im.pageCount, granularity: im.granularity },
    workDir,
  });
  if (o.dryRun === true) {
    for (const n of plan.notes) out("# " + n);
    if (!plan.found) out("# the espruino CLI is not installed here (npm install -g espruino)");
    out(shellLine(plan.espruino, plan.args));
    return 0;
  }
  for (const n of plan.notes) if (n.includes("does not exist")) throw new Fail(n);
  if (!plan.found) throw new Fail("the espruino CLI is not installed: npm install -g espruino (or set MOTEDB_ESPRUINO to its path), then run this again");
  try {
    if (plan.files.length > 0) mkdirSync(workDir, { recursive: true });
    for (const f of plan.files) writeFileSync(f.path, Buffer.from(f.bytes, "latin1"));
    for (const n of plan.notes) out(n);
    const r = spawnSync(plan.espruino, plan.args, { stdio: "inherit" });
    if (r.error !== undefined) throw new Fail("cannot run " + plan.espruino + ": " + r.error.message);
    if (r.status !== 0) throw new Fail("the espruino CLI failed (exit " + String(r.status ?? r.signal) + ")");
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return 0;
}

// ---- boards ---------------------------------------------------------------------------------------

function boards(o: { markdown?: boolean }): number {
  const rows = boardIds().map((id) => {
    const b = loadBoard(id);
    const f = b.flash;
    return [
      b.id,
      b.name,
      b.runtime,
      String(b.freeBytes),
      // What stats().budgetBytes reports on the board: its share of free RAM over its scale.
      b.ramPercentage + "% / " + (b.scale ?? 1) + " = " + Math.floor((b.freeBytes * b.ramPercentage) / 100 / (b.scale ?? 1)),
      f.pageCount + " x " + f.pageSize + " B, granularity " + f.granularity,
      f.region ?? "",
    ];
  });
  const head = ["board", "name", "runtime", "free RAM (B)", "default budget (B)", "flash pages", "flash region"];
  if (o.markdown === true) {
    out("| " + head.join(" | ") + " |");
    out("|" + head.map(() => "---").join("|") + "|");
    for (const r of rows) out("| " + r.map((c, i) => (i === 0 ? "`" + c + "`" : c)).join(" | ") + " |");
    return 0;
  }
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head].concat(rows)) out(r.map((c, i) => c.padEnd(width[i])).join("  ").trimEnd());
  return 0;
}

// ---- the program ----------------------------------------------------------------------------------

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function program(done: (code: number) => void): Command {
  const p = new Command("motedb")
    .description("Host tools for MoteDB: inspect, dump, verify and build flash images; upload to a board; run the demo.")
    .version(version())
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      outputError: (s, write) => write("motedb: " + s.replace(/^error: /, "")),
    });
  p.command("inspect")
    .description("the page table (state, erase count, live and garbage bytes), record counts and format version")
    .argument("<image>", "flash image file")
    .option("--json", "print it as JSON")
    .action((image: string, o: { json?: boolean }) => done(inspect(image, o)));
  p.command("dump")
    .description("the live records as indented JSON: key, tags, expiry and value")
    .argument("<image>", "flash image file")
    .option("--jsonl", "one record a line")
    .action((image: string, o: { jsonl?: boolean }) => done(dump(image, o)));
  p.command("import")
    .description("a pre-populated flash image for a board from JSON (an array of documents or of {key, value, ttl, tags}) or JSONL")
    .argument("<file>", "JSON or JSONL file ('-' for stdin)")
    .requiredOption("--board <id>", "board profile from boards/ (its flash geometry and RAM budget)")
    .requiredOption("-o, --output <image>", "image file to write")
    .addOption(new Option("--now <seconds>", "database time the records are written at; TTLs count from it (default: now)").argParser(numberArg("--now", 0, 4294967295)))
    .addOption(new Option("--ram-percentage <n>", "share of the board's free RAM the database will have (default: the board's)").argParser(numberArg("--ram-percentage", 0.01, 100)))
    .option("--progress", "show the progress bar even when stderr is not a terminal")
    .action((file: string, o: { board: string; output: string; now?: number; ramPercentage?: number; progress?: boolean }) => done(importFile(file, o)));
  p.command("verify")
    .description("check every page header, frame and record CRC and the structure; exit 0 when healthy, 1 with a report when not")
    .argument("<image>", "flash image file")
    .action((image: string) => done(verify(image)));
  p.command("wear")
    .description("erase counts and use per page; --svg draws them")
    .argument("<image>", "flash image file")
    .option("--svg <file>", "write an SVG picture")
    .action((image: string, o: { svg?: string }) => done(wear(image, o)));
  p.command("upload")
    .description("put the Espruino module (and an image) on a board through the espruino CLI")
    .requiredOption("--board <id>", "board profile from boards/")
    .requiredOption("--port <port>", "serial port or Bluetooth address, as the espruino CLI takes it")
    .option("--image <image>", "also put this flash image on the board")
    .option("--kv", "upload the kv build (no query engine: less RAM)")
    .option("--module <file>", "upload this module file instead of dist/espruino/motedb.min.js")
    .addOption(new Option("-b, --baud <rate>", "serial baud rate").argParser(numberArg("--baud", 300, 4000000)))
    .option("--dry-run", "print what would run, run nothing")
    .action((o: { board: string; port: string; image?: string; kv?: boolean; module?: string; baud?: number; dryRun?: boolean }) => done(upload(o)));
  p.command("demo")
    .description("the sensor-cache demo on the host simulator")
    .option("--board <id>", "board to play", DEFAULT_BOARD)
    .action((o: { board: string }) => {
      board(o.board);
      runDemo(o.board, out);
      done(0);
    });
  p.command("boards")
    .description("the board profiles in boards/: runtime, free RAM, RAM budget, flash geometry")
    .option("--markdown", "as a Markdown table")
    .action((o: { markdown?: boolean }) => done(boards(o)));
  return p;
}

/** Run the command with these arguments (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // A reader that stops early (motedb dump x | head) is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  let code = 0;
  const p = program((c) => {
    code = c;
  });
  if (argv.length === 0) {
    p.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await p.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its one-line error otherwise.
      if (e.exitCode === 0) return 0;
      return EXIT_USAGE;
    }
    process.stderr.write("motedb: " + oneLine(e) + "\n");
    if (process.env.MOTEDB_DEBUG === "1" && e instanceof Error && e.stack !== undefined) process.stderr.write(e.stack + "\n");
    return e instanceof Fail ? e.exitCode : EXIT_FAIL;
  }
}

if (fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
