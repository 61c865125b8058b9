// Flash mode on the simulator (SimFlash: NOR rules, counts of programs and erases per page).
//
// Per page size and record count: put every record (flushes included) and read them all back in a
// shuffled order (ops/s); the flash bytes each record takes beyond its user data (key, document
// and tags in canonical bytes): measured as the space the log consumed, from each page's start to
// its last programmed byte, less that of an empty database; and the time to open (recover) the
// database from that image.
// Then a wear run per page size: a flash kept 40% full of live data, overwritten at random until
// several times its capacity has been programmed; write amplification is bytes programmed over
// bytes of user data written in that steady state, and erase spread is max / mean erases per page.

import { encode } from "../../src/codec";
import { MoteDB } from "../../src/index";
import { hostMemory } from "../../src/ports/host";
import { SimFlash } from "../../src/ports/simflash";
import { key, reading, tagsOf } from "./data";
import { NO_TIMERS } from "./host";
import { collect, median, rng, shuffled, timeSyncMs } from "./measure";

export const GRANULARITY = 4;

export interface FlashRow {
  pageSize: number;
  pageCount: number;
  n: number;
  putPerSec: number;
  getPerSec: number;
  /** User data per record: key, document and tags, canonical bytes. */
  userBytesPerRecord: number;
  /** Flash bytes a record consumes beyond its user data (headers, CRCs, frames, padding, page headers). */
  overheadPerRecord: number;
  /** Median milliseconds to open the database from the flash image. */
  recoveryMs: number;
}

export interface WearRow {
  pageSize: number;
  pageCount: number;
  records: number;
  /** Flash consumed by live records (overhead included) over the flash's size, at the start. */
  fill: number;
  overwrites: number;
  overwritePerSec: number;
  writeAmplification: number;
  eraseSpread: number;
  erasesMean: number;
}

export interface FlashSection {
  granularity: number;
  rows: FlashRow[];
  wear: WearRow[];
}

const clock = { now: () => 1_700_000_000 };

function open(flash: SimFlash): MoteDB {
  return new MoteDB({ inMemory: false, flash, memory: hostMemory(1e12), clock, scheduler: NO_TIMERS });
}

function userBytes(i: number, doc: unknown): number {
  return Buffer.byteLength(key(i)) + encode(doc, Infinity).length + encode(tagsOf(i), Infinity).length;
}

/** Bytes of flash in use: in each page, up to its last byte that is not erased. */
function consumed(flash: SimFlash): number {
  let total = 0;
  for (const page of flash.pages) {
    let end = page.length;
    while (end > 0 && page.charCodeAt(end - 1) === 255) end--;
    total += end;
  }
  return total;
}

function pagesFor(pageSize: number, bytes: number): number {
  return Math.max(8, Math.ceil(bytes / pageSize) + 4);
}

function fillRow(pageSize: number, n: number, recoveries: number, log: (s: string) => void): FlashRow {
  log("flash page=" + pageSize + " n=" + n);
  // Generous room (records take well under 200 bytes), so no garbage collection runs here.
  const pageCount = pagesFor(pageSize, n * 200);
  const empty = new SimFlash(pageSize, pageCount, GRANULARITY);
  open(empty).close();
  const base = consumed(empty);
  let user = 0;
  for (let i = 0; i < n; i++) user += userBytes(i, reading(i));
  const order = shuffled(n, 11 + n);
  // Small runs take milliseconds: repeat them on fresh flash and keep the medians.
  const reps = n <= 10_000 ? 3 : 1;
  const puts: number[] = [];
  const gets: number[] = [];
  let flash = empty;
  for (let rep = 0; rep < reps; rep++) {
    flash = new SimFlash(pageSize, pageCount, GRANULARITY);
    const db = open(flash);
    collect();
    puts.push(
      timeSyncMs(() => {
        for (let i = 0; i < n; i++) db.put(key(i), reading(i), 0, tagsOf(i));
        db.flush();
      }),
    );
    db.close();
    const again = open(flash);
    gets.push(
      timeSyncMs(() => {
        for (let i = 0; i < n; i++) again.get(key(order[i]));
      }),
    );
    again.close();
  }
  const overhead = (consumed(flash) - base - user) / n;
  const times: number[] = [];
  for (let r = 0; r < recoveries; r++) {
    const copy = flash.clone();
    collect();
    let opened: MoteDB | undefined;
    times.push(timeSyncMs(() => (opened = open(copy))));
    const count = (opened as MoteDB).count();
    (opened as MoteDB).close();
    if (count !== n) throw new Error("flash: recovered " + count + " of " + n + " records");
  }
  return {
    pageSize,
    pageCount,
    n,
    putPerSec: n / (median(puts) / 1000),
    getPerSec: n / (median(gets) / 1000),
    userBytesPerRecord: user / n,
    overheadPerRecord: overhead,
    recoveryMs: median(times),
  };
}

function wearRow(pageSize: number, pageCount: number, laps: number, bytesPerRecord: number, log: (s: string) => void): WearRow {
  log("flash wear page=" + pageSize + " x " + pageCount);
  const capacity = pageSize * pageCount;
  const n = Math.max(10, Math.floor((0.4 * capacity) / bytesPerRecord));
  const flash = new SimFlash(pageSize, pageCount, GRANULARITY);
  const db = open(flash);
  for (let i = 0; i < n; i++) db.put(key(i), reading(i), 0, tagsOf(i));
  db.flush();
  // Nothing is obsolete yet, so what the log consumed is all live.
  const live = consumed(flash);
  const before = flash.programmed;
  const erasesBefore = flash.erases.slice();
  const pick = rng(99);
  let written = 0;
  let overwrites = 0;
  const t0 = performance.now();
  // Until `laps` times the capacity has been programmed: each page is erased several times.
  while (flash.programmed - before < laps * capacity) {
    for (let j = 0; j < 100; j++) {
      const i = Math.floor(pick() * n);
      const doc = reading(i + n * (overwrites + 1));
      db.put(key(i), doc, 0, tagsOf(i));
      written += userBytes(i, doc);
      overwrites++;
    }
  }
  db.flush();
  const ms = performance.now() - t0;
  db.close();
  const erases = flash.erases.map((e, p) => e - erasesBefore[p]);
  const mean = erases.reduce((a, b) => a + b, 0) / erases.length;
  return {
    pageSize,
    pageCount,
    records: n,
    fill: live / capacity,
    overwrites,
    overwritePerSec: overwrites / (ms / 1000),
    writeAmplification: (flash.programmed - before) / written,
    eraseSpread: Math.max(...erases) / mean,
    erasesMean: mean,
  };
}

export function flashSection(
  pageSizes: number[],
  counts: number[],
  recoveries: number,
  laps: number,
  log: (s: string) => void,
): FlashSection {
  const rows: FlashRow[] = [];
  const wear: WearRow[] = [];
  // A warm-up, thrown away: the first records would otherwise be timed in V8's interpreter.
  log("flash warm-up");
  fillRow(pageSizes[0], Math.min(1000, counts[0]), 1, () => undefined);
  for (const pageSize of pageSizes) {
    const mine: FlashRow[] = [];
    for (const n of counts) mine.push(fillRow(pageSize, n, recoveries, log));
    // Size the wear run's records from what the fill measured at this page size.
    const last = mine[mine.length - 1];
    rows.push(...mine);
    wear.push(wearRow(pageSize, pageSize >= 65536 ? 8 : 64, laps, last.userBytesPerRecord + last.overheadPerRecord, log));
  }
  return { granularity: GRANULARITY, rows, wear };
}
