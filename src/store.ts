// The flash-mode half of the database: the write buffer, the flushes, the value cache, and the
// bookkeeping that lets garbage collection and the E_FULL check know what flash must keep.
//
// The index (MoteDB's B-tree) always shows the newest state, buffered changes included. A key
// changed since the last flush is "dirty"; while it is, the version flash holds for it (its
// "shadow") is what garbage collection must keep, because a power cut would bring that version
// back. A flush writes the newest state of every dirty key (a put, or a tombstone when flash holds
// an older version) as one flush of the log, all or nothing.
// Flash mode only: the Espruino build defines this code when flash mode first opens (FLASH_ONLY in
// tools/build-espruino.ts), since every function defined costs RAM there and memory mode needs none.

import { BTree } from "./btree";
import { E_OPTION, E_TOO_LARGE, moteError } from "./errors";
import { FRAME_HEADER } from "./frame";
import { FlashLog, flashFull, LogRecord, SPARE_PAGES } from "./log";
import { MIN_PAGE_SIZE } from "./page";
import { Flash } from "./ports";
import { encodeRecord, rec, Rec, recordSize, T_DEL, T_PURGE, T_PUT, tagBytes } from "./record";
import { Retry } from "./retry";
import { Settings } from "./options";

/** Figures stats() reports in flash mode. */
export interface FlashStats {
  pages: number;
  pageSize: number;
  freePages: number;
  erases: { min: number; max: number; mean: number };
  liveBytes: number;
  garbageBytes: number;
  /** What the E_FULL check counts in use, and the most it lets be. */
  usedCapacity: number;
  capacity: number;
  corrupt: number;
  flushes: number;
  gcRuns: number;
  programmedBytes: number;
  bufferedChanges: number;
  cacheBytes: number;
  retries: number;
}

function copyRec(r: Rec, v: string | undefined, at: number): Rec {
  return rec(v, r.x, r.g, at, r.n, r.s);
}

/** The shadow of a dirty key that flash holds no version of. */
const NO_SHADOW = rec(undefined, 0, undefined, -1, 0, 0);

export class Store {
  log_: FlashLog;
  tree_: BTree<Rec>;
  dirty_: string[];
  /** Each dirty key's shadow (its place and size), or NO_SHADOW when flash holds no version of it. */
  shadow_: Record<string, Rec>;
  /** Bytes of values kept in RAM for records that are on flash, and the order to drop them in. */
  cacheBytes_: number;
  cacheLimit_: number;
  cacheQueue_: string[];
  /** Bytes of values buffered (not on flash yet). */
  bufferBytes_: number;
  bufferLimit_: number;
  /** The E_FULL check's count: every record flash must be able to hold, live or buffered. */
  cost_: number;
  /** The largest record seen: a page may waste less than one frame of it at its end. */
  maxRec_: number;
  writes_: number;
  sinceFlush_: number;
  adaptive_: boolean;
  /** Records on flash expired since the last flush: the next flush records the time. */
  timeDirty_: boolean;

  constructor(flash: Flash, o: Settings, tree: BTree<Rec>, budget: number) {
    if (flash.pageSize > 16777216 || flash.pageSize < MIN_PAGE_SIZE) throw moteError(E_OPTION, "pageSize: 128..16777216");
    if (flash.pageCount < 4) throw moteError(E_OPTION, "pageCount: 4 or more");
    this.log_ = new FlashLog(flash, new Retry(o.clock, o.maxRetries, o.retryDelay, o.lockTimeout));
    this.tree_ = tree;
    this.dirty_ = [];
    this.shadow_ = {};
    this.cacheBytes_ = 0;
    this.cacheLimit_ = o.btreeCachesize;
    this.cacheQueue_ = [];
    this.bufferBytes_ = 0;
    this.bufferLimit_ = Math.floor(budget / 4);
    this.cost_ = 0;
    this.maxRec_ = 0;
    this.writes_ = 0;
    this.sinceFlush_ = 0;
    this.adaptive_ = o.adaptiveThreshold;
    this.timeDirty_ = false;
  }

