// The flash-mode half of the database: the write buffer, the flushes, garbage collection, the value
// cache, and the bookkeeping that lets garbage collection and the E_FULL check know what flash must
// keep.
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
import { Found, FrameHead, scanPage } from "./frame";
import { FlashLog, flashFull, LogRecord } from "./log";
import { Flash } from "./ports";
import { encodeRecord, rec, Rec, recordOk, T_DEL, T_PURGE, T_PUT, tagBytes } from "./record";
import { Retry } from "./retry";
import { Settings } from "./options";
import { fromUtf8, utf8 } from "./utf8";
import { fill } from "./bytes";

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
  // The fields marked ! are set by clear_(), which the constructor calls.
  dirty_!: string[];
  /** Each dirty key's shadow (its place and size), or NO_SHADOW when flash holds no version of it. */
  shadow_!: Record<string, Rec>;
  /** Bytes of values kept in RAM for records that are on flash, and the order to drop them in. */
  cacheBytes_!: number;
  cacheLimit_: number;
  cacheQueue_!: string[];
  /** Bytes of values buffered (not on flash yet). */
  bufferBytes_!: number;
  bufferLimit_: number;
  /** The E_FULL check's count: every record flash must be able to hold, live or buffered. */
  cost_!: number;
  /** The largest record seen: a page may waste less than one frame of it at its end. */
  maxRec_: number;
  writes_: number;
  sinceFlush_!: number;
  adaptive_: boolean;
  /** Records on flash expired since the last flush: the next flush records the time. */
  timeDirty_!: boolean;

  constructor(flash: Flash, o: Settings, tree: BTree<Rec>, budget: number) {
    if (flash.pageSize > 16777216 || flash.pageSize < 128 || flash.pageCount < 4) throw moteError(E_OPTION, "flash: pageSize 128..16777216, pageCount 4 or more");
    this.log_ = new FlashLog(flash, new Retry(o.clock, o.maxRetries, o.retryDelay, o.lockTimeout));
    this.tree_ = tree;
    this.cacheLimit_ = o.btreeCachesize;
    this.bufferLimit_ = Math.floor(budget / 4);
    this.maxRec_ = 0;
    this.writes_ = 0;
    this.adaptive_ = o.adaptiveThreshold;
    this.clear_(true);
  }

  /** What a record of s bytes costs at most on flash: alone in a frame, padded. */
  private unit_(s: number): number {
    return s + 20 + this.log_.G - 1;
  }

  /**
   * The most the E_FULL check lets flash hold, with records of up to m bytes: every page but the
   * spare, the head and one more, each less what a page may waste at its end. With no more than
   * this live, a full round of garbage collection always frees a page (docs/FORMAT.md, "Capacity").
   */
  private capacity_(m: number): number {
    const log = this.log_;
    return (log.N - 3) * Math.max(0, log.P - log.D0 - 20 - m - log.G);
  }

  /** Add s bytes (or take them away) to the live bytes of the page that holds address at. */
  private addLive_(at: number, s: number): void {
    const log = this.log_;
    log.live_[Math.floor(at / log.P)] += s;
  }

  /** Forget the write buffer: it was flushed, or a purge makes it moot; with `all`, every record too. */
  private clear_(all: boolean): void {
    const self = this;
    self.dirty_ = [];
    self.shadow_ = {};
    self.bufferBytes_ = self.sinceFlush_ = 0;
    self.timeDirty_ = false;
    if (all) {
      self.cost_ = self.cacheBytes_ = 0;
      self.cacheQueue_ = [];
      for (let p = 0; p < self.log_.N; p++) self.log_.live_[p] = 0;
    }
  }

  // ---- opening ----------------------------------------------------------------------------------

  /** Recover the index from flash. Returns the highest database time the log holds. */
  open_(): number {
    const self = this;
    const tree = self.tree_;
    self.log_.open(function (recs: LogRecord[]) {
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i];
        const size = r.size;
        if (r.type === T_PURGE) {
          tree.clear_();
          self.clear_(true);
        } else if (r.type === T_PUT) {
          const old = tree.set_(r.key, rec(undefined, r.x, r.tags, r.at, r.n, size));
          if (old) self.forget_(old);
          self.addLive_(r.at, size);
          self.cost_ += self.unit_(size);
          self.maxRec_ = Math.max(self.maxRec_, size);
        } else {
          const old = tree.remove_(r.key);
          if (old) self.forget_(old);
        }
      }
    });
    return self.log_.time;
  }

  /** A record on flash or in the buffer is no longer needed. */
  private forget_(r: Rec): void {
    const self = this;
    if (r.at < 0) self.bufferBytes_ -= r.n;
    else {
      self.addLive_(r.at, -r.s);
      if (r.v !== undefined) self.cacheBytes_ -= r.v.length;
    }
    self.cost_ -= self.unit_(r.s);
  }

  // ---- writing ----------------------------------------------------------------------------------

  /**
   * Size the records of these changes; throw E_TOO_LARGE, or E_FULL when `strict` (else return
   * false), before anything changes.
   */
  admit_(changes: { k: string; r: Rec | undefined }[], strict: boolean): boolean {
    const self = this;
    const log = self.log_;
    let delta = 0;
    let big = self.maxRec_;
    for (let i = 0; i < changes.length; i++) {
      const k = changes[i].k;
      const r = changes[i].r;
      const old = self.tree_.get_(k);
      if (old && old.at < 0) delta -= self.unit_(old.s);
      if (r) {
        const s = (r.s = 14 + utf8(k).length + tagBytes(r.g).length + (r.v as string).length);
        if (s > Math.min(log.P - log.D0 - 20, 65535)) throw moteError(E_TOO_LARGE, "record of " + s + " bytes over a frame");
        big = Math.max(big, s);
        delta += self.unit_(s);
      }
    }
    // A larger record widens what a page may waste, even in a batch that holds nothing more.
    if (delta > 0 && self.cost_ + delta > self.capacity_(big)) {
      if (strict) throw flashFull();
      return false;
    }
    self.maxRec_ = big;
    return true;
  }

  /** The index changed key k from old to r (either may be undefined) by a write. */
  changed_(k: string, old: Rec | undefined, r: Rec | undefined): void {
    const self = this;
    const slot = "#" + k;
    if (!self.shadow_[slot]) {
      self.shadow_[slot] = NO_SHADOW;
      self.dirty_.push(k);
    }
    if (old) {
      if (old.at < 0) self.forget_(old);
      else {
        // Flash holds this version until the flush: keep it for garbage collection and the count.
        self.shadow_[slot] = copyRec(old, undefined, old.at);
        if (old.v !== undefined) self.cacheBytes_ -= old.v.length;
      }
    }
    if (r) {
      self.bufferBytes_ += r.n;
      self.cost_ += self.unit_(r.s);
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
    const self = this;
    // The threshold follows how many writes the database had seen before this one.
    const seen = self.writes_++;
    return ++self.sinceFlush_ >= (!self.adaptive_ || seen < 100 ? 10 : seen < 1000 ? 15 : 20) || self.bufferBytes_ > self.bufferLimit_;
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
    const self = this;
    const tree = self.tree_;
    const dirty = self.dirty_;
    const n = dirty.length;
    if (n === 0 && !self.timeDirty_) return 0;
    // A dirty key's record in the index is buffered, never on flash yet: write it, or a tombstone
    // when the key is gone and flash holds an older version (its shadow).
    const bytes: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = tree.get_(dirty[i]);
      if (r || self.shadow_["#" + dirty[i]].at >= 0) bytes.push(encodeRecord(r ? T_PUT : T_DEL, dirty[i], r));
    }
    if (bytes.length > 0 || self.timeDirty_) {
      const addrs = self.write_(bytes, now);
      let j = 0;
      for (let i = 0; i < n; i++) {
        const k = dirty[i];
        const r = tree.get_(k);
        const sh = self.shadow_["#" + k];
        if (sh.at >= 0) {
          // The shadow is garbage now.
          self.addLive_(sh.at, -sh.s);
          self.cost_ -= self.unit_(sh.s);
        }
        if (r) {
          tree.set_(k, copyRec(r, r.v, addrs[j]));
          self.addLive_(addrs[j], r.s);
          self.cacheBytes_ += r.n;
          self.cacheQueue_.push(k);
        }
        if (r || sh.at >= 0) j++;
      }
    }
    self.clear_(false);
    self.trim_(self.cacheLimit_);
    return n;
  }

  /** Collect garbage until the records fit the erased pages a flush may take; write them as one flush. */
  private write_(bytes: string[], now: number): number[] {
    const log = this.log_;
    // A flush may not take the last erased page: the spare.
    for (let steps = 0; log.write_(bytes, 0, false, true).length >= log.free_.length; steps++) {
      if (steps > 2 * log.N || !this.collect_(now)) throw flashFull();
    }
    return log.write_(bytes, now, false);
  }

  /**
   * Forget every record: one purge record on flash makes recovery forget everything before it. The
   * write buffer is dropped, not written: the purge cancels it.
   */
  purge_(now: number): void {
    this.write_([encodeRecord(T_PURGE, "")], now);
    this.clear_(true);
  }

  // ---- garbage collection -----------------------------------------------------------------------

  /**
   * One bounded step of garbage collection; false when there was nothing to collect. Copy the live
   * records of the oldest page (those the index, or a dirty key's shadow, still points at) to the
   * head as one flush, mark the page obsolete, erase it and give it a new header.
   */
  collect_(now: number): boolean {
    const self = this;
    const log = self.log_;
    const data = log.data_;
    const P = log.P;
    const G = log.G;
    if (data.length === 0) return false;
    const victim = data[0];
    if (data.length === 1) log.used_[victim] = P; // the copies go to a new page
    const keys: string[] = [];
    const copies: string[] = [];
    log.corrupt_ += scanPage(log.read_, victim * P, log.D0, P, G, function (h: FrameHead, at: number, recs: Found[]) {
      for (let i = 0; i < recs.length; i++) {
        const f = recs[i];
        if (f.ok_ && f.type_ === T_PUT) {
          const k = fromUtf8(f.key_);
          const r = self.needs_(k);
          if (r && r.at === f.at) {
            keys.push(k);
            copies.push(log.read_(f.at, f.size_));
          }
        }
      }
    }).corrupt_;
    if (keys.length > 0) {
      const to = log.write_(copies, now, true);
      for (let i = 0; i < keys.length; i++) {
        const slot = "#" + keys[i];
        const r = self.needs_(keys[i]) as Rec;
        const moved = copyRec(r, r.v, to[i]);
        if (self.shadow_[slot]) self.shadow_[slot] = moved;
        else self.tree_.set_(keys[i], moved);
        self.addLive_(to[i], r.s);
      }
    }
    // Mark, then erase: recovery ignores a marked page, so a half-erased page is never read as data.
    // A mark that cannot be written stops here, before the erase: the page stays in the log (its
    // live records are already copied) and the next step marks it again.
    log.retry_.run_("program", function () {
      log.flash_.program(victim * P + log.D0 - G, fill(0, G));
    });
    log.programmed_ += G;
    data.shift();
    log.renew_(victim, log.erases_[victim], true);
    log.gcRuns_++;
    return true;
  }

  /** The version of k flash must keep: a dirty key's shadow, else the index's record. */
  private needs_(k: string): Rec | undefined {
    const sh = this.shadow_["#" + k];
    return sh ? sh : this.tree_.get_(k);
  }

  /** Whether the oldest page is at least half garbage: a step of garbage collection gains much. */
  worthCollecting_(): boolean {
    const log = this.log_;
    const p = log.data_[0];
    return log.data_.length > 1 && log.live_[p] * 2 <= log.used_[p] - log.D0;
  }

  /** Whether erased pages run low: the next flush could have to wait for garbage collection. */
  low_(): boolean {
    return this.log_.free_.length < 2;
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** The value bytes of a record that is on flash, or undefined when its CRC fails. */
  value_(r: Rec): string | undefined {
    const log = this.log_;
    const b = log.read_(r.at, r.s);
    if (recordOk(b)) return b.substring(r.s - r.n);
    log.corrupt_++;
    return undefined;
  }

  /** Keep the value of k's record in RAM, when it fits the cache and `room` bytes of budget. */
  cache_(k: string, r: Rec, v: string, room: number): void {
    const self = this;
    const n = v.length;
    const before = self.cacheBytes_;
    if (n > self.cacheLimit_) return;
    self.trim_(self.cacheLimit_ - n);
    if (n > room + before - self.cacheBytes_) return;
    self.tree_.set_(k, copyRec(r, v, r.at));
    self.cacheBytes_ += n;
    self.cacheQueue_.push(k);
  }

  /** Drop cached values, oldest first, until they take at most `limit` bytes. */
  trim_(limit: number): void {
    const self = this;
    const tree = self.tree_;
    while (self.cacheBytes_ > limit && self.cacheQueue_.length > 0) {
      const k = self.cacheQueue_.shift() as string;
      const r = tree.get_(k);
      if (r && r.at >= 0 && r.v !== undefined) {
        tree.set_(k, copyRec(r, undefined, r.at));
        self.cacheBytes_ -= r.v.length;
      }
    }
    if (self.cacheQueue_.length > 2 * tree.size_ + 64) {
      // Entries of keys since overwritten or deleted: rebuild the queue from the index.
      const q: string[] = [];
      tree.each_(function (k: string, r: Rec) {
        if (r.at >= 0 && r.v !== undefined) q.push(k);
      });
      self.cacheQueue_ = q;
    }
  }

  stats_(): FlashStats {
    const self = this;
    const log = self.log_;
    const N = log.N;
    let min = Infinity;
    let max = 0;
    let sum = 0;
    let live = 0;
    let used = 0;
    for (let p = 0; p < N; p++) {
      const e = log.erases_[p];
      min = Math.min(min, e);
      max = Math.max(max, e);
      sum += e;
      live += log.live_[p];
      used += log.used_[p];
    }
    return {
      pages: N,
      pageSize: log.P,
      freePages: log.free_.length,
      erases: { min: min, max: max, mean: sum / N },
      liveBytes: live,
      // Bytes in data pages that hold no live record (every other page has used_ D0 and no live
      // bytes): what garbage collection can reclaim.
      garbageBytes: used - N * log.D0 - live,
      usedCapacity: self.cost_,
      capacity: self.capacity_(self.maxRec_),
      corrupt: log.corrupt_,
      flushes: log.flushes_,
      gcRuns: log.gcRuns_,
      programmedBytes: log.programmed_,
      bufferedChanges: self.dirty_.length,
      cacheBytes: self.cacheBytes_,
      retries: log.retry_.retried_,
    };
  }
}
