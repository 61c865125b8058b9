// The flash log: a FIFO ring of pages in sequence order. Flushes append frames to the head page;
// garbage collection copies the live records of the oldest page to the head, marks the oldest page
// obsolete and erases it, so every page is erased in turn (wear leveling for free). One erased page
// is kept spare for garbage collection, which can then always copy a whole page of live data.
// Recovery reads every page, applies each flush whose frames are all there, and repairs pages that
// a power cut left half-erased or half-headed. docs/FORMAT.md has the bytes and the rules.
// Flash mode only: the Espruino build defines this code when flash mode first opens (FLASH_ONLY in
// tools/build-espruino.ts), since every function defined costs RAM there and memory mode needs none.

import { fill, fromUtf8 } from "./bytes";
import { decode } from "./codec";
import { E_FULL, E_TOO_LARGE, moteError } from "./errors";
import { blankRange, encodeFrameHeader, Found, FRAME_HEADER, FrameHead, ReadFn, scanPage, MAX_FRAME_BYTES } from "./frame";
import { align, blank, dataAt, encodePageHeader, markAt, P_BAD, P_BLANK, P_GOOD, P_OBSOLETE, readPageHeader } from "./page";
import { Flash } from "./ports";
import { readRecordHead, recordOk, T_PUT } from "./record";
import { Retry } from "./retry";

/** E_FULL: flash holds no room for what must be written. */
export function flashFull(): Error {
  return moteError(E_FULL, "flash full: delete records");
}

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

interface Pending {
  id_: number;
  next_: number;
  recs_: Found[];
}

export class FlashLog {
  flash_: Flash;
  retry_: Retry;
  P: number;
  N: number;
  G: number;
  /** Offset of the first frame in every page. */
  D0: number;
  seq_: number[];
  erases_: number[];
  /** Offset where the next frame of a data page goes; P when the page takes no more. */
  used_: number[];
  /** Bytes of live records in each page (the store keeps this true). */
  live_: number[];
  /** Data pages, oldest first; the last is the head. */
  data_: number[];
  /** Erased pages with a header, in the order they will be used. */
  free_: number[];
  maxSeq_: number;
  nextFlush_: number;
  lastApplied_: number;
  /** The highest database time any frame carries. */
  time: number;
  corrupt_: number;
  flushes_: number;
  gcRuns_: number;
  programmed_: number;
  read_: ReadFn;

  constructor(flash: Flash, retry: Retry) {
    this.flash_ = flash;
    this.retry_ = retry;
    this.P = flash.pageSize;
    this.N = flash.pageCount;
    this.G = flash.granularity;
    this.D0 = dataAt(this.G);
    this.seq_ = [];
    this.erases_ = [];
    this.used_ = [];
    this.live_ = [];
    for (let p = 0; p < this.N; p++) {
      this.seq_.push(0);
      this.erases_.push(0);
      this.used_.push(this.P);
      this.live_.push(0);
    }
    this.data_ = [];
    this.free_ = [];
    this.maxSeq_ = 0;
    this.nextFlush_ = 1;
    this.lastApplied_ = 0;
    this.time = 0;
    this.corrupt_ = 0;
    this.flushes_ = 0;
    this.gcRuns_ = 0;
    this.programmed_ = 0;
    const self = this;
    const read = function (addr: number, len: number): string {
      return self.flash_.read(addr, len);
    };
    this.read_ = function (addr: number, len: number): string {
      return self.retry_.run_("flash read", read, addr, len);
    };
  }

  /** The largest record a frame can hold: what a page leaves after its header and a frame header, up to a frame's limit. */
  maxRecord_(): number {
    return Math.min(this.P - this.D0 - FRAME_HEADER, MAX_FRAME_BYTES);
  }

  head_(): number {
    return this.data_.length > 0 ? this.data_[this.data_.length - 1] : -1;
  }

  // ---- recovery -------------------------------------------------------------------------------

