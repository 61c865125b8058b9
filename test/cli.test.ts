// The motedb command, run as a user runs it: a subprocess of bin/motedb.js, on images the tests
// make (with the command itself, or with the database on a SimFlash for torn ones), checking
// stdout, stderr and exit codes. A failure must be one line on stderr, never a stack trace.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MoteDB } from "../src/index";
import { hostMemory, loadBoard } from "../src/ports/host";
import { SimFlash } from "../src/ports/simflash";
import { dataAt } from "../src/page";
import { crc32 } from "node:zlib";

const ROOT = join(__dirname, "..");
const BIN = join(ROOT, "bin/motedb.js");
const NOW = 1_763_700_000;
/** Each run starts node and tsx (about 0.3 s): a test with several runs needs more than 5 s on a busy machine. */
const SLOW = 60_000;
const puck = loadBoard("puck-js");
const PAGE = puck.flash.pageSize;
const PAGES = puck.flash.pageCount;
const G = puck.flash.granularity;

let dir = "";

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(args: string[], env: Record<string, string> = {}, input?: string): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, MOTEDB_DEBUG: "", ...env },
    input,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A failure as the rules want it: a non-zero exit and exactly one line on stderr, no stack. */
function expectOneLineFailure(r: Run, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.err).toMatch(/^motedb: .+\n$/);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err).toMatch(pattern);
}

function path(name: string): string {
  return join(dir, name);
}