  /** What a record of s bytes costs at most on flash: alone in a frame, padded. */
  private unit_(s: number): number {
    return s + FRAME_HEADER + this.log_.G - 1;
  }

  /**
   * The most the E_FULL check lets flash hold: every page but the spare, the head and one more,
   * each less what a page may waste at its end. With no more than this live, a full round of
   * garbage collection always frees a page (docs/FORMAT.md, "Capacity").
   */
  capacity_(): number {
    const per = this.log_.P - this.log_.D0 - (FRAME_HEADER + this.maxRec_ + this.log_.G);
    return per > 0 ? (this.log_.N - 2 - SPARE_PAGES) * per : 0;
  }

  private page_(at: number): number {
    return Math.floor(at / this.log_.P);
  }

  // ---- opening ----------------------------------------------------------------------------------

  /** Recover the index from flash. Returns the highest database time the log holds. */
  open_(): number {
    const self = this;
    const tree = this.tree_;
    this.log_.open(function (recs: LogRecord[]) {
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i];
        if (r.type === T_PURGE) {
          tree.clear_();
          self.cost_ = 0;
          for (let p = 0; p < self.log_.N; p++) self.log_.live_[p] = 0;
        } else {
          const old = r.type === T_PUT ? tree.set_(r.key, rec(undefined, r.x, r.tags, r.at, r.n, r.size)) : tree.remove_(r.key);
          if (old !== undefined) self.forget_(old);
          if (r.type === T_PUT) {
            self.log_.live_[self.page_(r.at)] += r.size;
            self.cost_ += self.unit_(r.size);
            if (r.size > self.maxRec_) self.maxRec_ = r.size;
          }
        }
      }
    });
    return this.log_.time;
  }

  /** A record on flash is no longer needed. */
  private forget_(r: Rec): void {
    if (r.at >= 0) {
      this.log_.live_[this.page_(r.at)] -= r.s;
      if (r.v !== undefined) this.cacheBytes_ -= r.v.length;
    } else {
      this.bufferBytes_ -= r.n;
    }
    this.cost_ -= this.unit_(r.s);
  }

  // ---- writing ----------------------------------------------------------------------------------

  /**
   * Size the records of these changes; throw E_TOO_LARGE, or E_FULL when `strict` (else return
   * false), before anything changes.
   */
  admit_(changes: { k: string; r: Rec | undefined }[], strict: boolean): boolean {
    let delta = 0;
    let big = this.maxRec_;
    for (let i = 0; i < changes.length; i++) {
      const r = changes[i].r;
      const old = this.tree_.get_(changes[i].k);
      if (old !== undefined && old.at < 0) delta -= this.unit_(old.s);
      if (r !== undefined) {
        r.s = recordSize(changes[i].k, tagBytes(r.g), r.v as string);
        if (r.s > this.log_.maxRecord_()) {
          throw moteError(E_TOO_LARGE, "record of " + r.s + " bytes over a frame");
        }
        if (r.s > big) big = r.s;
        delta += this.unit_(r.s);
      }
    }
    if (delta <= 0) {
      // Nothing more to hold, but a larger record still widens what a page may waste.
      this.maxRec_ = big;
      return true;
    }
    const before = this.maxRec_;
    this.maxRec_ = big;
    const cap = this.capacity_();
    this.maxRec_ = before;
    if (this.cost_ + delta > cap) {
      if (!strict) return false;
      throw flashFull();
    }
    this.maxRec_ = big;
    return true;
  }

  /** The index changed key k from old to r (either may be undefined) by a write. */
  changed_(k: string, old: Rec | undefined, r: Rec | undefined): void {
    const slot = "#" + k;
    if (this.shadow_[slot] === undefined) {
      this.shadow_[slot] = NO_SHADOW;
      this.dirty_.push(k);
    }
    if (old !== undefined) {
      if (old.at >= 0) {
        // Flash holds this version until the flush: keep it for garbage collection and the count.
        this.shadow_[slot] = copyRec(old, undefined, old.at);
        if (old.v !== undefined) this.cacheBytes_ -= old.v.length;
      } else {
        this.bufferBytes_ -= old.n;
        this.cost_ -= this.unit_(old.s);
      }
    }
    if (r !== undefined) {
      this.bufferBytes_ += r.n;
      this.cost_ += this.unit_(r.s);
    }
  }

  /** The index dropped r under k because it expired. */
  expired_(r: Rec): void {
    if (r.at >= 0) this.timeDirty_ = true;
    // A dirty key has no record in the index now: its flush writes a tombstone if flash holds one.
    this.forget_(r);
  }

  /** Count a write operation; true when the buffer should be flushed now. */
  wrote_(): boolean {
    this.writes_++;
    this.sinceFlush_++;
    // The threshold follows how many writes the database had seen before this one.
    const seen = this.writes_ - 1;
    const every = !this.adaptive_ ? 10 : seen < 100 ? 10 : seen < 1000 ? 15 : 20;
    return this.sinceFlush_ >= every || this.bufferBytes_ > this.bufferLimit_;
  }

  pending_(): number {
    return this.dirty_.length;
  }

  /**
   * Write every buffered change to flash as one flush; returns how many buffered changes it settled
   * (a key put and deleted again before the flush settles without writing anything). Throws E_FULL
   * or E_FLASH and keeps the buffer when it cannot.
   */
  flush_(now: number): number {
    if (this.dirty_.length === 0 && !this.timeDirty_) return 0;
    const tree = this.tree_;
    const keys: string[] = [];
    const bytes: string[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < this.dirty_.length; i++) {
      const k = this.dirty_[i];
      const r = tree.get_(k);
      let b = "";
      if (r !== undefined && r.at < 0) b = encodeRecord(T_PUT, k, r.x, tagBytes(r.g), r.v as string);
      else if (r === undefined && this.shadow_["#" + k].at >= 0) b = encodeRecord(T_DEL, k, 0, "", "");
      if (b.length > 0) {
        keys.push(k);
        bytes.push(b);
        sizes.push(b.length);
      }
    }
    let addrs: number[] = [];
    if (bytes.length > 0 || this.timeDirty_) {
      this.room_(sizes, now);
      addrs = this.log_.write_(bytes, now, false);
    }
    const live = this.log_.live_;
    for (let i = 0; i < keys.length; i++) {
      const r = tree.get_(keys[i]);
      if (r !== undefined) {
        tree.set_(keys[i], copyRec(r, r.v, addrs[i]));
        live[this.page_(addrs[i])] += r.s;
        this.cacheBytes_ += r.n;
        this.cacheQueue_.push(keys[i]);
      }
    }
    for (let i = 0; i < this.dirty_.length; i++) {
      const sh = this.shadow_["#" + this.dirty_[i]];
      if (sh.at >= 0) {
        live[this.page_(sh.at)] -= sh.s;
        this.cost_ -= this.unit_(sh.s);
      }
    }
    const n = this.dirty_.length;
    this.clearBuffer_();
    this.trim_(this.cacheLimit_);
    return n;
  }

  /** Forget the write buffer: it was flushed, or a purge makes it moot. */
  private clearBuffer_(): void {
    this.dirty_ = [];
    this.shadow_ = {};
    this.bufferBytes_ = 0;
    this.sinceFlush_ = 0;
    this.timeDirty_ = false;
  }

  /** Collect garbage until the write buffer's records fit the erased pages a flush may take. */
  private room_(sizes: number[], now: number): void {
    let steps = 0;
    while (this.log_.pagesFor_(sizes) > this.log_.available_(false)) {
      if (steps > 2 * this.log_.N || !this.collect_(now)) {
        throw flashFull();
      }
      steps++;
    }
  }

  /**
   * Forget every record: one purge record on flash makes recovery forget everything before it. The
   * write buffer is dropped, not written: the purge would cancel it.
   */
  purge_(now: number): void {
    this.clearBuffer_();
    const b = encodeRecord(T_PURGE, "", 0, "", "");
    this.room_([b.length], now);
    this.log_.write_([b], now, false);
    for (let p = 0; p < this.log_.N; p++) this.log_.live_[p] = 0;
    this.cost_ = 0;
    this.cacheBytes_ = 0;
    this.cacheQueue_ = [];
  }

  // ---- garbage collection -----------------------------------------------------------------------

  /** One bounded step of garbage collection; false when there was nothing to collect. */
  collect_(now: number): boolean {
    const self = this;
    const tree = this.tree_;
    return this.log_.collect_(
      function (k: string, at: number): boolean {
        const sh = self.shadow_["#" + k];
        if (sh !== undefined) return sh.at === at;
        const r = tree.get_(k);
        return r !== undefined && r.at === at;
      },
      function (k: string, from: number, to: number, size: number) {
        self.log_.live_[self.page_(to)] += size;
        const slot = "#" + k;
        const sh = self.shadow_[slot];
        if (sh !== undefined) {
          self.shadow_[slot] = copyRec(sh, undefined, to);
        } else {
          const r = tree.get_(k) as Rec;
          tree.set_(k, copyRec(r, r.v, to));
        }
      },
      now,
    );
  }

  /** Whether the oldest page is at least half garbage: a step of garbage collection gains much. */
  worthCollecting_(): boolean {
    const log = this.log_;
    if (log.data_.length < 2) return false;
    const p = log.data_[0];
    return log.live_[p] * 2 <= log.used_[p] - log.D0;
  }

  /** Whether erased pages run low: the next flush could have to wait for garbage collection. */
  low_(): boolean {
    return this.log_.available_(false) < 1;
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** The value bytes of a record that is on flash, or undefined when its CRC fails. */
  value_(r: Rec): string | undefined {
    const b = this.log_.record_(r.at, r.s);
    return b === undefined ? undefined : b.substring(r.s - r.n);
  }

  /** Keep the value of k's record in RAM, when it fits the cache and `room` bytes of budget. */
  cache_(k: string, r: Rec, v: string, room: number): void {
    if (v.length > this.cacheLimit_) return;
    const before = this.cacheBytes_;
    this.trim_(this.cacheLimit_ - v.length);
    if (v.length > room + before - this.cacheBytes_) return;
    this.tree_.set_(k, copyRec(r, v, r.at));
    this.cacheBytes_ += v.length;
    this.cacheQueue_.push(k);
  }

  /** Drop cached values, oldest first, until they take at most `limit` bytes. */
  trim_(limit: number): void {
    const tree = this.tree_;
    while (this.cacheBytes_ > limit && this.cacheQueue_.length > 0) {
      const k = this.cacheQueue_.shift() as string;
      const r = tree.get_(k);
      if (r !== undefined && r.at >= 0 && r.v !== undefined) {
        tree.set_(k, copyRec(r, undefined, r.at));
        this.cacheBytes_ -= r.v.length;
      }
    }
    if (this.cacheQueue_.length > 2 * tree.size_ + 64) {
      // Entries of keys since overwritten or deleted: rebuild the queue from the index.
      const q: string[] = [];
      tree.each_(function (k: string, r: Rec) {
        if (r.at >= 0 && r.v !== undefined) q.push(k);
      });
      this.cacheQueue_ = q;
    }
  }

  stats_(): FlashStats {
    const log = this.log_;
    let min = Infinity;
    let max = 0;
    let sum = 0;
    let live = 0;
    for (let p = 0; p < log.N; p++) {
      const e = log.erases_[p];
      if (e < min) min = e;
      if (e > max) max = e;
      sum += e;
      live += log.live_[p];
    }
    return {
      pages: log.N,
      pageSize: this.log_.P,
      freePages: log.free_.length,
      erases: { min: min, max: max, mean: sum / log.N },
      liveBytes: live,
      garbageBytes: log.garbage_(),
      usedCapacity: this.cost_,
      capacity: this.capacity_(),
      corrupt: log.corrupt_,
      flushes: log.flushes_,
      gcRuns: log.gcRuns_,
      programmedBytes: log.programmed_,
      bufferedChanges: this.dirty_.length,
      cacheBytes: this.cacheBytes_,
      retries: log.retry_.retried_,
    };
  }
}

