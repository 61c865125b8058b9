// The flash-mode half of the database: the write buffer, the flushes, garbage collection, the value
// cache, and the bookkeeping that lets garbage collection and the E_FULL check know what flash must
// keep.
//
// The index (MoteDB's B-tree) always shows the newest state, buffered changes included. A key
// changed since the last flush is "dirty"; while it is, the version flash holds for it (its
// "shadow") is what garbage collection must keep, because a power cut would bring that version
// back. A flush writes the newest state of every dirty key (a put, or a tombstone when flash holds
// an older version) as one flush of the log, all or nothing.
// A record on flash has no value in the index: values read from flash, and those just flushed, are
// kept in a cache of their own, which the RAM budget counts with the index. A record's place on
// flash (`at`) is set in place when garbage collection moves it: the budget does not count it.
//
// The store is the functions openStore() makes over its state (local variables: on Espruino they
// are shorter than an object's fields). Flash mode only: the Espruino build defines this code when
// flash mode first opens (FLASH_ONLY in tools/build-espruino.ts), since every function defined
// costs RAM there and memory mode needs none.

import { BTree } from "./btree";
import { E_OPTION, E_TOO_LARGE, fail } from "./errors";
import { Found, FrameHead, scanPage } from "./frame";
import { FlashLog, flashFull, LogRecord } from "./log";
import { FRAME_HEADER, FRAME_MAX, MAX_PAGE_SIZE, MIN_PAGE_SIZE, RECORD_HEADER } from "./format";
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

/** What MoteDB asks of the store: functions over its state (no `this`). */
export interface Store {
  /** The highest database time the log held when the store opened. */
  time_: number;
  /**
   * Size the records of the changes (keys[i] gets recs[i], undefined: deleted); throw E_TOO_LARGE,
   * or E_FULL when `strict` (else return false), before anything changes.
   */
  admit_: (this: void, keys: string[], recs: (Rec | undefined)[], strict: boolean) => boolean;
  /** The index changed key k from old to r (either may be undefined) by a write. */
  changed_: (this: void, k: string, old: Rec | undefined, r: Rec | undefined) => void;
  /** The index dropped record r: it expired, or its bytes are lost. */
  dropped_: (this: void, r: Rec) => void;
  /** Count a write operation; true when the buffer should be flushed now. */
  wrote_: (this: void) => boolean;
  /** How many changes are buffered. */
  pending_: (this: void) => number;
  /**
   * Write every buffered change to flash as one flush; returns how many buffered changes it settled
   * (a key put and deleted again before the flush settles without writing anything). Throws E_FULL
   * or E_FLASH and keeps the buffer when it cannot.
   */
  flush_: (this: void, now: number) => number;
  /**
   * After a flush: collect garbage when erased pages run low (the next flush could have to wait for
   * it) and, at `housekeeping`, when the oldest page is at least half garbage (a step gains much).
   */
  tidy_: (this: void, now: number, housekeeping: boolean) => void;
  /**
   * Forget every record: one purge record on flash makes recovery forget everything before it. The
   * write buffer is dropped, not written: the purge cancels it.
   */
  purge_: (this: void, now: number) => void;
  /**
   * The value bytes of the index's record r, which is on flash: from the cache, or read from flash
   * and kept in the cache when it fits it and `room` bytes of budget; undefined when its CRC fails.
   */
  value_: (this: void, r: Rec, room: number) => string | undefined;
  /** Bytes of the values cached. */
  cached_: (this: void) => number;
  /** Drop cached values, oldest first, until they take at most `limit` bytes. */
  trim_: (this: void, limit: number) => void;
  stats_: (this: void) => FlashStats;
}

/** A record of the index whose value the cache holds, in c_. */
type Cached = Rec & { c_?: string };

/** The shadow of a dirty key that flash holds no version of: no place on flash. */
const NO_SHADOW = { at: -1 } as Rec;

