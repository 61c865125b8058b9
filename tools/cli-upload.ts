// `motedb upload`: the Espruino module, and optionally a flash image, onto a board through the
// espruino CLI (EspruinoTools). Nothing here talks to a board itself: it plans one espruino
// command, shows it (--dry-run) or runs it.
//
// The module goes to a Storage file named "motedb", which is where require("motedb") looks on the
// board (--storage; the module is ASCII). An image goes where storageFlash() (src/ports/espruino.ts)
// reads it: page p in the Storage file "mdb<p>", which starts with `granularity` spare 0xFF bytes
// before the page's bytes. The espruino CLI reads --storage files as UTF-8, which would mangle
// binary pages, so the pages travel as a small program of base64 chunks that Storage.write()s them.

import { existsSync, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fill } from "../src/bytes";
import type { Board } from "../src/ports/host";
import { Fail } from "./cli-fail";

import { ROOT } from "./build-node";
export { ROOT };

/** Prefix of the page files storageFlash() uses by default. */
const PAGE_FILE = "mdb";
/** Printed by the board once the upload is done: the files MoteDB has in Storage. */
const CHECK = 'print("motedb files: "+require("Storage").list(/^(motedb$|' + PAGE_FILE + '[0-9]+$)/).join(" "))';

export interface UploadRequest {
  board: Board;
  port: string;
  /** The image's bytes (a byte string) and its file name, when one goes along. */
  image?: { bytes: string; name: string; pageSize: number; pageCount: number; granularity: number };
  /** The module file to put on the board. */
  module: string;
  baud?: number;
  /** Where the image program is written before the upload. */
  workDir: string;
}

export interface UploadPlan {
  /** The espruino CLI to run (a path, or "espruino" when none was found: the dry run still shows it). */
  espruino: string;
  found: boolean;
  args: string[];
  /** Files to write before running the command: path and byte-string contents. */
  files: { path: string; bytes: string }[];
  notes: string[];
}

/** The espruino CLI: $MOTEDB_ESPRUINO, a node_modules/.bin/espruino up from here or the package, or one on the PATH. */
export function findEspruino(): string | undefined {
  const env = process.env.MOTEDB_ESPRUINO;
  if (env !== undefined && env !== "") return env;
  for (const start of [process.cwd(), ROOT]) {
    let dir = start;
    for (;;) {
      const bin = join(dir, "node_modules", ".bin", "espruino");
      if (existsSync(bin)) return bin;
      const up = resolve(dir, "..");
      if (up === dir) break;
      dir = up;
    }
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "espruino"))) return join(dir, "espruino");
  }
  return undefined;
}

export function planUpload(r: UploadRequest): UploadPlan {
  const b = r.board;
  if (b.runtime !== "espruino") {
    throw new Fail(
      "board " + b.id + " runs " + b.runtime + ", not Espruino: copy dist/lua/motedb51.lua" +
        (r.image !== undefined ? " and the image (as motedb.img)" : "") + " with your firmware's file tool (nodemcu-tool, ESPlorer)",
    );
  }
  const notes: string[] = [];
  if (!existsSync(r.module)) notes.push(r.module + " does not exist yet: run `npm run build` first");
  else notes.push("module " + r.module + " (" + statSync(r.module).size + " bytes) -> Storage file \"motedb\"");
  const args = ["--port", r.port];
  if (r.baud !== undefined) args.push("-b", String(r.baud));
  args.push("--storage", "motedb:" + r.module);
  const files: { path: string; bytes: string }[] = [];
  if (r.image !== undefined) {
    const im = r.image;
    const f = b.flash;
    if (f.region !== undefined && f.region !== "storage") {
      throw new Fail("board " + b.id + " keeps MoteDB in a raw flash region (" + f.region + "): upload writes images to Storage-backed boards only");
    }
    if (im.pageSize !== f.pageSize || im.pageCount !== f.pageCount || im.granularity !== f.granularity) {
      throw new Fail(
        im.name + " was made for " + im.pageCount + " pages of " + im.pageSize + " bytes (granularity " + im.granularity + "), board " + b.id +
          " has " + f.pageCount + " x " + f.pageSize + " (granularity " + f.granularity + "): import it again with --board " + b.id,
      );
    }
    const path = join(r.workDir, "motedb-image.js");
    files.push({ path, bytes: imageScript(im) });
    notes.push("image " + im.name + " -> Storage files " + PAGE_FILE + "0.." + PAGE_FILE + (im.pageCount - 1) + " by " + path + " (open it with storageFlash({ pageCount: " + im.pageCount + " }))");
  }
  // Storage keeps a 32-byte header a file; more than it holds fails on the board, halfway.
  const storage = (b as { storage?: { bytes?: number } }).storage;
  if (storage !== undefined && typeof storage.bytes === "number" && existsSync(r.module)) {
    let need = statSync(r.module).size + 32;
    if (r.image !== undefined) need += r.image.pageCount * (r.image.pageSize + r.image.granularity + 32);
    if (need > storage.bytes) {
      notes.push("warning: this needs " + need + " bytes of Storage and " + b.id + " has " + storage.bytes + " in all: use the kv build (--kv), fewer pages, or send the module to RAM with the Web IDE");
    }
  }
  // A colon splits the espruino CLI's --storage argument: a path with one would be misread.
  if (r.module.includes(":")) throw new Fail("cannot upload a module whose path holds a colon: " + r.module);
  for (const f of files) args.push(f.path);
  // With no program and no -e, the espruino CLI opens a terminal instead of uploading.
  args.push("-e", CHECK);
  const found = findEspruino();
  return { espruino: found ?? "espruino", found: found !== undefined, args, files, notes };
}

/** Bytes of a page written by one line of the image program (base64 makes 4 characters of 3 bytes). */
const CHUNK = 384;

/**
 * The program that writes an image into Storage files: each page file is created erased at its
 * full size, then only its chunks that hold data are written (Storage writes over 0xFF bytes only,
 * which erased bytes are).
 */
export function imageScript(im: { bytes: string; pageSize: number; pageCount: number; granularity: number }): string {
  const erased = fill(255, CHUNK);
  const lines = ["var S=require(\"Storage\");"];
  for (let p = 0; p < im.pageCount; p++) {
    const name = JSON.stringify(PAGE_FILE + p);
    const page = im.bytes.substring(p * im.pageSize, (p + 1) * im.pageSize);
    lines.push("S.write(" + name + ",atob(\"" + b64(fill(255, im.granularity)) + "\"),0," + (im.pageSize + im.granularity) + ");");
    for (let at = 0; at < page.length; at += CHUNK) {
      const chunk = page.substring(at, at + CHUNK);
      if (chunk === erased.substring(0, chunk.length)) continue;
      lines.push("S.write(" + name + ",atob(\"" + b64(chunk) + "\")," + (im.granularity + at) + ");");
    }
  }
  return lines.join("\n") + "\n";
}

function b64(bytes: string): string {
  return Buffer.from(bytes, "latin1").toString("base64");
}

/** A shell-quoted command line, to show what would run. */
export function shellLine(cmd: string, args: string[]): string {
  const q = (s: string) => (/^[A-Za-z0-9_\/.,:=+-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'");
  return [cmd].concat(args).map(q).join(" ");
}
