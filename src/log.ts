// The flash log: a FIFO ring of pages in sequence order. Flushes append frames to the head page;
// garbage collection copies the live records of the oldest page to the head, marks the oldest page
// obsolete and erases it, so every page is erased in turn (wear leveling for free). One erased page
// is kept spare for garbage collection, which can then always copy a whole page of live data.
// Recovery reads every page, applies each flush whose frames are all there, and repairs pages that
// a power cut left half-erased or half-headed. docs/FORMAT.md has the bytes and the rules.

import { fromUtf8 } from "./bytes";
import { decode } from "./codec";
import { E_FULL, E_TOO_LARGE, errorCode, moteError } from "./errors";
import { blankRange, encodeFrameHeader, Found, FRAME_HEADER, FrameHead, ReadFn, scanPage } from "./frame";
import { align, blank, dataAt, encodePageHeader, markAt, P_BAD, P_BLANK, P_GOOD, P_OBSOLETE, readPageHeader } from "./page";
import { Flash } from "./ports";
import { readRecordHead, recordOk, T_PUT } from "./record";
import { Retry } from "./retry";

/** Erased pages only garbage collection may take. */
export const SPARE_PAGES = 1;

/** A record of an applied flush, as recovery hands it over. */
export interface LogRecord {
  at: number;
  type: number;
  key: string;
  tags: string[] | undefined;
  x: number;
  n: number;
  size: number;
}

function fill(b: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(b);
  return s;
}

interface Pending {
  id: number;
  next: number;
  recs: Found[];
}

export class FlashLog {
  flash: Flash;
  retry: Retry;
  P: number;
  N: number;
  G: number;
  /** Offset of the first frame in every page. */
  D0: number;
  seq: number[];
  erases: number[];
  /** Offset where the next frame of a data page goes; P when the page takes no more. */
  used: number[];
  /** Bytes of live records in each page (the store keeps this true). */
  live: number[];
  /** Data pages, oldest first; the last is the head. */
  data: number[];
  /** Erased pages with a header, in the order they will be used. */
  free: number[];
  maxSeq: number;
  nextFlush: number;
  lastApplied: number;
  /** The highest database time any frame carries. */
  time: number;
  corrupt: number;
  flushes: number;
  gcRuns: number;
  programmed: number;
  read: ReadFn;

  constructor(flash: Flash, retry: Retry) {
    this.flash = flash;
    this.retry = retry;
    this.P = flash.pageSize;
    this.N = flash.pageCount;
    this.G = flash.granularity;
    this.D0 = dataAt(this.G);
    this.seq = [];
    this.erases = [];
    this.used = [];
    this.live = [];
    for (let p = 0; p < this.N; p++) {
      this.seq.push(0);
      this.erases.push(0);
      this.used.push(this.P);
      this.live.push(0);
    }
    this.data = [];
    this.free = [];
    this.maxSeq = 0;
    this.nextFlush = 1;
    this.lastApplied = 0;
    this.time = 0;
    this.corrupt = 0;
    this.flushes = 0;
    this.gcRuns = 0;
    this.programmed = 0;
    const self = this;
    this.read = function (addr: number, len: number): string {
      return self.retry.run("reading flash", function () {
        return self.flash.read(addr, len);
      });
    };
  }

  /** The largest record a frame can hold. */
  maxRecord(): number {
    return this.P - this.D0 - FRAME_HEADER;
  }

  head(): number {
    return this.data.length > 0 ? this.data[this.data.length - 1] : -1;
  }

  // ---- recovery -------------------------------------------------------------------------------

  /** Read the log and call apply(records, time) for every complete flush, in order; repair what a cut left. */
  open(apply: (this: void, recs: LogRecord[]) => void): void {
    const P = this.P;
    const states: number[] = [];
    const good: number[] = [];
    let known = 0;
    let maxErases = 0;
    for (let p = 0; p < this.N; p++) {
      const r = readPageHeader(this.read(p * P, this.D0), P, this.N, this.G);
      states.push(r.state);
      if (r.h !== undefined) {
        this.seq[p] = r.h.seq;
        this.erases[p] = r.h.erases;
        if (r.h.seq > this.maxSeq) this.maxSeq = r.h.seq;
        if (r.h.erases > maxErases) maxErases = r.h.erases;
        known++;
        if (r.state === P_GOOD) good.push(p);
      }
    }
    if (known === 0) {
      // Not an image yet (or nothing of one survives): format. Erase only what is not blank already.
      for (let p = 0; p < this.N; p++) this.renew(p, 0, !blankRange(this.read, p * P, P));
      return;
    }
    sortBySeq(good, this.seq);
    for (let i = 0; i < good.length; i++) {
      const p = good[i];
      if (blank(this.read(p * P + this.D0, FRAME_HEADER))) this.free.push(p);
      else this.data.push(p);
    }
    this.scanAll(apply);
    // Pages a cut (or damage) left unusable: erase them and give them a header, after every other page.
    for (let p = 0; p < this.N; p++) {
      const st = states[p];
      if (st === P_OBSOLETE) this.renew(p, this.erases[p] + 1, true);
      else if (st === P_BAD) this.renew(p, maxErases, true);
      else if (st === P_BLANK) this.renew(p, maxErases, !blankRange(this.read, p * P, P));
    }
    for (let p = 0; p < this.N; p++) if (states[p] === P_BAD) this.corrupt++;
  }

