// `motedb import`: a flash image for a board, pre-populated from JSON or JSONL.
//
// The image is written by the database itself (MoteDB in flash mode over a SimFlash of the board's
// geometry), with the board's RAM budget, so what fits here opens on the board: the records of an
// image that would not fit the board's index are refused here with E_BUDGET, not there.

import { MoteDB } from "../src/index";
import { errorCode } from "../src/errors";
import { hostMemory, type Board } from "../src/ports/host";
import { SimFlash } from "../src/ports/simflash";
import { Fail } from "./cli-fail";

/** One record to import. Without a key the database makes one up (as put(doc) does). */
export interface ImportItem {
  key?: string;
  value: unknown;
  ttl?: number;
  /** Absolute expiry in seconds of the database clock (what `motedb dump` writes). */
  expires?: number;
  tags?: string[];
  /** Where the item came from, for messages: "item 3" or "line 7". */
  where: string;
}

/** Fields of a record wrapper: an object with `value` (or `doc`) and only these fields is a wrapper, anything else a document. */
const WRAPPER = ["key", "value", "doc", "ttl", "expires", "tags"];

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function toItem(v: unknown, where: string): ImportItem {
  if (!isPlain(v)) return { value: v, where };
  const names = Object.keys(v);
  const wrapped = ("value" in v || "doc" in v) && names.every((n) => WRAPPER.includes(n));
  if (!wrapped) return { value: v, where };
  if ("value" in v && "doc" in v) throw new Fail(where + ": has both value and doc: give one");
  const item: ImportItem = { value: "value" in v ? v.value : v.doc, where };
  if (v.key !== undefined) {
    if (typeof v.key !== "string") throw new Fail(where + ": key must be a string");
    item.key = v.key;
  }
  if (v.ttl !== undefined && v.ttl !== null) {
    if (typeof v.ttl !== "number") throw new Fail(where + ": ttl must be a number of seconds");
    item.ttl = v.ttl;
  }
  if (v.expires !== undefined && v.expires !== null) {
    if (typeof v.expires !== "number") throw new Fail(where + ": expires must be a time in seconds");
    if (item.ttl !== undefined) throw new Fail(where + ": has both ttl and expires: give one");
    item.expires = v.expires;
  }
  if (v.tags !== undefined && v.tags !== null) {
    if (!Array.isArray(v.tags) || !v.tags.every((t) => typeof t === "string")) throw new Fail(where + ": tags must be an array of strings");
    item.tags = v.tags as string[];
  }
  return item;
}

/**
 * The items of a JSON file (an array of documents or of {key, value|doc, ttl|expires, tags}) or of
 * a JSONL file (one such item a line).
 */
export function parseItems(text: string, name: string): ImportItem[] {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw new Fail(name + " is empty: give a JSON array or JSON lines");
  let whole: unknown;
  let parsed = false;
  try {
    whole = JSON.parse(body);
    parsed = true;
  } catch {
    // Not one JSON value: JSON lines, or broken JSON (reported below with its line).
  }
  if (parsed) {
    if (Array.isArray(whole)) return whole.map((v, i) => toItem(v, name + " item " + (i + 1)));
    // A file of one line that holds one object is JSONL of one record.
    if (isPlain(whole) && body.trim().indexOf("\n") < 0) return [toItem(whole, name + " line 1")];
    throw new Fail(name + " holds one JSON " + (isPlain(whole) ? "object" : typeof whole) + ": give an array of documents, or one document a line (JSONL)");
  }
  const lines = body.split(/\r?\n/);
  const items: ImportItem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      const why = String((e as Error).message).split("\n")[0];
      throw new Fail(name + " line " + (i + 1) + " is not JSON (" + why + ")" + (i === 0 && line.startsWith("[") ? ": the JSON array is malformed" : ""));
    }
    items.push(toItem(v, name + " line " + (i + 1)));
  }
  return items;
}

export interface ImportOptions {
  board: Board;
  /** The database time the records are written at, in seconds (TTLs count from it). */
  now: number;
  ramPercentage: number;
  /** Told how many items are done, now and then. */
  progress?: (done: number) => void;
}

export interface ImportResult {
  bytes: string;
  stored: number;
  /** Items whose `expires` had already passed at `now`: left out. */
  skipped: number;
  withTtl: number;
  budgetBytes: number;
  usedBytes: number;
  capacity: number;
  usedCapacity: number;
}

/** Write the items into a new image of the board's geometry; fails naming the item that cannot go in. */
export function buildImage(items: ImportItem[], o: ImportOptions): ImportResult {
  const f = o.board.flash;
  let flash: SimFlash;
  try {
    flash = new SimFlash(f.pageSize, f.pageCount, f.granularity);
  } catch (e) {
    throw new Fail("board " + o.board.id + " has a flash geometry MoteDB cannot use: " + String((e as Error).message));
  }
  const clock = { now: () => o.now };
  let db: MoteDB;
  try {
    db = new MoteDB({ inMemory: false, flash, memory: hostMemory(o.board.id), ramPercentage: o.ramPercentage, clock });
  } catch (e) {
    throw new Fail("board " + o.board.id + ": " + String((e as Error).message));
  }
  // A flush that fails in the background (E_FULL) is reported as an event: make it fail the import.
  let failure: unknown = undefined;
  db.on("error", (e: unknown) => {
    if (failure === undefined) failure = e;
  });
  let stored = 0;
  let skipped = 0;
  let withTtl = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    let ttl = it.ttl;
    if (it.expires !== undefined && it.expires !== 0) {
      ttl = it.expires - o.now;
      if (ttl <= 0) {
        skipped++;
        continue;
      }
    }
    try {
      // put(doc) would take a string document for a key: a batch of one says which it is.
      if (it.key !== undefined) db.put(it.key, it.value, ttl, it.tags);
      else db.putBatch([it.value], ttl, it.tags);
      if (failure !== undefined) throw failure;
    } catch (e) {
      throw new Fail(it.where + ": " + explain(e, o.board, stored));
    }
    stored++;
    if (ttl !== undefined && ttl !== 0) withTtl++;
    if (o.progress !== undefined && (i % 50 === 0 || i === items.length - 1)) o.progress(i + 1);
  }
  try {
    db.flush();
    if (failure !== undefined) throw failure;
  } catch (e) {
    throw new Fail("the last flush: " + explain(e, o.board, stored));
  }
  const s = db.stats();
  db.close();
  const fs = s.flash;
  return {
    bytes: flash.image(),
    stored,
    skipped,
    withTtl,
    budgetBytes: s.budgetBytes,
    usedBytes: s.usedBytes,
    capacity: fs !== undefined ? fs.capacity : 0,
    usedCapacity: fs !== undefined ? fs.usedCapacity : 0,
  };
}

/** The database's message, with what it means for an image. */
function explain(e: unknown, board: Board, stored: number): string {
  const msg = String((e as Error).message).split("\n")[0];
  const code = errorCode(e);
  if (code === "E_BUDGET") return msg + " (" + stored + " records fit the RAM budget of " + board.id + "; --ram-percentage sets the share the board will give)";
  if (code === "E_FULL") return msg + " (" + stored + " records fit the " + board.flash.pageCount + " pages of " + board.id + ")";
  return msg;
}
