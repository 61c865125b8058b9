// The flash-mode half of the database: the write buffer, the flushes, the value cache, and the
// bookkeeping that lets garbage collection and the E_FULL check know what flash must keep.
//
// The index (MoteDB's B-tree) always shows the newest state, buffered changes included. A key
// changed since the last flush is "dirty"; while it is, the version flash holds for it (its
// "shadow") is what garbage collection must keep, because a power cut would bring that version
// back. A flush writes the newest state of every dirty key (a put, or a tombstone when flash holds
// an older version) as one flush of the log, all or nothing.

import { BTree } from "./btree";
import { E_FULL, E_OPTION, E_TOO_LARGE, moteError } from "./errors";
import { FRAME_HEADER } from "./frame";
import { FlashLog, LogRecord, SPARE_PAGES } from "./log";
import { Flash } from "./ports";
import { encodeRecord, Rec, recordSize, T_DEL, T_PURGE, T_PUT, tagBytes } from "./record";
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
  return { v: v, x: r.x, g: r.g, at: at, n: r.n, s: r.s };
}

export class Store {
  log: FlashLog;
  tree: BTree<Rec>;
  P: number;
  G: number;
  dirty: string[];
  isDirty: Record<string, boolean>;
  shadowAt: Record<string, number>;
  shadowSize: Record<string, number>;
  /** Bytes of values kept in RAM for records that are on flash, and the order to drop them in. */
  cacheBytes: number;
  cacheLimit: number;
  cacheQueue: string[];
  /** Bytes of values buffered (not on flash yet). */
  bufferBytes: number;
  bufferLimit: number;
  /** The E_FULL check's count: every record flash must be able to hold, live or buffered. */
  cost: number;
  /** The largest record seen: a page may waste less than one frame of it at its end. */
  maxRec: number;
  writes: number;
  sinceFlush: number;
  adaptive: boolean;
  /** Records on flash expired since the last flush: the next flush records the time. */
  timeDirty: boolean;

  constructor(flash: Flash, o: Settings, tree: BTree<Rec>, budget: number) {
    if (flash.pageSize > 65536 || flash.pageSize < 128) throw moteError(E_OPTION, "flash pages of 128 to 65536 bytes are supported, got " + flash.pageSize);
    if (flash.pageCount < 4) throw moteError(E_OPTION, "flash mode needs at least 4 pages, got " + flash.pageCount);
    this.log = new FlashLog(flash, new Retry(o.clock, o.maxRetries, o.retryDelay, o.lockTimeout));
    this.tree = tree;
    this.P = flash.pageSize;
    this.G = flash.granularity;
    this.dirty = [];
    this.isDirty = {};
    this.shadowAt = {};
    this.shadowSize = {};
    this.cacheBytes = 0;
    this.cacheLimit = o.btreeCachesize;
    this.cacheQueue = [];
    this.bufferBytes = 0;
    this.bufferLimit = Math.floor(budget / 4);
    this.cost = 0;
    this.maxRec = 0;
    this.writes = 0;
    this.sinceFlush = 0;
    this.adaptive = o.adaptiveThreshold;
    this.timeDirty = false;
  }

  /** What a record of s bytes costs at most on flash: alone in a frame, padded. */
  private unit(s: number): number {
    return s + FRAME_HEADER + this.G - 1;
  }

  /**
   * The most the E_FULL check lets flash hold: every page but the spare, the head and one more,
   * each less what a page may waste at its end. With no more than this live, a full round of
   * garbage collection always frees a page (docs/FORMAT.md, "Capacity").
   */
  capacity(): number {
    const per = this.P - this.log.D0 - (FRAME_HEADER + this.maxRec + this.G);
    return per > 0 ? (this.log.N - 2 - SPARE_PAGES) * per : 0;
  }

  private page(at: number): number {
    return Math.floor(at / this.P);
  }

  // ---- opening ----------------------------------------------------------------------------------