/** Open the store: recover the index (tree) from the flash log. */
export function openStore(flash: Flash, o: Settings, tree: BTree<Rec>, budget: number): Store {
  if (flash.pageSize > MAX_PAGE_SIZE || flash.pageSize < MIN_PAGE_SIZE || flash.pageCount < 4) fail(E_OPTION, "flash: pageSize 128..2^24, pageCount 4+");
  const log = new FlashLog(flash, new Retry(o));
  const cacheLimit = o.btreeCachesize;
  /** The dirty keys, and each one's shadow (its place and size), or NO_SHADOW when flash holds no version of it. */
  let dirty: string[] = [];
  let shadow: Record<string, Rec> = {};
  /** Bytes of values buffered (not on flash yet). */
  let bufferBytes = 0;
  /** Records on flash expired since the last flush: the next flush records the time. */
  let timeDirty = false;
  /** The E_FULL check's count: every record flash must be able to hold, live or buffered. */
  let cost = 0;
  /** The largest record seen: a page may waste less than one frame of it at its end. */
  let maxRec = 0;
  /** The value cache: the records on flash whose value is cached, oldest first, and the values' bytes. */
  let cached: Cached[] = [];
  let cacheBytes = 0;
  /** Write operations: in all, and since the last flush. */
  let writes = 0;
  let sinceFlush = 0;

  /** What a record of s bytes costs at most on flash: alone in a frame, padded. */
  function unit(s: number): number {
    return s + FRAME_HEADER + log.G - 1;
  }

  /**
   * The most the E_FULL check lets flash hold, with records of up to m bytes: every page but the
   * spare, the head and one more (N - 3), each less what a page may waste at its end. With no more
   * than this live, a full round of garbage collection always frees a page (docs/FORMAT.md, "Capacity").
   */
  function capacity(m: number): number {
    return (log.N - 3) * Math.max(0, log.P - log.D0 - FRAME_HEADER - m - log.G);
  }

  /** Add s bytes (or take them away) to the live bytes of the page that holds address at. */
  function addLive(at: number, s: number): void {
    log.live_[Math.floor(at / log.P)] += s;
  }

  /** Forget the write buffer: it was flushed, or a purge makes it moot; with `all`, every record too. */
  function clear(all: boolean): void {
    dirty = [];
    shadow = {};
    bufferBytes = sinceFlush = 0;
    timeDirty = false;
    if (all) {
      cost = cacheBytes = 0;
      cached = [];
      log.live_.fill(0);
    }
  }

  /** A record on flash or in the buffer is no longer needed. */
  function forget(r: Rec): void {
    if (r.at < 0) bufferBytes -= r.n;
    else addLive(r.at, -r.s);
    cost -= unit(r.s);
  }

  function cache(r: Cached, v: string): void {
    cached.push(r);
    r.c_ = v;
    cacheBytes += v.length;
  }

  /**
   * Record r leaves the index: its value leaves the cache, and the record (which may live on as a
   * key's shadow until the flush) lets go of it. Deleted, not set to undefined: on Espruino a
   * property that holds undefined still takes a variable.
   */
  function uncache(r: Cached): void {
    const i = cached.indexOf(r);
    if (i >= 0) {
      cacheBytes -= (r.c_ as string).length;
      cached.splice(i, 1);
      delete r.c_;
    }
  }

  function trim(limit: number): void {
    while (cacheBytes > limit) {
      const r = cached.shift() as Cached;
      cacheBytes -= (r.c_ as string).length;
      delete r.c_;
    }
  }

  /** Collect garbage until the records fit the erased pages a flush may take; write them as one flush. */
  function write(bytes: string[], now: number): number[] {
    // A flush may not take the last erased page: the spare.
    for (let steps = 0; log.write_(bytes, 0, false, true).length >= log.free_.length; steps++) {
      if (steps > 2 * log.N || !collect(now)) throw flashFull();
    }
    return log.write_(bytes, now, false);
  }

  /**
   * One bounded step of garbage collection; false when there was nothing to collect. Copy the live
   * records of the oldest page (those the index, or a dirty key's shadow, still points at) to the
   * head as one flush, mark the page obsolete, erase it and give it a new header.
   */
  function collect(now: number): boolean {
    const data = log.data_;
    const P = log.P;
    const G = log.G;
    if (data.length === 0) return false;
    const victim = data[0];
    if (data.length === 1) log.used_[victim] = P; // the copies go to a new page
    const live: Rec[] = [];
    const copies: string[] = [];
    log.corrupt_ += scanPage(log.read_, victim * P, log.D0, P, G, function (h: FrameHead, at: number, recs: Found[]) {
      recs.forEach(function (f: Found) {
        if (f.ok_) {
          // The version of the key flash must keep: a dirty key's shadow, else the index's record
          // (a put: no other record has its place).
          const k = fromUtf8(f.key_);
          const r = shadow["#" + k] || tree.get_(k);
          if (r && r.at === f.at) {
            live.push(r);
            copies.push(f.bytes_);
          }
        }
      });
    }).corrupt_;
    if (live.length > 0) {
      const to = log.write_(copies, now, true);
      live.forEach(function (r: Rec, i: number) {
        r.at = to[i];
        addLive(to[i], r.s);
      });
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

  // Recover the index from flash.
  log.open(function (recs: LogRecord[]) {
    recs.forEach(function (r: LogRecord) {
      const size = r.size_;
      if (r.type_ === T_PURGE) {
        tree.clear_();
        clear(true);
      } else {
        // A put is the key's record now (its value stays on flash); a delete removes the key.
        const put = r.type_ === T_PUT;
        const old = tree.set_(r.key_, put ? rec(undefined, r.x, r.tags_, r.at, r.n, size) : undefined);
        if (old) forget(old);
        if (put) {
          addLive(r.at, size);
          cost += unit(size);
          maxRec = Math.max(maxRec, size);
        }
      }
    });
  });

  return {
    time_: log.time,

    admit_: function (keys: string[], recs: (Rec | undefined)[], strict: boolean): boolean {
      let delta = 0;
      let big = maxRec;
      keys.forEach(function (k: string, i: number) {
        const r = recs[i];
        const old = tree.get_(k);
        if (old && old.at < 0) delta -= unit(old.s);
        if (r) {
          const s = (r.s = RECORD_HEADER + utf8(k).length + tagBytes(r.g).length + (r.v as string).length);
          if (s > Math.min(log.P - log.D0 - FRAME_HEADER, FRAME_MAX)) fail(E_TOO_LARGE, "record of " + s + " bytes over a frame");
          big = Math.max(big, s);
          delta += unit(s);
        }
      });
      // A larger record widens what a page may waste, even in a batch that holds nothing more.
      if (delta > 0 && cost + delta > capacity(big)) {
        if (strict) throw flashFull();
        return false;
      }
      maxRec = big;
      return true;
    },

    changed_: function (k: string, old: Rec | undefined, r: Rec | undefined): void {
      const slot = "#" + k;
      if (!shadow[slot]) {
        shadow[slot] = NO_SHADOW;
        dirty.push(k);
      }
      // Flash holds the old version until the flush: keep it for garbage collection and the count.
      if (old) {
        uncache(old);
        if (old.at < 0) forget(old);
        else shadow[slot] = old;
      }
      if (r) {
        bufferBytes += r.n;
        cost += unit(r.s);
      }
    },

    dropped_: function (r: Rec): void {
      if (r.at >= 0) timeDirty = true;
      uncache(r);
      forget(r);
    },

    wrote_: function (): boolean {
      // The threshold follows how many writes the database had seen before this one. Buffered
      // values may take a quarter of the RAM budget.
      const seen = writes++;
      return ++sinceFlush >= (!o.adaptiveThreshold || seen < 100 ? 10 : seen < 1000 ? 15 : 20) || bufferBytes > budget / 4;
    },

    pending_: function (): number {
      return dirty.length;
    },

    flush_: function (now: number): number {
      // A dirty key's record in the index is buffered, never on flash yet: write it, or a tombstone
      // when the key is gone and flash holds an older version (its shadow).
      const keys: string[] = [];
      const bytes: string[] = [];
      const n = dirty.length;
      dirty.forEach(function (k: string) {
        const r = tree.get_(k);
        if (r || shadow["#" + k].at >= 0) {
          keys.push(k);
          bytes.push(encodeRecord(r ? T_PUT : T_DEL, k, r));
        }
      });
      const to = bytes.length > 0 || timeDirty ? write(bytes, now) : [];
      keys.forEach(function (k: string, i: number) {
        const r = tree.get_(k);
        const sh = shadow["#" + k];
        // The shadow is garbage now; the record is on flash, and its value cached.
        if (sh.at >= 0) forget(sh);
        if (r) {
          const f = rec(undefined, r.x, r.g, to[i], r.n, r.s);
          tree.set_(k, f);
          addLive(to[i], r.s);
          cache(f, r.v as string);
        }
      });
      clear(false);
      trim(cacheLimit);
      return n;
    },

    tidy_: function (now: number, housekeeping: boolean): void {
      if (log.free_.length < 2) collect(now);
      const p = log.data_[0];
      if (housekeeping && log.data_.length > 1 && log.live_[p] * 2 <= log.used_[p] - log.D0) collect(now);
    },

    purge_: function (now: number): void {
      write([encodeRecord(T_PURGE, "")], now);
      clear(true);
    },

    value_: function (r: Cached, room: number): string | undefined {
      if (r.c_ !== undefined) return r.c_;
      const b = log.read_(r.at, r.s);
      if (!recordOk(b)) {
        log.corrupt_++;
        return undefined;
      }
      const v = b.substring(r.s - r.n);
      const before = cacheBytes;
      if (r.n <= cacheLimit) {
        trim(cacheLimit - r.n);
        if (r.n <= room + before - cacheBytes) cache(r, v);
      }
      return v;
    },

    cached_: function (): number {
      return cacheBytes;
    },

    trim_: trim,

    stats_: function (): FlashStats {
      const N = log.N;
      let min = Infinity;
      let max = 0;
      let sum = 0;
      let live = 0;
      let used = 0;
      log.erases_.forEach(function (e: number, p: number) {
        min = Math.min(min, e);
        max = Math.max(max, e);
        sum += e;
        live += log.live_[p];
        used += log.used_[p];
      });
      return {
        pages: N,
        pageSize: log.P,
        freePages: log.free_.length,
        erases: { min: min, max: max, mean: sum / N },
        liveBytes: live,
        // Bytes in data pages that hold no live record (every other page has used_ D0 and no live
        // bytes): what garbage collection can reclaim.
        garbageBytes: used - N * log.D0 - live,
        usedCapacity: cost,
        capacity: capacity(maxRec),
        corrupt: log.corrupt_,
        flushes: log.flushes_,
        gcRuns: log.gcRuns_,
        programmedBytes: log.programmed_,
        bufferedChanges: dirty.length,
        cacheBytes: cacheBytes,
        retries: log.retry_.retried_,
      };
    },
  };
}