  private scanAll(apply: (this: void, recs: LogRecord[]) => void): void {
    const self = this;
    let pending: Pending | undefined = undefined;
    let started = false;
    const onFrame = function (h: FrameHead, at: number, recs: Found[], ok: boolean): void {
      if (h.time > self.time) self.time = h.time;
      if (h.flush >= self.nextFlush) self.nextFlush = h.flush + 1;
      const first = !started;
      started = true;
      if (h.flush <= self.lastApplied) return; // a frame written again after a failed program
      if (pending !== undefined && h.flush !== pending.id) pending = undefined;
      if (pending === undefined) {
        // A flush starts at frame 0, except at the very start of the log, where garbage collection
        // may have erased its first frames after copying their live records.
        if (h.index !== 0 && !first) return;
        pending = { id: h.flush, next: h.index, recs: [] };
      }
      const q = pending as Pending;
      if (h.index !== q.next || !ok) {
        // A gap: frames are missing, so the flush is not whole. A bad frame with the expected index
        // may still be followed by the same frame written again.
        if (h.index > q.next) pending = undefined;
        return;
      }
      for (let i = 0; i < recs.length; i++) q.recs.push(recs[i]);
      q.next++;
      if (h.last) {
        pending = undefined;
        self.lastApplied = h.flush;
        apply(self.toRecords(q.recs));
      }
    };
    for (let i = 0; i < this.data.length; i++) {
      const p = this.data[i];
      const r = scanPage(this.read, p * this.P, this.D0, this.P, this.G, onFrame);
      this.corrupt += r.corrupt;
      this.used[p] = r.closed ? this.P : r.end;
    }
  }

