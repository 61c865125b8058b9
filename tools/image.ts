// Flash images on the host, for the motedb command: load one from a file (its geometry comes from
// its own page headers), read it page by page and record by record, and make one for a board.
//
// The bytes are read by the core's own code: inspectImage (src/image.ts) for pages, frames and
// CRCs, and the log's recovery (FlashLog.open in src/log.ts) for what a device would see as live.
// Recovery repairs what a power cut left, so it only ever runs on a copy in RAM (a SimFlash): the
// file itself is never written by a command that reads it.

import { readFileSync } from "node:fs";
import { E_CORRUPT, moteError } from "../src/errors";
import { Image, inspectImage } from "../src/image";
import { FlashLog, LogRecord } from "../src/log";
import { dataAt, imageGeometry, readPageHeader } from "../src/page";
import { T_DEL, T_PURGE, T_PUT } from "../src/record";
import { Retry } from "../src/retry";
import { SimFlash } from "../src/ports/simflash";
import { Fail } from "./cli-fail";

export interface Geometry {
  pageSize: number;
  pageCount: number;
  granularity: number;
}

export interface LoadedImage extends Geometry {
  path: string;
  /** The whole region as a byte string, padded with 0xFF when the file is short. */
  bytes: string;
  /** The file's own length. */
  fileBytes: number;
  /** The format version of the first good page header. */
  version: number;
}

/**
 * The geometry the image's page headers record (the core's imageGeometry). A header of a newer
 * format version is refused with the core's own error (E_CORRUPT): that image is not for this MoteDB.
 */
export function geometryOf(bytes: string): (Geometry & { version: number }) | undefined {
  const geo = imageGeometry((at, len) => bytes.substring(at, at + len), bytes.length);
  if (geo === undefined) return undefined;
  readPageHeader(bytes.substring(geo.at, geo.at + dataAt(geo.granularity)), geo.pageSize, geo.pageCount, geo.granularity);
  return geo;
}

/** Read an image file; fails with one line when it is missing or not a MoteDB image. */
export function loadImage(path: string): LoadedImage {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new Fail(path + ": no such file");
    if (code === "EISDIR") throw new Fail(path + ": is a directory, not an image file");
    throw new Fail(path + ": cannot read it (" + String(code ?? e) + ")");
  }
  const bytes = raw.toString("latin1");
  const geo = geometryOf(bytes);
  if (geo === undefined) {
    throw new Fail(path + " is not a MoteDB flash image: no page holds a MoteDB header" + (raw.length === 0 ? " (the file is empty)" : ""));
  }
  const want = geo.pageSize * geo.pageCount;
  const padded = bytes.length >= want ? bytes.substring(0, want) : bytes + "\xff".repeat(want - bytes.length);
  return { path, bytes: padded, fileBytes: raw.length, ...geo };
}

/** A copy of the image in RAM, to read or to open a database on without touching the file. */
export function flashOf(im: LoadedImage): SimFlash {
  return new SimFlash(im.pageSize, im.pageCount, im.granularity, im.bytes);
}

/** A record a device would find live when it opens the image. */
export interface LiveRecord {
  key: string;
  value: unknown;
  tags: string[] | undefined;
  /** Expiry in seconds of the database's clock, 0 for never. */
  expiry: number;
  at: number;
  page: number;
  size: number;
}

/** One row of the page table. */
export interface PageRow {
  page: number;
  state: string;
  seq: number;
  erases: number;
  frames: number;
  /** Bytes of live records in the page. */
  live: number;
  /** Bytes of frames that hold nothing live: what garbage collection would reclaim. */
  garbage: number;
  /** Bytes the page holds for frames (the page less its header and mark). */
  capacity: number;
}

export interface ImageReport {
  image: LoadedImage;
  pages: PageRow[];
  /** Live records in key order. */
  live: LiveRecord[];
  /** The database time the log carries: the latest time any flush recorded. */
  time: number;
  /** Records whose expiry had passed at that time (a device drops them when it opens the image). */
  expired: number;
  /** Records of each type on flash, live or not. */
  onFlash: { put: number; delete: number; purge: number };
  flushes: number;
  problems: string[];
}

/** What the log's recovery makes of the image: the records of every complete flush, applied in order. */
function recover(im: LoadedImage): { records: Map<string, LogRecord>; time: number } {
  const clock = { now: () => 0 };
  const log = new FlashLog(flashOf(im), new Retry({ clock: clock, maxRetries: 0, retryDelay: 0, lockTimeout: 0 }));
  const records = new Map<string, LogRecord>();
  log.open((recs: LogRecord[]) => {
    for (const r of recs) {
      if (r.type_ === T_PURGE) records.clear();
      else if (r.type_ === T_DEL) records.delete(r.key_);
      else if (r.type_ === T_PUT) records.set(r.key_, r);
    }
  });
  return { records, time: log.time };
}

/** Read everything: the page table, the live records, the problems. */
export function readImage(im: LoadedImage): ImageReport {
  const flash = flashOf(im);
  const img: Image = inspectImage(flash);
  const problems = img.problems.slice();
  const want = im.pageSize * im.pageCount;
  if (im.fileBytes < want) problems.unshift("the file holds " + im.fileBytes + " bytes, but " + im.pageCount + " pages of " + im.pageSize + " take " + want + ": it is cut short");
  if (im.fileBytes > want) problems.unshift("the file holds " + (im.fileBytes - want) + " bytes past its last page");

  let rec: { records: Map<string, LogRecord>; time: number };
  try {
    rec = recover(im);
  } catch (e) {
    throw moteError(E_CORRUPT, im.path + ": recovery cannot read it: " + String((e as Error).message));
  }
  // inspectImage decoded every record it read: live ones are looked up by address, not decoded again.
  const valueAt = new Map<number, unknown>();
  for (const r of img.records) if (r.type === "put") valueAt.set(r.at, r.value);
  const live: LiveRecord[] = [];
  let expired = 0;
  const liveByPage = new Array<number>(im.pageCount).fill(0);
  for (const r of rec.records.values()) {
    if (r.x > 0 && r.x <= rec.time) {
      expired++;
      continue;
    }
    const page = Math.floor(r.at / im.pageSize);
    liveByPage[page] += r.size_;
    live.push({ key: r.key_, value: valueAt.get(r.at), tags: r.tags_, expiry: r.x, at: r.at, page, size: r.size_ });
  }
  live.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const d0 = dataAt(im.granularity);
  const pages: PageRow[] = img.pages.map((p) => {
    const used = p.state === "data" ? (p.closed ? im.pageSize : p.end) - d0 : 0;
    return {
      page: p.page,
      state: p.state,
      seq: p.seq,
      erases: p.erases,
      frames: p.frames.length,
      live: liveByPage[p.page],
      garbage: Math.max(0, used - liveByPage[p.page]),
      capacity: im.pageSize - d0,
    };
  });
  const onFlash = { put: 0, delete: 0, purge: 0 };
  const flushIds = new Set<number>();
  for (const r of img.records) {
    if (r.type === "put" || r.type === "delete" || r.type === "purge") onFlash[r.type]++;
    flushIds.add(r.flush);
  }
  return { image: im, pages, live, time: rec.time, expired, onFlash, flushes: flushIds.size, problems };
}