  /** Read the log and call apply(records) for every complete flush, in order; repair what a cut left. */
  open(apply: (this: void, recs: LogRecord[]) => void): void {
    const P = this.P;
    const states: number[] = [];
    const good: number[] = [];
    let known = 0;
    let maxErases = 0;
    for (let p = 0; p < this.N; p++) {
      const r = readPageHeader(this.read_(p * P, this.D0), P, this.N, this.G);
      states.push(r.state);
      if (r.h !== undefined) {
        this.seq_[p] = r.h.seq_;
        this.erases_[p] = r.h.erases_;
        if (r.h.seq_ > this.maxSeq_) this.maxSeq_ = r.h.seq_;
        if (r.h.erases_ > maxErases) maxErases = r.h.erases_;
        known++;
        if (r.state === P_GOOD) good.push(p);
      }
    }
    if (known === 0) {
      // Not an image yet (or nothing of one survives): format. Erase only what is not blank already.
      for (let p = 0; p < this.N; p++) this.renew_(p, 0, !blankRange(this.read_, p * P, P));
      return;
    }
    sortBySeq(good, this.seq_);
    for (let i = 0; i < good.length; i++) {
      const p = good[i];
      if (blank(this.read_(p * P + this.D0, FRAME_HEADER))) this.free_.push(p);
      else this.data_.push(p);
    }
    this.scanAll_(apply);
    // Pages a cut (or damage) left unusable: erase them and give them a header, after every other page.
    for (let p = 0; p < this.N; p++) {
      const st = states[p];
      // An obsolete page's erase may have begun before the cut: it wore the page, so it counts.
      if (st === P_OBSOLETE) this.renew_(p, this.erases_[p] + 1, true);
      else if (st === P_BAD) this.renew_(p, maxErases, true);
      else if (st === P_BLANK) this.renew_(p, maxErases, !blankRange(this.read_, p * P, P));
    }
    for (let p = 0; p < this.N; p++) if (states[p] === P_BAD) this.corrupt_++;
  }

  private scanAll_(apply: (this: void, recs: LogRecord[]) => void): void {
    const self = this;
    let pending: Pending | undefined = undefined;
    let started = false;
    const onFrame = function (h: FrameHead, at: number, recs: Found[], ok: boolean): void {
      if (h.time_ > self.time) self.time = h.time_;
      if (h.flush_ >= self.nextFlush_) self.nextFlush_ = h.flush_ + 1;
      const first = !started;
      started = true;
      if (h.flush_ <= self.lastApplied_) return; // a frame written again after a failed program
      if (pending !== undefined && h.flush_ !== pending.id_) pending = undefined;
      if (pending === undefined) {
        // A flush starts at frame 0, except at the very start of the log, where garbage collection
        // may have erased its first frames after copying their live records.
        if (h.index_ !== 0 && !first) return;
        pending = { id_: h.flush_, next_: h.index_, recs_: [] };
      }
      const q = pending as Pending;
      if (h.index_ !== q.next_ || !ok) {
        // A gap: frames are missing, so the flush is not whole. A bad frame with the expected index
        // may still be followed by the same frame written again.
        if (h.index_ > q.next_) pending = undefined;
        return;
      }
      for (let i = 0; i < recs.length; i++) q.recs_.push(recs[i]);
      q.next_++;
      if (h.last_) {
        pending = undefined;
        self.lastApplied_ = h.flush_;
        apply(self.toRecords_(q.recs_));
      }
    };
    for (let i = 0; i < this.data_.length; i++) {
      const p = this.data_[i];
      const r = scanPage(this.read_, p * this.P, this.D0, this.P, this.G, onFrame);
      this.corrupt_ += r.corrupt_;
      this.used_[p] = r.closed_ ? this.P : r.end_;
    }
  }