  private toRecords(found: Found[]): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < found.length; i++) {
      const f = found[i];
      let tags: string[] | undefined = undefined;
      if (f.tags.length > 0) tags = decode(f.tags) as string[];
      out.push({ at: f.at, type: f.type, key: fromUtf8(f.key), tags: tags, x: f.x, n: f.vlen, size: f.size });
    }
    return out;
  }

  /** Erase page p (when `erase`) and program its header with the next sequence number. */
  private renew(p: number, erases: number, erase: boolean): void {
    const self = this;
    const start = this.retry.clock.now();
    let failures = 0;
    for (;;) {
      if (erase) {
        this.retry.run("erasing page " + p, function () {
          self.flash.erase(p);
        });
        erases++;
      }
      const h = encodePageHeader(this.maxSeq + 1, erases, this.P, this.N, this.G);
      let err: unknown = undefined;
      try {
        this.flash.program(p * this.P, h);
      } catch (e) {
        err = e;
      }
      if (err === undefined) {
        this.programmed += h.length;
        this.maxSeq++;
        this.seq[p] = this.maxSeq;
        this.erases[p] = erases;
        this.used[p] = this.D0;
        this.live[p] = 0;
        this.free.push(p);
        return;
      }
      // A header program that failed may have cleared some bits: erase again before the next try.
      failures++;
      this.retry.again(failures, start, "programming the header of page " + p, err);
      erase = true;
    }
  }

  // ---- writing --------------------------------------------------------------------------------

  /** How many new pages a flush of records of these sizes takes. */
  pagesFor(sizes: number[]): number {
    const P = this.P;
    const h = this.head();
    let pos = h >= 0 ? this.used[h] : P;
    let pages = 0;
    let i = 0;
    let frames = 0;
    while (i < sizes.length || frames === 0) {
      const next = i < sizes.length ? sizes[i] : 0;
      if (pos + FRAME_HEADER + next > P) {
        pages++;
        pos = this.D0;
      } else {
        let len = 0;
        while (i < sizes.length && pos + FRAME_HEADER + len + sizes[i] <= P) {
          len += sizes[i];
          i++;
        }
        pos = align(pos + FRAME_HEADER + len, this.G);
        frames++;
      }
    }
    return pages;
  }

  /** Erased pages a flush may take now (garbage collection may also take the spare). */
  available(gc: boolean): number {
    return gc ? this.free.length : this.free.length - SPARE_PAGES;
  }

  /**
   * Write records (their bytes) as one flush, all or nothing after a cut; returns their addresses.
   * A program that fails is never tried again over the same bytes: the frame goes to a new page.
   */
  write(recs: string[], time: number, gc: boolean): number[] {
    const P = this.P;
    const G = this.G;
    const id = this.nextFlush;
    this.nextFlush++;
    const addrs: number[] = [];
    const start = this.retry.clock.now();
    let failures = 0;
    let i = 0;
    let index = 0;
    let done = false;
    while (!done) {
      const need = i < recs.length ? recs[i].length : 0;
      if (FRAME_HEADER + need > P - this.D0) throw moteError(E_TOO_LARGE, "a record of " + need + " bytes does not fit a flash page");
      let h = this.head();
      if (h < 0 || this.used[h] + FRAME_HEADER + need > P) h = this.take(gc);
      const pos = this.used[h];
      let j = i;
      let len = 0;
      while (j < recs.length && pos + FRAME_HEADER + len + recs[j].length <= P) {
        len += recs[j].length;
        j++;
      }
      const last = j === recs.length;
      let bytes = encodeFrameHeader(last, index, j - i, len, id, Math.floor(time));
      for (let k = i; k < j; k++) bytes += recs[k];
      const end = align(pos + bytes.length, G);
      bytes += fill(255, end - pos - bytes.length);
      let err: unknown = undefined;
      try {
        this.flash.program(h * P + pos, bytes);
      } catch (e) {
        err = e;
      }
      if (err === undefined) {
        this.programmed += bytes.length;
        let at = h * P + pos + FRAME_HEADER;
        for (let k = i; k < j; k++) {
          addrs.push(at);
          at += recs[k].length;
        }
        this.used[h] = end;
        index++;
        i = j;
        done = last;
      } else {
        // The page may now hold part of this frame: append nothing more there, write it again elsewhere.
        this.used[h] = P;
        failures++;
        this.retry.again(failures, start, "programming flash", err);
      }
    }
    if (!gc) this.flushes++;
    return addrs;
  }

  /** Make the next erased page the head: check that it is really erased, else erase it again. */
  private take(gc: boolean): number {
    if (this.available(gc) <= 0) {
      throw moteError(E_FULL, "no erased flash page is left for this write: delete records or use a larger flash region");
    }
    let p = this.free.shift() as number;
    if (!blankRange(this.read, p * this.P + this.D0, this.P - this.D0)) {
      this.renew(p, this.erases[p], true);
      p = this.free.pop() as number;
    }
    this.data.push(p);
    this.used[p] = this.D0;
    return p;
  }

  // ---- garbage collection -----------------------------------------------------------------------

  /**
   * One bounded step: copy the live records of the oldest page to the head, mark the page obsolete,
   * erase it. isLive(key, at) says whether the index still needs the record at `at`; moved(key,
   * from, to, size) is told where each copy went. Returns false when there is nothing to collect.
   */
  collect(
    isLive: (this: void, key: string, at: number) => boolean,
    moved: (this: void, key: string, from: number, to: number, size: number) => void,
    time: number,
  ): boolean {
    if (this.data.length === 0) return false;
    const P = this.P;
    const victim = this.data[0];
    if (this.data.length === 1) this.used[victim] = P; // the copies go to a new page
    const keys: string[] = [];
    const from: number[] = [];
    const copies: string[] = [];
    const self = this;
    const r = scanPage(this.read, victim * P, this.D0, P, this.G, function (h: FrameHead, at: number, recs: Found[]) {
      for (let i = 0; i < recs.length; i++) {
        const f = recs[i];
        if (f.ok && f.type === T_PUT) {
          const k = fromUtf8(f.key);
          if (isLive(k, f.at)) {
            keys.push(k);
            from.push(f.at);
            copies.push(self.read(f.at, f.size));
          }
        }
      }
    });
    this.corrupt += r.corrupt;
    if (copies.length > 0) {
      const to = this.write(copies, time, true);
      for (let i = 0; i < keys.length; i++) moved(keys[i], from[i], to[i], copies[i].length);
    }
    // Mark, then erase: recovery ignores a marked page, so a half-erased page is never read as data.
    let markErr: unknown = undefined;
    try {
      this.flash.program(victim * P + markAt(this.G), fill(0, this.G));
      this.programmed += this.G;
    } catch (e) {
      markErr = e;
    }
    if (markErr !== undefined && errorCode(markErr) === "E_POWER") throw markErr;
    this.data.shift();
    this.live[victim] = 0;
    this.renew(victim, this.erases[victim], true);
    this.gcRuns++;
    return true;
  }

  /** The verified bytes of the record at `at` of `size` bytes, or undefined when its CRC fails. */
  record(at: number, size: number): string | undefined {
    const r = this.read(at, size);
    const h = readRecordHead(r, 0);
    if (h === undefined || h.size !== size || !recordOk(r)) {
      this.corrupt++;
      return undefined;
    }
    return r;
  }

  /** Bytes in data pages that hold no live record: what garbage collection can reclaim. */
  garbage(): number {
    let g = 0;
    for (let i = 0; i < this.data.length; i++) {
      const p = this.data[i];
      const end = this.used[p] === this.P ? this.P : this.used[p];
      g += end - this.D0 - this.live[p];
    }
    return g;
  }
}

/** Sort page numbers by sequence number (an insertion sort: a few pages, no comparator sort). */
function sortBySeq(pages: number[], seq: number[]): void {
  for (let i = 1; i < pages.length; i++) {
    const x = pages[i];
    let j = i - 1;
    while (j >= 0 && seq[pages[j]] > seq[x]) {
      pages[j + 1] = pages[j];
      j--;
    }
    pages[j + 1] = x;
  }
}