  /** Recover the index from flash. Returns the highest database time the log holds. */
  open(): number {
    const self = this;
    const tree = this.tree;
    this.log.open(function (recs: LogRecord[]) {
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i];
        if (r.type === T_PURGE) {
          tree.clear();
          self.cost = 0;
          for (let p = 0; p < self.log.N; p++) self.log.live[p] = 0;
        } else {
          const old = r.type === T_PUT ? tree.set(r.key, { v: undefined, x: r.x, g: r.tags, at: r.at, n: r.n, s: r.size }) : tree.remove(r.key);
          if (old !== undefined) self.forget(old);
          if (r.type === T_PUT) {
            self.log.live[self.page(r.at)] += r.size;
            self.cost += self.unit(r.size);
            if (r.size > self.maxRec) self.maxRec = r.size;
          }
        }
      }
    });
    return this.log.time;
  }

  /** A record on flash is no longer needed. */
  private forget(r: Rec): void {
    if (r.at >= 0) {
      this.log.live[this.page(r.at)] -= r.s;
      if (r.v !== undefined) this.cacheBytes -= r.v.length;
    } else {
      this.bufferBytes -= r.n;
    }
    this.cost -= this.unit(r.s);
  }

  // ---- writing ----------------------------------------------------------------------------------

  /**
   * Size the records of these changes; throw E_TOO_LARGE, or E_FULL when `strict` (else return
   * false), before anything changes.
   */
  admit(changes: { k: string; r: Rec | undefined }[], strict: boolean): boolean {
    let delta = 0;
    let big = this.maxRec;
    for (let i = 0; i < changes.length; i++) {
      const r = changes[i].r;
      const old = this.tree.get(changes[i].k);
      if (old !== undefined && old.at < 0) delta -= this.unit(old.s);
      if (r !== undefined) {
        r.s = recordSize(changes[i].k, tagBytes(r.g), r.v as string);
        if (r.s + FRAME_HEADER > this.P - this.log.D0) {
          throw moteError(E_TOO_LARGE, "this record takes " + r.s + " bytes and a flash page holds " + (this.P - this.log.D0 - FRAME_HEADER) + ": store less per record");
        }
        if (r.s > big) big = r.s;
        delta += this.unit(r.s);
      }
    }
    if (delta <= 0) return true;
    const before = this.maxRec;
    this.maxRec = big;
    const cap = this.capacity();
    this.maxRec = before;
    if (this.cost + delta > cap) {
      if (!strict) return false;
      throw moteError(E_FULL, "flash is full: this write needs " + delta + " bytes and " + Math.max(0, cap - this.cost) + " of " + cap + " are free: delete records or use shorter TTLs");
    }
    this.maxRec = big;
    return true;
  }

  /** The index changed key k from old to r (either may be undefined) by a write. */
  changed(k: string, old: Rec | undefined, r: Rec | undefined): void {
    const slot = "#" + k;
    if (this.isDirty[slot] !== true) {
      this.isDirty[slot] = true;
      this.dirty.push(k);
    }
    if (old !== undefined) {
      if (old.at >= 0) {
        // Flash holds this version until the flush: keep it for garbage collection and the count.
        this.shadowAt[slot] = old.at;
        this.shadowSize[slot] = old.s;
        if (old.v !== undefined) this.cacheBytes -= old.v.length;
      } else {
        this.bufferBytes -= old.n;
        this.cost -= this.unit(old.s);
      }
    }
    if (r !== undefined) {
      this.bufferBytes += r.n;
      this.cost += this.unit(r.s);
    }
  }

  /** The index dropped r under k because it expired. */
  expired(r: Rec): void {
    if (r.at >= 0) this.timeDirty = true;
    // A dirty key has no record in the index now: its flush writes a tombstone if flash holds one.
    this.forget(r);
  }

  /** Count a write operation; true when the buffer should be flushed now. */
  wrote(): boolean {
    this.writes++;
    this.sinceFlush++;
    // The threshold follows how many writes the database had seen before this one.
    const seen = this.writes - 1;
    const every = !this.adaptive ? 10 : seen < 100 ? 10 : seen < 1000 ? 15 : 20;
    return this.sinceFlush >= every || this.bufferBytes > this.bufferLimit;
  }

  pending(): number {
    return this.dirty.length;
  }

  /**
   * Write every buffered change to flash as one flush; returns how many changes it wrote. Throws
   * E_FULL or E_FLASH and keeps the buffer when it cannot.
   */
  flush(now: number): number {
    if (this.dirty.length === 0 && !this.timeDirty) return 0;
    const tree = this.tree;
    const keys: string[] = [];
    const bytes: string[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < this.dirty.length; i++) {
      const k = this.dirty[i];
      const r = tree.get(k);
      let b = "";
      if (r !== undefined && r.at < 0) b = encodeRecord(T_PUT, k, r.x, tagBytes(r.g), r.v as string);
      else if (r === undefined && this.shadowAt["#" + k] !== undefined) b = encodeRecord(T_DEL, k, 0, "", "");
      if (b.length > 0) {
        keys.push(k);
        bytes.push(b);
        sizes.push(b.length);
      }
    }
    this.room(sizes, now);
    const addrs = this.log.write(bytes, now, false);
    const live = this.log.live;
    for (let i = 0; i < keys.length; i++) {
      const r = tree.get(keys[i]);
      if (r !== undefined) {
        tree.set(keys[i], copyRec(r, r.v, addrs[i]));
        live[this.page(addrs[i])] += r.s;
        this.cacheBytes += r.n;
        this.cacheQueue.push(keys[i]);
      }
    }
    for (let i = 0; i < this.dirty.length; i++) {
      const slot = "#" + this.dirty[i];
      const at = this.shadowAt[slot];
      if (at !== undefined) {
        live[this.page(at)] -= this.shadowSize[slot];
        this.cost -= this.unit(this.shadowSize[slot]);
      }
    }
    const n = this.dirty.length;
    this.dirty = [];
    this.isDirty = {};
    this.shadowAt = {};
    this.shadowSize = {};
    this.bufferBytes = 0;
    this.sinceFlush = 0;
    this.timeDirty = false;
    this.trim(this.cacheLimit);
    return n;
  }

  /** Collect garbage until the write buffer's records fit the erased pages a flush may take. */
  private room(sizes: number[], now: number): void {
    let steps = 0;
    while (this.log.pagesFor(sizes) > this.log.available(false)) {
      if (steps > 2 * this.log.N || !this.collect(now)) {
        throw moteError(E_FULL, "flash has no room for the buffered changes: delete records");
      }
      steps++;
    }
  }

  /** Forget every record: one purge record on flash makes recovery forget everything before it. */
  purge(now: number): void {
    this.flush(now);
    const b = encodeRecord(T_PURGE, "", 0, "", "");
    this.room([b.length], now);
    this.log.write([b], now, false);
    for (let p = 0; p < this.log.N; p++) this.log.live[p] = 0;
    this.cost = 0;
    this.cacheBytes = 0;
    this.cacheQueue = [];
  }

  // ---- garbage collection -----------------------------------------------------------------------

  /** One bounded step of garbage collection; false when there was nothing to collect. */
  collect(now: number): boolean {
    const self = this;
    const tree = this.tree;
    return this.log.collect(
      function (k: string, at: number): boolean {
        const slot = "#" + k;
        if (self.isDirty[slot] === true) return self.shadowAt[slot] === at;
        const r = tree.get(k);
        return r !== undefined && r.at === at;
      },
      function (k: string, from: number, to: number, size: number) {
        self.log.live[self.page(to)] += size;
        const slot = "#" + k;
        if (self.isDirty[slot] === true) {
          self.shadowAt[slot] = to;
        } else {
          const r = tree.get(k) as Rec;
          tree.set(k, copyRec(r, r.v, to));
        }
      },
      now,
    );
  }

  /** Whether the oldest page is at least half garbage: a step of garbage collection gains much. */
  worthCollecting(): boolean {
    const log = this.log;
    if (log.data.length < 2) return false;
    const p = log.data[0];
    return log.live[p] * 2 <= log.used[p] - log.D0;
  }

  /** Whether erased pages run low: the next flush could have to wait for garbage collection. */
  low(): boolean {
    return this.log.available(false) < 1;
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** The value bytes of a record that is on flash, or undefined when its CRC fails. */
  value(r: Rec): string | undefined {
    const b = this.log.record(r.at, r.s);
    return b === undefined ? undefined : b.substring(r.s - r.n);
  }

  /** Keep the value of k's record in RAM, when it fits the cache and `room` bytes of budget. */
  cache(k: string, r: Rec, v: string, room: number): void {
    if (v.length > this.cacheLimit) return;
    const before = this.cacheBytes;
    this.trim(this.cacheLimit - v.length);
    if (v.length > room + before - this.cacheBytes) return;
    this.tree.set(k, copyRec(r, v, r.at));
    this.cacheBytes += v.length;
    this.cacheQueue.push(k);
  }

  /** Drop cached values, oldest first, until they take at most `limit` bytes. */
  trim(limit: number): void {
    const tree = this.tree;
    while (this.cacheBytes > limit && this.cacheQueue.length > 0) {
      const k = this.cacheQueue.shift() as string;
      const r = tree.get(k);
      if (r !== undefined && r.at >= 0 && r.v !== undefined) {
        tree.set(k, copyRec(r, undefined, r.at));
        this.cacheBytes -= r.v.length;
      }
    }
    if (this.cacheQueue.length > 2 * tree.size + 64) {
      // Entries of keys since overwritten or deleted: rebuild the queue from the index.
      const q: string[] = [];
      tree.each(function (k: string, r: Rec) {
        if (r.at >= 0 && r.v !== undefined) q.push(k);
      });
      this.cacheQueue = q;
    }
  }

  stats(): FlashStats {
    const log = this.log;
    let min = Infinity;
    let max = 0;
    let sum = 0;
    let live = 0;
    for (let p = 0; p < log.N; p++) {
      const e = log.erases[p];
      if (e < min) min = e;
      if (e > max) max = e;
      sum += e;
      live += log.live[p];
    }
    return {
      pages: log.N,
      pageSize: this.P,
      freePages: log.free.length,
      erases: { min: min, max: max, mean: sum / log.N },
      liveBytes: live,
      garbageBytes: log.garbage(),
      usedCapacity: this.cost,
      capacity: this.capacity(),
      corrupt: log.corrupt,
      flushes: log.flushes,
      gcRuns: log.gcRuns,
      programmedBytes: log.programmed,
      bufferedChanges: this.dirty.length,
      cacheBytes: this.cacheBytes,
      retries: log.retry.retried,
    };
  }
}
