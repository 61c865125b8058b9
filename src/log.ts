// The flash log: a FIFO ring of pages in sequence order. Flushes append frames to the head page;
// garbage collection (collect() in store.ts) copies the live records of the oldest page to the head, marks
// the oldest page obsolete and erases it, so every page is erased in turn (wear leveling for free).
// One erased page is kept spare for garbage collection, which can then always copy a whole page of
// live data. Recovery reads every page, applies each flush whose frames are all there, and repairs
// pages that a power cut left half-erased or half-headed. docs/FORMAT.md has the bytes and the rules.
// Flash mode only: the Espruino build defines this code when flash mode first opens (FLASH_ONLY in
// tools/build-espruino.ts), since every function defined costs RAM there and memory mode needs none.

import { fill } from "./bytes";
import { FRAME_HEADER, FRAME_MAX } from "./format";
import { fromUtf8 } from "./utf8";
import { decode } from "./codec";
import { E_FULL, moteError } from "./errors";
import { blankRange, encodeFrameHeader, Found, FrameHead, ReadFn, scanPage } from "./frame";
import { align, blank, dataAt, encodePageHeader, P_BAD, P_BLANK, P_GOOD, P_OBSOLETE, readPageHeader } from "./page";
import { Flash } from "./ports";
import { Retry } from "./retry";

/** E_FULL: flash holds no room for what must be written. */
export function flashFull(): Error {
  return moteError(E_FULL, "flash full: delete records");
}

/** A record of an applied flush, as recovery hands it over. */
export interface LogRecord {
  at: number;
  type_: number;
  key_: string;
  tags_: string[] | undefined;
  x: number;
  n: number;
  size_: number;
}

// FlashLog is a class for its callers (`new FlashLog(flash, retry)`), but its methods are closures
// made by the constructor, like the store's: they share the geometry and the page lists as locals,
// which on Espruino reads shorter and faster than through `this`.
export class FlashLog {
  // Every field is set by the constructor, through `self` (hence the !).
  flash_!: Flash;
  retry_!: Retry;
  P!: number;
  N!: number;
  G!: number;
  /** Offset of the first frame in every page. */
  D0!: number;
  erases_!: number[];
  /** Offset where the next frame of a data page goes (P when the page takes no more); D0 for other pages. */
  used_!: number[];
  /** Bytes of live records in each page (the store keeps this true). */
  live_!: number[];
  /** Data pages, oldest first; the last is the head. */
  data_!: number[];
  /** Erased pages with a header, in the order they will be used. */
  free_!: number[];
  /** The highest database time any frame carries. */
  time!: number;
  corrupt_!: number;
  flushes_!: number;
  gcRuns_!: number;
  programmed_!: number;
  /** Reads, retried. */
  read_!: ReadFn;
  /** Read the log and call apply(records) for every complete flush, in order; repair what a cut left. */
  open!: (this: void, apply: (this: void, recs: LogRecord[]) => void) => void;
  /** Erase page p (when `erase`), program its header with the next sequence number, and free it. */
  renew_!: (this: void, p: number, erases: number, erase: boolean) => void;
  /**
   * Write records (their bytes) as one flush, all or nothing after a cut; returns their addresses.
   * With `plan`, write nothing and return one entry for each erased page the flush would take:
   * both pack frames the same way, as many records as fit the page and a frame's 64 KB.
   * A program that fails is never tried again over the same bytes: the frame goes to a new page.
   * The next page is the first erased one (one is the spare, for garbage collection only), erased
   * again unless it is erased.
   */
  write_!: (this: void, recs: string[], time: number, gc: boolean, plan?: boolean) => number[];