/** 40 sensor records (every third without TTL), with keys, tags and TTLs, and two plain documents. */
function sensorItems(): unknown[] {
  const items: unknown[] = [];
  for (let i = 0; i < 40; i++) {
    const item: Record<string, unknown> = { key: "s" + String(i).padStart(3, "0"), value: { t: 20 + i / 10, room: i % 2 === 0 ? "hall" : "attic" }, tags: ["temp"] };
    if (i % 3 !== 0) item.ttl = 600;
    items.push(item);
  }
  items.push({ hello: "a plain document", n: [1, 2, 3] });
  items.push({ key: "cfg", doc: { interval: 10, name: "ünïcode ☃" } });
  return items;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "motedb-cli-"));
  writeFileSync(path("sensors.json"), JSON.stringify(sensorItems()));
  const r = run(["import", "sensors.json", "--board", "puck-js", "-o", "sensors.img", "--now", String(NOW), "--ram-percentage", "40"]);
  if (r.code !== 0) throw new Error("import failed: " + r.err);
}, SLOW);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("motedb import", { timeout: SLOW }, () => {
  it("writes an image of the board's geometry and says what it holds", () => {
    const img = readFileSync(path("sensors.img"));
    expect(img.length).toBe(PAGE * PAGES);
    const r = run(["import", "sensors.json", "--board", "puck-js", "-o", "again.img", "--now", String(NOW), "--ram-percentage", "40"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote again\.img: 42 records \(26 with a TTL\) for puck-js, 8 pages of 4096 bytes/);
    // The same input at the same time gives the same bytes: images are reproducible.
    expect(readFileSync(path("again.img")).equals(img)).toBe(true);
  });

  it("opens in the database on the board's flash with every record, tag and TTL", () => {
    const flash = new SimFlash(PAGE, PAGES, G, readFileSync(path("sensors.img")).toString("latin1"));
    const db = new MoteDB({ inMemory: false, flash, memory: hostMemory(10_000_000), clock: { now: () => NOW + 1 } });
    expect(db.count()).toBe(42);
    expect(db.get("s007")).toEqual({ t: 20.7, room: "attic" });
    expect(db.get("cfg")).toEqual({ interval: 10, name: "ünïcode ☃" });
    expect(db.count({ tags: "temp" })).toBe(40);
    expect(db.query({ hello: { $exists: true } })).toEqual([{ hello: "a plain document", n: [1, 2, 3] }]);
    db.close();
    const later = new MoteDB({ inMemory: false, flash: flash.clone(), memory: hostMemory(10_000_000), clock: { now: () => NOW + 601 } });
    expect(later.count()).toBe(42 - 26);
    later.close();
  });

  it("reads JSON lines, and stdin as '-'", () => {
    const lines = ['{"key":"a","value":1,"tags":["x"]}', '{"key":"b","value":{"v":2},"ttl":60}', "", '"just a string"'];
    writeFileSync(path("in.jsonl"), lines.join("\n") + "\n");
    const r = run(["import", "in.jsonl", "--board", "puck-js", "-o", "lines.img", "--now", String(NOW)]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("3 records (1 with a TTL)");
    const fromStdin = run(["import", "-", "--board", "puck-js", "-o", "stdin.img", "--now", String(NOW)], {}, lines.join("\n"));
    expect(fromStdin.code).toBe(0);
    expect(readFileSync(path("stdin.img")).equals(readFileSync(path("lines.img")))).toBe(true);
  });

  it("leaves out records whose expiry has passed, and keeps absolute expiries", () => {
    writeFileSync(path("exp.json"), JSON.stringify([{ key: "old", value: 1, expires: NOW - 5 }, { key: "new", value: 2, expires: NOW + 100 }]));
    const r = run(["import", "exp.json", "--board", "puck-js", "-o", "exp.img", "--now", String(NOW)]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("left out 1 records whose expiry had passed");
    const d = JSON.parse(run(["dump", "exp.img"]).out);
    expect(d).toEqual([{ key: "new", expires: NOW + 100, value: 2 }]);
  });

  it("shows a progress bar with --progress", () => {
    const r = run(["import", "sensors.json", "--board", "puck-js", "-o", "p.img", "--now", String(NOW), "--ram-percentage", "40", "--progress"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/importing \[.*\] 100% 42\/42 records/);
  });

  it("refuses what the board cannot hold, naming the item, and writes nothing", () => {
    const many = [];
    for (let i = 0; i < 400; i++) many.push({ key: "k" + i, value: { i, pad: "x".repeat(20) } });
    writeFileSync(path("many.json"), JSON.stringify(many));
    const r = run(["import", "many.json", "--board", "puck-js", "-o", "many.img", "--now", String(NOW)]);
    expectOneLineFailure(r, 1, /many\.json item \d+: E_BUDGET: .*records fit the RAM budget of puck-js/);
    expect(existsSync(path("many.img"))).toBe(false);
  });

  it("rejects bad input files and options with one line", () => {
    writeFileSync(path("broken.json"), '[{"a": 1},\n{"b": }]');
    writeFileSync(path("object.json"), '{\n"a": 1\n}');
    writeFileSync(path("empty.json"), "");
    writeFileSync(path("badtags.json"), JSON.stringify([{ key: "a", value: 1, tags: "x" }]));
    writeFileSync(path("badkey.json"), JSON.stringify([{ key: "", value: 1 }]));
    const base = ["--board", "puck-js", "-o", "x.img"];
    expectOneLineFailure(run(["import", "nope.json", ...base]), 1, /nope\.json: no such file or directory/);
    expectOneLineFailure(run(["import", "broken.json", ...base]), 1, /broken\.json line 1 is not JSON/);
    expectOneLineFailure(run(["import", "object.json", ...base]), 1, /holds one JSON object: give an array/);
    expectOneLineFailure(run(["import", "empty.json", ...base]), 1, /empty\.json is empty/);
    expectOneLineFailure(run(["import", "badtags.json", ...base]), 1, /item 1: tags must be an array of strings/);
    expectOneLineFailure(run(["import", "badkey.json", ...base]), 1, /item 1: E_KEY: key: a non-empty string, not ""/);
    expectOneLineFailure(run(["import", "sensors.json", "--board", "no-such-board", "-o", "x.img"]), 2, /unknown board 'no-such-board': known are .*puck-js/);
    expectOneLineFailure(run(["import", "sensors.json", "-o", "x.img"]), 2, /required option '--board <id>' not specified/);
    expectOneLineFailure(run(["import", "sensors.json", ...base, "--now", "soon"]), 2, /--now must be a number/);
    expectOneLineFailure(run(["import", "sensors.json", "--board", "puck-js", "-o", "no/such/dir/x.img", "--ram-percentage", "40"]), 1, /cannot write no\/such\/dir\/x\.img/);
    expect(existsSync(path("x.img"))).toBe(false);
  });
});

describe("motedb inspect, dump, verify", { timeout: SLOW }, () => {
  it("inspect shows the format version, the page table and the record counts", () => {
    const r = run(["inspect", "sensors.img"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("sensors.img: MoteDB flash image, format version 1");
    expect(r.out).toContain("8 pages of 4096 bytes, granularity 4");
    expect(r.out).toContain("42 live (26 with a TTL), 0 expired; on flash 42 puts, 0 deletes, 0 purges");
    expect(r.out).toMatch(/page\s+state\s+seq\s+erases\s+frames\s+live B\s+garbage B/);
    expect(r.out.match(/^\s+\d+\s+(data|free)\s/gm)?.length).toBe(PAGES);
    expect(r.out).toContain("problems: none");
    const j = JSON.parse(run(["inspect", "--json", "sensors.img"]).out);
    expect(j.formatVersion).toBe(1);
    expect(j.records).toEqual({ live: 42, withTtl: 26, expired: 0, onFlash: { put: 42, delete: 0, purge: 0 } });
    expect(j.pages).toHaveLength(PAGES);
    expect(j.time).toBe(NOW);
    // The live bytes of the pages are the records' sizes; nothing is counted twice.
    const live = j.pages.reduce((s: number, p: { live: number }) => s + p.live, 0);
    expect(live).toBe(j.liveBytes);
    expect(live).toBeGreaterThan(42 * 14);
  });

  it("dump prints the live records with keys, tags and expiry, and round-trips through import", () => {
    const r = run(["dump", "sensors.img"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { key: string; tags?: string[]; expires?: number; value: unknown }[];
    expect(rows).toHaveLength(42);
    expect(r.out).toContain('\n  {\n    "key": ');
    expect(rows.find((x) => x.key === "s001")).toEqual({ key: "s001", tags: ["temp"], expires: NOW + 600, value: { room: "attic", t: 20.1 } });
    expect(rows.find((x) => x.key === "s000")).toEqual({ key: "s000", tags: ["temp"], value: { room: "hall", t: 20 } });
    expect(rows.find((x) => x.key === "cfg")?.value).toEqual({ interval: 10, name: "ünïcode ☃" });
    expect(rows.map((x) => x.key)).toEqual(rows.map((x) => x.key).slice().sort());

    const lines = run(["dump", "--jsonl", "sensors.img"]).out.trim().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(rows);

    writeFileSync(path("dump.json"), r.out);
    expect(run(["import", "dump.json", "--board", "puck-js", "-o", "round.img", "--now", String(NOW), "--ram-percentage", "40"]).code).toBe(0);
    expect(run(["dump", "round.img"]).out).toBe(r.out);
  });

  it("verify passes a healthy image with exit 0", () => {
    const r = run(["verify", "sensors.img"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^sensors\.img: healthy: 8 pages, \d+ flushes, 42 live records/);
  });

  it("verify reports a flipped bit in a record, a bad page header and a cut file, with exit 1", () => {
    const img = readFileSync(path("sensors.img"));
    const recordHit = Buffer.from(img);
    recordHit[dataAt(G) + 20 + 30] ^= 0x08; // inside the first record of the first frame
    writeFileSync(path("bitflip.img"), recordHit);
    const headerHit = Buffer.from(img);
    headerHit[PAGE * 3 + 17] ^= 0x01; // the sequence number of page 3's header
    writeFileSync(path("header.img"), headerHit);
    writeFileSync(path("cut.img"), img.subarray(0, PAGE * 5 + 100));

    const a = run(["verify", "bitflip.img"]);
    expect(a.code).toBe(1);
    expect(a.out).toMatch(/bitflip\.img: 1 problem:\n\s+frame at \d+ \(flush 1\): a record fails its CRC/);
    const b = run(["verify", "header.img"]);
    expect(b.code).toBe(1);
    expect(b.out).toContain("page 3: its header fails its CRC");
    const c = run(["verify", "cut.img"]);
    expect(c.code).toBe(1);
    expect(c.out).toContain("the file holds 20580 bytes, but 8 pages of 4096 take 32768: it is cut short");
    // The damaged flush is left out of the live records, as a device opening the image would.
    const rows = JSON.parse(run(["dump", "bitflip.img"]).out);
    expect(rows.length).toBeLessThan(42);
    expect(run(["inspect", "bitflip.img"]).out).toContain("problems: 1");
  });

  it("shows what a device would recover from an image cut by a power loss", () => {
    // Flushes of 10 records each, then a power cut in the middle of the next flush's program.
    const flash = new SimFlash(PAGE, PAGES, G);
    const db = new MoteDB({ inMemory: false, flash, memory: hostMemory(10_000_000), clock: { now: () => NOW } });
    for (let i = 0; i < 30; i++) db.put("k" + String(i).padStart(2, "0"), { i });
    db.flush();
    for (let i = 30; i < 35; i++) db.put("k" + i, { i });
    flash.powerCut(0, 0.5);
    expect(() => db.flush()).toThrow();
    writeFileSync(path("torn.img"), Buffer.from(flash.image(), "latin1"));

    const v = run(["verify", "torn.img"]);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/problem/);
    const rows = JSON.parse(run(["dump", "torn.img"]).out) as { key: string }[];
    expect(rows.map((x) => x.key)).toEqual(Array.from({ length: 30 }, (_, i) => "k" + String(i).padStart(2, "0")));
    // The file itself was only read.
    expect(readFileSync(path("torn.img")).toString("latin1")).toBe(flash.image());
  });

  it("rejects files that are no image with one line", () => {
    writeFileSync(path("junk.bin"), "hello world ".repeat(1000));
    writeFileSync(path("empty.img"), "");
    writeFileSync(path("blank.img"), Buffer.alloc(PAGE * PAGES, 0xff));
    expectOneLineFailure(run(["inspect", "junk.bin"]), 1, /junk\.bin is not a MoteDB flash image/);
    expectOneLineFailure(run(["dump", "missing.img"]), 1, /missing\.img: no such file/);
    expectOneLineFailure(run(["wear", "empty.img"]), 1, /not a MoteDB flash image.*the file is empty/);
    expectOneLineFailure(run(["verify", "blank.img"]), 1, /no page holds a MoteDB header/);
    expectOneLineFailure(run(["dump", "."]), 1, /\.: is a directory/);
    const newer = readFileSync(path("sensors.img"));
    newer[4] = 2; // a format version from the future, with its CRC made good again
    fixHeaderCrc(newer, 0);
    writeFileSync(path("newer.img"), newer);
    expectOneLineFailure(run(["inspect", "newer.img"]), 1, /E_CORRUPT: image format version 2: update MoteDB/);
  });
});

describe("motedb wear", { timeout: SLOW }, () => {
  it("draws erase counts and use per page as SVG", () => {
    const r = run(["wear", "sensors.img", "--svg", "wear.svg"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote wear\.svg: 8 pages, erases 0\.\.0/);
    const svg = readFileSync(path("wear.svg"), "utf8");
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    for (let p = 0; p < PAGES; p++) expect(svg).toContain("<title>page " + p + " (");
    expect(svg).toContain("MoteDB flash wear: sensors.img");
    // Every element that opens closes: a well-formed document, element by element.
    const opened = (svg.match(/<(rect|text|title|svg|line)[\s>]/g) ?? []).length;
    const closed = (svg.match(/<\/(rect|text|title|svg|line)>|\/>/g) ?? []).length;
    expect(closed).toBe(opened);
  });

  it("shows erase counts of a worn image as text", () => {
    const flash = new SimFlash(1024, 16, 4);
    let t = NOW;
    const db = new MoteDB({ inMemory: false, flash, memory: hostMemory(10_000_000), clock: { now: () => t } });
    for (let i = 0; i < 1500; i++) {
      db.put("k" + (i % 20), { i, pad: "x".repeat(40) });
      t++;
    }
    db.close();
    writeFileSync(path("worn.img"), Buffer.from(flash.image(), "latin1"));
    const r = run(["wear", "worn.img"]);
    expect(r.code).toBe(0);
    const counts = [...r.out.matchAll(/page\s+(\d+)\s+(\d+)/g)].map((m) => Number(m[2]));
    expect(counts).toHaveLength(16);
    expect(counts).toEqual(flashErases(flash));
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });
});

describe("motedb upload", { timeout: SLOW }, () => {
  it("--dry-run prints the espruino command for the module and the image", () => {
    const r = run(["upload", "--board", "puck-js", "--port", "/dev/ttyACM0", "--image", "sensors.img", "--dry-run"], { MOTEDB_ESPRUINO: "/opt/espruino" });
    expect(r.code).toBe(0);
    const cmd = r.out.trim().split("\n").pop() as string;
    expect(cmd).toMatch(/^\/opt\/espruino --port \/dev\/ttyACM0 --storage motedb:\S+\/dist\/espruino\/motedb\.min\.js \S+\/motedb-image\.js -e '/);
    expect(r.out).toContain("image sensors.img -> Storage files mdb0..mdb7");
    const kv = run(["upload", "--board", "puck-js", "--port", "/dev/ttyACM0", "--kv", "-b", "115200", "--dry-run"], { MOTEDB_ESPRUINO: "/opt/espruino" });
    expect(kv.out).toMatch(/--port \/dev\/ttyACM0 -b 115200 --storage motedb:\S+motedb-kv\.min\.js -e /);
  });

  it("runs the espruino CLI, whose program writes the image's pages into Storage files", () => {
    // A stand-in for the espruino CLI: it runs the program it is given against a Storage that
    // behaves as Espruino's (write(name, data, offset, size)), and saves the files it ends with.
    writeFileSync(path("module.js"), "exports.MoteDB=1;\n");
    writeFileSync(
      path("fake-espruino"),
      `#!${process.execPath}
const fs = require("fs");
const args = process.argv.slice(2);
const files = {};
const S = { write(name, data, offset, size) {
  if (offset === 0 && size !== undefined) files[name] = Buffer.alloc(size, 0xff);
  const f = files[name], b = Buffer.from(data, "latin1");
  for (let i = 0; i < b.length; i++) { if (f[offset + i] !== 0xff) throw new Error("write over data"); f[offset + i] = b[i]; }
  return true;
} };
const atob = (s) => Buffer.from(s, "base64").toString("latin1");
const require2 = (m) => { if (m !== "Storage") throw new Error(m); return S; };
const program = args.find((a) => a.endsWith(".js") && !a.includes(":"));
if (program) new Function("require", "atob", fs.readFileSync(program, "utf8"))(require2, atob);
const out = {};
for (const k in files) out[k] = files[k].toString("base64");
fs.writeFileSync(process.env.FAKE_OUT, JSON.stringify({ args, files: out }));
`,
    );
    chmodSync(path("fake-espruino"), 0o755);
    const r = run(["upload", "--board", "puck-js", "--port", "/dev/ttyACM0", "--image", "sensors.img", "--module", "module.js"], {
      MOTEDB_ESPRUINO: path("fake-espruino"),
      FAKE_OUT: path("fake-out.json"),
    });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const got = JSON.parse(readFileSync(path("fake-out.json"), "utf8")) as { args: string[]; files: Record<string, string> };
    expect(got.args.slice(0, 4)).toEqual(["--port", "/dev/ttyACM0", "--storage", "motedb:module.js"]);
    const img = readFileSync(path("sensors.img"));
    expect(Object.keys(got.files).sort()).toEqual(Array.from({ length: PAGES }, (_, p) => "mdb" + p).sort());
    for (let p = 0; p < PAGES; p++) {
      const want = Buffer.concat([Buffer.alloc(G, 0xff), img.subarray(p * PAGE, (p + 1) * PAGE)]);
      expect(Buffer.from(got.files["mdb" + p], "base64").equals(want)).toBe(true);
    }
    // The program it wrote is gone afterwards.
    expect(existsSync(dirname(got.args[4]))).toBe(false);
  });

  it("says clearly when the espruino CLI or the module is missing, or the image does not fit the board", () => {
    const noCli = run(["upload", "--board", "puck-js", "--port", "/dev/ttyACM0", "--module", "module.js"], { MOTEDB_ESPRUINO: "", PATH: "/nonexistent" });
    expectOneLineFailure(noCli, 1, /the espruino CLI is not installed: npm install -g espruino/);
    const noModule = run(["upload", "--board", "puck-js", "--port", "/dev/ttyACM0", "--module", "nope.js"], { MOTEDB_ESPRUINO: "/opt/espruino" });
    expectOneLineFailure(noModule, 1, /nope\.js does not exist yet: run `npm run build` first/);
    const wrongGeometry = run(["upload", "--board", "puck-js", "--port", "p", "--image", "worn.img", "--dry-run"]);
    expectOneLineFailure(wrongGeometry, 1, /worn\.img was made for 16 pages of 1024 bytes .* import it again with --board puck-js/);
    expectOneLineFailure(run(["upload", "--port", "p"]), 2, /required option '--board <id>'/);
    const lua = run(["upload", "--board", "nodemcu-esp8266", "--port", "p", "--dry-run"]);
    expectOneLineFailure(lua, 1, /board nodemcu-esp8266 runs nodemcu, not Espruino: copy dist\/lua\/motedb51\.lua/);
  });
});

describe("motedb demo and usage", { timeout: SLOW }, () => {
  it("demo runs the sensor cache on the default board and on a named one", () => {
    const r = run(["demo"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("MoteDB demo on the host simulator, playing Puck.js");
    expect(r.out).toMatch(/an hour later: \d+ records left/);
    expect(run(["demo", "--board", "pixl-js"]).out).toContain("playing Pixl.js");
    expectOneLineFailure(run(["demo", "--board", "nope"]), 2, /unknown board 'nope'/);
  });

  it("boards lists every board profile, as the README's Markdown table", () => {
    const r = run(["boards", "--markdown"]);
    expect(r.code).toBe(0);
    const rows = r.out.trim().split("\n");
    expect(rows[0]).toBe("| board | name | runtime | free RAM (B) | default budget (B) | flash pages | flash region |");
    expect(rows.length).toBe(2 + readdirSync(join(ROOT, "boards")).filter((f) => f.endsWith(".json")).length);
    expect(r.out).toContain("| `puck-js` | " + puck.name + " | espruino | " + puck.freeBytes + " | 15% / " + puck.scale + " = " + new MoteDB({ memory: hostMemory("puck-js") }).stats().budgetBytes + " | 8 x 4096 B, granularity 4 | storage |");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(r.out.trim());
  });

  it("has help, a version, and one-line usage errors with exit 2", () => {
    const help = run(["--help"]);
    expect(help.code).toBe(0);
    for (const c of ["inspect", "dump", "import", "verify", "wear", "upload", "demo"]) expect(help.out).toContain("  " + c);
    expect(run(["--version"]).out.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
    expectOneLineFailure(run(["frobnicate"]), 2, /unknown command 'frobnicate'/);
    expectOneLineFailure(run(["inspect"]), 2, /missing required argument 'image'/);
    expectOneLineFailure(run(["dump", "sensors.img", "--yaml"]), 2, /unknown option '--yaml'/);
    expect(run([]).code).toBe(2);
  });
});


function flashErases(f: SimFlash): number[] {
  // The erase counts the page headers carry, as the log keeps them.
  const out: number[] = [];
  for (let p = 0; p < f.pageCount; p++) out.push(Buffer.from(f.read(p * f.pageSize + 20, 4), "latin1").readUInt32BE(0));
  return out;
}

function fixHeaderCrc(b: Buffer, at: number): void {
  b.writeUInt32BE(crc32(b.subarray(at, at + 24)), at + 24);
}