  private toRecords_(found: Found[]): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = 0; i < found.length; i++) {
      const f = found[i];
      let tags: string[] | undefined = undefined;
      if (f.tags_.length > 0) tags = decode(f.tags_) as string[];
      out.push({ at: f.at, type: f.type_, key: fromUtf8(f.key_), tags: tags, x: f.x, n: f.vlen_, size: f.size_ });
    }
    return out;
  }

  /** Erase page p (when `erase`) and program its header with the next sequence number. */
  private renew_(p: number, erases: number, erase: boolean): void {
    const self = this;
    const start = this.retry_.clock_.now();
    let failures = 0;
    for (;;) {
      if (erase) {
        this.retry_.run_("flash erase", function () {
          self.flash_.erase(p);
        });
        erases++;
      }
      const h = encodePageHeader(this.maxSeq_ + 1, erases, this.P, this.N, this.G);
      let err: unknown = undefined;
      try {
        this.flash_.program(p * this.P, h);
      } catch (e) {
        err = e;
      }
      if (err === undefined) {
        this.programmed_ += h.length;
        this.maxSeq_++;
        this.seq_[p] = this.maxSeq_;
        this.erases_[p] = erases;
        this.used_[p] = this.D0;
        this.live_[p] = 0;
        this.free_.push(p);
        return;
      }
      // A header program that failed may have cleared some bits: erase again before the next try.
      failures++;
      this.retry_.again_(failures, start, "flash program", err);
      erase = true;
    }
  }

  // ---- writing --------------------------------------------------------------------------------

  /** How many new pages a flush of records of these sizes takes. */
  pagesFor_(sizes: number[]): number {
    const P = this.P;
    const h = this.head_();
    let pos = h >= 0 ? this.used_[h] : P;
    let pages = 0;
    let i = 0;
    let frames = 0;
    while (i < sizes.length || frames === 0) {
      const next = i < sizes.length ? sizes[i] : 0;
      if (pos + FRAME_HEADER + next > P) {
        pages++;
        pos = this.D0;
      } else {
        const j = this.fit_(pos, sizes, i);
        let len = 0;
        for (let k = i; k < j; k++) len += sizes[k];
        i = j;
        pos = align(pos + FRAME_HEADER + len, this.G);
        frames++;
      }
    }
    return pages;
  }

  /**
   * The end (exclusive) of the records from i that one frame at page offset pos holds: as many as
   * fit the page and a frame's limit. Writing and planning a flush both pack frames by this rule.
   */
  fit_(pos: number, sizes: number[], i: number): number {
    let len = 0;
    let j = i;
    while (j < sizes.length && pos + FRAME_HEADER + len + sizes[j] <= this.P && len + sizes[j] <= MAX_FRAME_BYTES) {
      len += sizes[j];
      j++;
    }
    return j;
  }

  /** Erased pages a flush may take now (garbage collection may also take the spare). */
  available_(gc: boolean): number {
    return gc ? this.free_.length : this.free_.length - SPARE_PAGES;
  }

  /**
   * Write records (their bytes) as one flush, all or nothing after a cut; returns their addresses.
   * A program that fails is never tried again over the same bytes: the frame goes to a new page.
   */
  write_(recs: string[], time: number, gc: boolean): number[] {
    const P = this.P;
    const G = this.G;
    const id = this.nextFlush_;
    this.nextFlush_++;
    const addrs: number[] = [];
    const start = this.retry_.clock_.now();
    let failures = 0;
    let i = 0;
    let index = 0;
    let done = false;
    const sizes: number[] = [];
    for (let k = 0; k < recs.length; k++) sizes.push(recs[k].length);
    while (!done) {
      const need = i < recs.length ? recs[i].length : 0;
      if (need > this.maxRecord_()) throw moteError(E_TOO_LARGE, "record of " + need + " bytes over a frame");
      let h = this.head_();
      if (h < 0 || this.used_[h] + FRAME_HEADER + need > P) h = this.take_(gc);
      const pos = this.used_[h];
      const j = this.fit_(pos, sizes, i);
      let len = 0;
      for (let k = i; k < j; k++) len += sizes[k];
      const last = j === recs.length;
      let bytes = encodeFrameHeader(last, index, j - i, len, id, Math.floor(time));
      for (let k = i; k < j; k++) bytes += recs[k];
      const end = align(pos + bytes.length, G);
      bytes += fill(255, end - pos - bytes.length);
      let err: unknown = undefined;
      try {
        this.flash_.program(h * P + pos, bytes);
      } catch (e) {
        err = e;
      }
      if (err === undefined) {
        this.programmed_ += bytes.length;
        let at = h * P + pos + FRAME_HEADER;
        for (let k = i; k < j; k++) {
          addrs.push(at);
          at += recs[k].length;
        }
        this.used_[h] = end;
        index++;
        i = j;
        done = last;
      } else {
        // The page may now hold part of this frame: append nothing more there, write it again elsewhere.
        this.used_[h] = P;
        failures++;
        this.retry_.again_(failures, start, "flash program", err);
      }
    }
    if (!gc) this.flushes_++;
    return addrs;
  }

  /** Make the next erased page the head: check that it is really erased, else erase it again. */
  private take_(gc: boolean): number {
    if (this.available_(gc) <= 0) {
      throw flashFull();
    }
    let p = this.free_.shift() as number;
    if (!blankRange(this.read_, p * this.P + this.D0, this.P - this.D0)) {
      this.renew_(p, this.erases_[p], true);
      p = this.free_.pop() as number;
    }
    this.data_.push(p);
    this.used_[p] = this.D0;
    return p;
  }

  // ---- garbage collection -----------------------------------------------------------------------

  /**
   * One bounded step: copy the live records of the oldest page to the head, mark the page obsolete,
   * erase it. isLive(key, at) says whether the index still needs the record at `at`; moved(key,
   * from, to, size) is told where each copy went. Returns false when there is nothing to collect.
   */
  collect_(
    isLive: (this: void, key: string, at: number) => boolean,
    moved: (this: void, key: string, from: number, to: number, size: number) => void,
    time: number,
  ): boolean {
    if (this.data_.length === 0) return false;
    const P = this.P;
    const victim = this.data_[0];
    if (this.data_.length === 1) this.used_[victim] = P; // the copies go to a new page
    const keys: string[] = [];
    const from: number[] = [];
    const copies: string[] = [];
    const self = this;
    const r = scanPage(this.read_, victim * P, this.D0, P, this.G, function (h: FrameHead, at: number, recs: Found[]) {
      for (let i = 0; i < recs.length; i++) {
        const f = recs[i];
        if (f.ok_ && f.type_ === T_PUT) {
          const k = fromUtf8(f.key_);
          if (isLive(k, f.at)) {
            keys.push(k);
            from.push(f.at);
            copies.push(self.read_(f.at, f.size_));
          }
        }
      }
    });
    this.corrupt_ += r.corrupt_;
    if (copies.length > 0) {
      const to = this.write_(copies, time, true);
      for (let i = 0; i < keys.length; i++) moved(keys[i], from[i], to[i], copies[i].length);
    }
    // Mark, then erase: recovery ignores a marked page, so a half-erased page is never read as data.
    // A mark that cannot be written stops here, before the erase: the page stays in the log (its
    // live records are already copied) and the next step marks it again.
    this.retry_.run_("flash program", function () {
      self.flash_.program(victim * P + markAt(self.G), fill(0, self.G));
    });
    this.programmed_ += this.G;
    this.data_.shift();
    this.live_[victim] = 0;
    this.renew_(victim, this.erases_[victim], true);
    this.gcRuns_++;
    return true;
  }

  /** The verified bytes of the record at `at` of `size` bytes, or undefined when its CRC fails. */
  record_(at: number, size: number): string | undefined {
    const r = this.read_(at, size);
    const h = readRecordHead(r, 0);
    if (h === undefined || h.size_ !== size || !recordOk(r)) {
      this.corrupt_++;
      return undefined;
    }
    return r;
  }

  /** Bytes in data pages that hold no live record: what garbage collection can reclaim. */
  garbage_(): number {
    let g = 0;
    for (let i = 0; i < this.data_.length; i++) {
      const p = this.data_[i];
      const end = this.used_[p];
      g += end - this.D0 - this.live_[p];
    }
    return g;
  }
}

/** Sort page numbers by sequence number (an insertion sort: a few pages, no comparator sort). */
export function sortBySeq(pages: number[], seq: number[]): void {
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