  constructor(flash: Flash, retry: Retry) {
    const self = this;
    self.flash_ = flash;
    self.retry_ = retry;
    const P = (self.P = flash.pageSize);
    const N = (self.N = flash.pageCount);
    const G = (self.G = flash.granularity);
    const D0 = (self.D0 = dataAt(G));
    const erases: number[] = (self.erases_ = []);
    const used: number[] = (self.used_ = []);
    const live: number[] = (self.live_ = []);
    const data: number[] = (self.data_ = []);
    const free: number[] = (self.free_ = []);
    // (Every page's counts start in open(), which every user calls first.)
    self.time = self.corrupt_ = self.flushes_ = self.gcRuns_ = self.programmed_ = 0;
    /** The highest sequence number of any page, and the id of the next flush. */
    let seq = 0;
    let id = 1;
    const flashRead = function (addr: number, len: number): string {
      return flash.read(addr, len);
    };
    const read = (self.read_ = function (addr: number, len: number): string {
      return retry.run_("read", flashRead, addr, len);
    });

    const renew = (self.renew_ = function (p: number, n: number, erase: boolean): void {
      retry.run_("erase", function () {
        if (erase) {
          flash.erase(p);
          n++;
        }
        // A header program that fails may have cleared some bits: erase again before the next try.
        erase = true;
        flash.program(p * P, encodePageHeader(seq + 1, n, P, N, G));
      });
      self.programmed_ += D0 - G;
      seq++;
      erases[p] = n;
      used[p] = D0;
      live[p] = 0;
      free.push(p);
    });

    // ---- recovery -----------------------------------------------------------------------------

    self.open = function (apply: (this: void, recs: LogRecord[]) => void): void {
      const states: number[] = [];
      const seqs: number[] = [];
      const good: number[] = [];
      let maxErases = 0;
      for (let p = 0; p < N; p++) {
        const r = readPageHeader(read(p * P, D0), P, N, G);
        const h = r.h;
        states[p] = r.state;
        live[p] = 0;
        used[p] = D0;
        if (h) {
          seqs[p] = h.seq_;
          erases[p] = h.erases_;
          seq = Math.max(seq, h.seq_);
          maxErases = Math.max(maxErases, h.erases_);
          if (r.state === P_GOOD) good.push(p);
        }
      }
      // No page has a header: the region is not an image yet, and the repair below formats it.
      const image = seq > 0;
      // The flush being assembled: its id (-1 before the first frame), the index its next frame must
      // have, and its records.
      let f = -1;
      let next = 0;
      let recs: LogRecord[] = [];
      let applied = 0;
      const onFrame = function (h: FrameHead, at: number, found: Found[], ok: boolean): void {
        self.time = Math.max(self.time, h.time_);
        id = Math.max(id, h.flush_ + 1);
        if (h.flush_ <= applied) return; // a frame written again after a failed program
        if (h.flush_ !== f) {
          // Another flush abandons the one being assembled. It starts at frame 0, except at the very
          // start of the log, where garbage collection may have erased its first frames after
          // copying their live records.
          next = f < 0 ? h.index_ : 0;
          f = h.flush_;
          recs = [];
        }
        if (h.index_ !== next || !ok) {
          // A gap: frames are missing, so the flush is not whole and nothing more of it is taken
          // (next -1 matches no frame). A damaged frame with the expected index may still be
          // followed by the same frame written again.
          if (h.index_ > next) next = -1;
          return;
        }
        found.forEach(function (r) {
          recs.push({ at: r.at, type_: r.type_, key_: fromUtf8(r.key_), tags_: r.tags_ !== "" ? (decode(r.tags_) as string[]) : undefined, x: r.x, n: r.vlen_, size_: r.size_ });
        });
        next++;
        if (h.last_) {
          // Every frame of it read whole: apply it. Later frames of this id are copies, passed over above.
          applied = f;
          apply(recs);
        }
      };
      // Good pages in sequence order: those whose first frame slot is erased are free, the others
      // hold the log, read in that order.
      good
        .sort(function (a: number, b: number): number {
          return seqs[a] - seqs[b];
        })
        .forEach(function (p) {
          if (blank(read(p * P + D0, FRAME_HEADER))) free.push(p);
          else {
            data.push(p);
            const s = scanPage(read, p * P, D0, P, G, onFrame);
            self.corrupt_ += s.corrupt_;
            used[p] = s.closed_ ? P : s.end_;
          }
        });
      // Pages a cut (or damage) left unusable: erase them (a blank one only if some byte is not
      // 0xFF) and give them a header, after every other page. An obsolete page's erase may have
      // begun before the cut: it wore the page, so it counts. The erase count of a page whose
      // header was lost is taken as the highest known.
      states.forEach(function (st, p) {
        if (st === P_BAD && image) self.corrupt_++;
        if (st !== P_GOOD) renew(p, st === P_OBSOLETE ? erases[p] + 1 : maxErases, st !== P_BLANK || !blankRange(read, p * P, P));
      });
    };

    // ---- writing ------------------------------------------------------------------------------

    self.write_ = function (recs: string[], time: number, gc: boolean, plan?: boolean): number[] {
      const n = recs.length;
      const out: number[] = [];
      const flush = plan ? 0 : id++;
      // The head page, and where its next frame goes (no head: a page must be taken).
      let h = data[data.length - 1];
      let pos = h === undefined ? P : used[h];
      let i = 0;
      let index = 0;
      let fails = 0;
      let start = 0;
      while (index === 0 || i < n) {
        if (pos + FRAME_HEADER + (recs[i] || "").length > P) {
          if (plan) out.push(0);
          else {
            if (free.length <= (gc ? 0 : 1)) throw flashFull();
            h = free.shift() as number;
            if (!blankRange(read, h * P + D0, P - D0)) {
              renew(h, erases[h], true);
              free.pop();
            }
            data.push(h);
          }
          pos = D0;
        }
        let j = i;
        let len = 0;
        const room = Math.min(P - pos - FRAME_HEADER, FRAME_MAX);
        while (j < n && len + recs[j].length <= room) len += recs[j++].length;
        let end = align(pos + FRAME_HEADER + len, G);
        if (!plan) {
          const at = h * P + pos;
          let f = encodeFrameHeader(j === n, index, j - i, len, flush, Math.floor(time));
          for (let k = i; k < j; k++) {
            out.push(at + f.length);
            f += recs[k];
          }
          f += fill(255, end - pos - f.length);
          try {
            flash.program(at, f);
            self.programmed_ += f.length;
          } catch (e) {
            // The page may now hold part of this frame: append nothing more there (closed before
            // again_() may give up and throw: a later flush must not program these bytes again),
            // and write the same frame (records from i, the same index) again elsewhere.
            out.splice(i);
            end = P;
            used[h] = P;
            j = i;
            index--;
            start = retry.again_(++fails, start, "program", e);
          }
          used[h] = end;
        }
        pos = end;
        i = j;
        index++;
      }
      if (!plan && !gc) self.flushes_++;
      return out;
    };
  }
}

/** Sort page numbers by sequence number (for tools: recovery sorts its own, in place). */
export function sortBySeq(pages: number[], seq: number[]): number[] {
  return pages.sort(function (a: number, b: number): number {
    return seq[a] - seq[b];
  });
}
