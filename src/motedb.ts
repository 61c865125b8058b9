// MoteDB: the database. It keeps an ordered index of records (a B-tree that counts its bytes),
// a heap of expiry times, and a RAM budget that no write may pass. Every public call checks its
// input completely before it changes anything, so a rejected call leaves the database as it was.

import { decode, encode, Encoded } from "./codec";
import { BTree, SLOT_BYTES } from "./btree";
import { E_ARG, E_BUDGET, E_CLOSED, E_VALUE, moteError } from "./errors";
import { Events, Listener } from "./events";
import { HEAP_ENTRY_BYTES, TtlHeap } from "./heap";
import { autoSeq, checkKey, KeyMaker } from "./keys";
import { isNull } from "./lang";
import { MoteOptions, settle, Settings } from "./options";
import { currentPlatform, Flash } from "./ports";
import { compileQuery, Query } from "./query";
import { rec, Rec, recBytes } from "./record";
import { FlashStats, Store } from "./store";

const TAGS = "tags are an array of non-empty strings";

/** The latest expiry the flash format can hold (seconds, unsigned 32-bit). */
const MAX_EXPIRY = 4294967295;

/** One change to apply: a record to store under a key, or undefined to delete the key. */
interface Change {
  k: string;
  r: Rec | undefined;
}

export interface Stats {
  ops: Record<string, number>;
  expired: number;
  flushes: number;
  records: number;
  budgetBytes: number;
  usedBytes: number;
  mode: string;
  /** Flash mode only: pages, erase counts, live and garbage bytes, corrupt records found, flushes, GC runs. */
  flash?: FlashStats;
}

const OPS = ["put", "get", "has", "delete", "purge", "putBatch", "deleteBatch", "query", "count", "keys", "cleanup", "flush"];

export class MoteDB {
  /** The database's clock: the highest time the clock port has shown (see time()). */
  private clockTime_: number;
  private opts_: Settings;
  private tree_: BTree<Rec>;
  private heap_: TtlHeap;
  /** Live records with an expiry: the heap holds these and stale entries. */
  private ttlRecords_: number;
  private keyMaker_: KeyMaker;
  private events_: Events;
  private timers_: unknown[];
  private closed_: boolean;
  private budget_: number;
  private counts_: Record<string, number>;
  private expiredCount_: number;
  private flushCount_: number;
  /** Flash mode: the write buffer, the flash log and the value cache (undefined in memory mode). */
  private store_: Store | undefined;
  /** Keys whose record failed its CRC during a walk of the index: dropped after the walk. */
  private lost_: string[];

  constructor(options?: MoteOptions) {
    const o = settle(options);
    this.opts_ = o;
    this.tree_ = new BTree<Rec>(Math.floor(o.btreePagesize / SLOT_BYTES), recBytes);
    this.heap_ = new TtlHeap();
    this.ttlRecords_ = 0;
    this.keyMaker_ = new KeyMaker();
    this.events_ = new Events();
    this.closed_ = false;
    this.clockTime_ = -Infinity;
    this.counts_ = {};
    for (let i = 0; i < OPS.length; i++) this.counts_[OPS[i]] = 0;
    this.expiredCount_ = 0;
    this.flushCount_ = 0;
    const scale = o.memory.scale === undefined ? 1 : o.memory.scale;
    this.budget_ = Math.floor((o.memory.free() * o.ramPercentage) / 100 / scale);
    this.lost_ = [];
    this.store_ = undefined;
    if (!o.inMemory) this.recover_(o.flash as Flash);
    this.timers_ = [];
    const sch = o.scheduler;
    if (sch !== undefined) {
      const self = this;
      this.timers_.push(sch.every(o.ttlCheckInterval, function () {
        self.background_(function () {
          self.expire_();
          self.flushStore_();
        });
      }));
      this.timers_.push(sch.every(o.cleanupInterval, function () {
        self.background_(function () {
          self.housekeeping_();
        });
      }));
    }
    // The platform may flush open databases when it stops (Espruino's E.on('kill')).
    const opened = currentPlatform().opened;
    if (opened !== undefined) opened(this);
  }

  /** Open a database, call fn(db), and close it afterwards, even when fn throws or its Promise rejects. */
  static open<T>(options: MoteOptions | undefined, fn: (db: MoteDB) => T): T {
    const db = new MoteDB(options);
    let r: T;
    try {
      r = fn(db);
    } catch (e) {
      db.close();
      throw e;
    }
    const p = r as unknown as { then?: unknown };
    if (p !== undefined && p !== null && typeof p === "object" && typeof p.then === "function") {
      return (r as unknown as Promise<unknown>).then(
        function (v: unknown) {
          db.close();
          return v;
        },
        function (e: unknown) {
          db.close();
          throw e;
        },
      ) as unknown as T;
    }
    db.close();
    return r;
  }

  // ---- writes -------------------------------------------------------------------------------

  /**
   * put(data, ttl?, tags?, key?) stores a document under a generated key and returns the key;
   * put(key, data, ttl?, tags?) stores it under `key`. A TTL is in seconds (0 or none: forever).
   */
  put(a: unknown, b?: unknown, c?: unknown, d?: unknown): string {
    const keyed = typeof a === "string";
    return this.write_("put", [keyed ? a : d], [keyed ? b : a], keyed ? c : b, keyed ? d : c, false)[0];
  }

  /**
   * Store many documents, all or nothing. An item is a document (generated key) or a
   * [key, document] pair. `ttls` is one TTL for all or an array of one per item; `tags` is one
   * tag list for all or an array of one list per item. Returns the keys in item order.
   */
  putBatch(items: unknown, ttls?: unknown, tags?: unknown): string[] {
    const keys: unknown[] = [];
    const docs: unknown[] = [];
    const list = (Array.isArray(items) ? items : []) as unknown[];
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const pair = Array.isArray(item) && item.length === 2 && typeof item[0] === "string";
      keys.push(pair ? (item as unknown[])[0] : undefined);
      docs.push(pair ? (item as unknown[])[1] : item);
    }
    return this.write_("putBatch", keys, Array.isArray(items) ? docs : undefined, ttls, tags, true);
  }

  /**
   * The one way documents are stored: keys[i] (undefined: a generated key) gets docs[i]. In a
   * batch, ttls and tags may be arrays of one per item.
   */
  private write_(op: string, keys: unknown[], docs: unknown[] | undefined, ttls: unknown, tags: unknown, batch: boolean): string[] {
    this.open_(op);
    if (docs === undefined) throw moteError(E_ARG, "putBatch takes an array");
    const n = docs.length;
    const perTtl = batch && Array.isArray(ttls);
    const perTags = batch && Array.isArray(tags) && tags.length > 0 && typeof tags[0] !== "string";
    if ((perTtl && (ttls as unknown[]).length !== n) || (perTags && (tags as unknown[]).length !== n)) {
      throw moteError(E_ARG, "ttls and tags: one per item");
    }
    const now = this.time_();
    const changes: Change[] = [];
    const seen: Record<string, number> = {};
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.record_(docs[i], perTtl ? (ttls as unknown[])[i] : ttls, perTags ? (tags as unknown[])[i] : tags, now);
      const given = keys[i];
      const k = given === undefined || given === null ? this.newKey_(now, seen) : checkKey(given, this.opts_.maxKeyLength);
      // A key twice in one batch: the later item wins, as if they had been put in turn.
      const slot = "#" + k;
      if (seen[slot] !== undefined) changes[seen[slot]].r = r;
      else {
        seen[slot] = changes.length;
        changes.push({ k: k, r: r });
      }
      out.push(k);
    }
    this.commit_(changes);
    return out;
  }

  /** Delete a key (true when it held a live record); remove({ purge: true }) empties the database. Also named delete(). */
  remove(key: unknown): boolean {
    if (key !== null && typeof key === "object" && !Array.isArray(key) && (key as { purge?: unknown }).purge === true) {
      const had = this.tree_.size_ > 0;
      this.purge();
      return had;
    }
    return this.drop_("delete", [key]) > 0;
  }

  /** Delete many keys, all or nothing: one invalid key rejects the batch. Returns how many were live. */
  deleteBatch(keys: unknown): number {
    return this.drop_("deleteBatch", keys);
  }

  /** The one way keys are deleted: check them all, then delete those that hold a live record. */
  private drop_(op: string, keys: unknown): number {
    this.open_(op);
    if (!Array.isArray(keys)) throw moteError(E_ARG, "deleteBatch takes an array");
    for (let i = 0; i < keys.length; i++) checkKey(keys[i], this.opts_.maxKeyLength);
    this.expire_();
    const changes: Change[] = [];
    const seen: Record<string, boolean> = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (seen["#" + k] !== true && this.tree_.get_(k) !== undefined) {
        seen["#" + k] = true;
        changes.push({ k: k, r: undefined });
      }
    }
    if (changes.length > 0) this.commit_(changes);
    return changes.length;
  }

  /** Remove every record. */
  purge(): void {
    this.open_("purge");
    if (this.store_ !== undefined) {
      this.store_.purge_(this.time_());
      this.events_.emit_("write", 1);
    }
    this.tree_.clear_();
    this.heap_.clear_();
    this.ttlRecords_ = 0;
  }

  // ---- reads --------------------------------------------------------------------------------

  /** The document stored under key, or undefined. */
  get(key: unknown): unknown {
    this.open_("get");
    const k = checkKey(key, this.opts_.maxKeyLength);
    this.expire_();
    const r = this.tree_.get_(k);
    const b = r === undefined ? undefined : this.bytesOf_(k, r);
    this.dropLost_();
    return b === undefined ? undefined : decode(b);
  }

  has(key: unknown): boolean {
    this.open_("has");
    const k = checkKey(key, this.opts_.maxKeyLength);
    this.expire_();
    return this.tree_.get_(k) !== undefined;
  }

  /** The documents that match q, in key order. */
  query(q?: unknown): unknown[] {
    this.open_("query");
    const out: unknown[] = [];
    const self = this;
    this.scan_(compileQuery(q), q === undefined, function (k: string, r: Rec, bytes: string | undefined) {
      const b = bytes === undefined ? self.bytesOf_(k, r) : bytes;
      if (b !== undefined) out.push(decode(b));
    });
    this.dropLost_();
    return out;
  }

  /** The keys of the records that match q (all records when q is absent), in key order. */
  keys(q?: unknown): string[] {
    this.open_("keys");
    const out: string[] = [];
    this.scan_(compileQuery(q), q === undefined, function (k: string) {
      out.push(k);
    });
    return out;
  }

  /** How many records match q (all live records when q is absent). */
  count(q?: unknown): number {
    this.open_("count");
    if (q === undefined) {
      this.expire_();
      return this.tree_.size_;
    }
    let n = 0;
    this.scan_(compileQuery(q), false, function () {
      n++;
    });
    return n;
  }

  // ---- maintenance ----------------------------------------------------------------------------

  /** Remove expired records now; returns how many. (The background check does this too.) */
  cleanup(): number {
    this.open_("cleanup");
    return this.expire_();
  }

  /** Write buffered changes to flash now (flash mode); on('write') tells when they are there. */
  flush(): void {
    this.open_("flush");
    this.flushStore_();
  }

  /** Flush, stop every timer, and refuse further calls with E_CLOSED. Closing twice is harmless. */
  close(): void {
    if (this.closed_) return;
    this.flush();
    const sch = this.opts_.scheduler;
    for (let i = 0; i < this.timers_.length; i++) if (sch !== undefined) sch.cancel(this.timers_[i]);
    this.timers_ = [];
    this.closed_ = true;
    this.events_.emit_("close");
  }

  stats(): Stats {
    const ops: Record<string, number> = {};
    for (let i = 0; i < OPS.length; i++) ops[OPS[i]] = this.counts_[OPS[i]];
    const st: Stats = {
      ops: ops,
      expired: this.expiredCount_,
      flushes: this.flushCount_,
      records: this.tree_.size_,
      budgetBytes: this.budget_,
      usedBytes: this.used_(),
      mode: this.opts_.inMemory ? "memory" : "flash",
    };
    if (this.store_ !== undefined) st.flash = this.store_.stats_();
    return st;
  }

  on(event: string, fn: Listener): void {
    this.events_.on_(event, fn);
  }

  off(event: string, fn: Listener): void {
    this.events_.off_(event, fn);
  }

  // ---- inside ---------------------------------------------------------------------------------

  private open_(op: string): void {
    if (this.closed_) throw moteError(E_CLOSED, "database closed");
    this.counts_[op]++;
  }

  /**
   * The database's time, in seconds: the highest reading the clock port has given. A clock that
   * jumps back (an RTC reset at boot) freezes this time until the clock passes it again, so records
   * are never resurrected and never expire early; they outlive their TTL by at most the jump.
   */
  private time_(): number {
    const t = this.opts_.clock.now();
    if (t > this.clockTime_) this.clockTime_ = t;
    return this.clockTime_;
  }

  /** Check and encode one document with its TTL and tags into a record (nothing is stored yet). */
  private record_(data: unknown, ttl: unknown, tags: unknown, now: number): Rec {
    let x = 0;
    if (ttl !== undefined && !isNull(ttl) && ttl !== 0) {
      if (typeof ttl !== "number" || !(ttl > 0) || ttl === Infinity) {
        throw moteError(E_VALUE, "a TTL is seconds > 0 (0: none)");
      }
      x = Math.ceil(now + ttl);
      if (x > MAX_EXPIRY) throw moteError(E_VALUE, "TTL past 2106");
    }
    let g: string[] | undefined = undefined;
    if (tags !== undefined && !isNull(tags)) {
      if (!Array.isArray(tags)) throw moteError(E_VALUE, TAGS);
      g = [];
      for (let i = 0; i < tags.length; i++) {
        const t = tags[i];
        if (typeof t !== "string" || t.length === 0) throw moteError(E_VALUE, TAGS);
        g.push(t);
      }
    }
    const v = encode(data, this.opts_.maxValueSize);
    return rec(v, x, g, -1, v.length, 0);
  }

  /** A generated key no record has (nor, within a batch, an earlier item). */
  private newKey_(now: number, batch: Record<string, number> | undefined): string {
    let k = this.keyMaker_.make_(now);
    while (this.tree_.get_(k) !== undefined || (batch !== undefined && batch["#" + k] !== undefined)) k = this.keyMaker_.make_(now);
    return k;
  }

  /** The canonical bytes of k's document: from RAM, or read from flash (and cached); undefined when its CRC fails. */
  private bytesOf_(k: string, r: Rec): string | undefined {
    if (r.v !== undefined) return r.v;
    const s = this.store_ as Store;
    const v = s.value_(r);
    if (v === undefined) {
      this.lost_.push(k);
      return undefined;
    }
    s.cache_(k, r, v, this.budget_ - this.used_());
    return v;
  }

  /**
   * Forget records whose bytes on flash turned out damaged (stats().flash.corrupt counts them): the
   * key reads as absent for the rest of the session. At the next open, recovery drops the whole flush
   * that held the record (flushes are all or nothing), so its other keys return to older versions.
   */
  private dropLost_(): void {
    for (let i = 0; i < this.lost_.length; i++) {
      const r = this.tree_.get_(this.lost_[i]);
      if (r !== undefined && r.v === undefined) {
        this.tree_.remove_(this.lost_[i]);
        if (r.x > 0) this.ttlRecords_--;
        (this.store_ as Store).expired_(r);
      }
    }
    this.lost_ = [];
  }

  /** Open flash mode: rebuild the index from the log, drop what expired, resume the clock and the keys. */
  private recover_(flash: Flash): void {
    const s = new Store(flash, this.opts_, this.tree_, this.budget_);
    this.store_ = s;
    const t = s.open_();
    if (t > this.clockTime_) this.clockTime_ = t;
    const now = this.time_();
    const dead: string[] = [];
    const self = this;
    let ttl = 0;
    this.tree_.each_(function (k: string, r: Rec) {
      if (r.x > 0 && r.x <= now) dead.push(k);
      else {
        self.sawKey_(k);
        if (r.x > 0) ttl++;
      }
    });
    for (let i = 0; i < dead.length; i++) s.expired_(this.tree_.remove_(dead[i]) as Rec);
    this.ttlRecords_ = ttl;
    this.rebuildHeap_();
  }

  /** Flash mode: write the buffer as one flush, then collect garbage if erased pages run low. */
  private flushStore_(): void {
    const s = this.store_;
    if (s === undefined) return;
    this.expire_();
    const n = s.flush_(this.time_());
    if (n > 0) {
      this.flushCount_++;
      this.events_.emit_("flush", n);
      this.events_.emit_("write", n);
    }
    if (s.low_()) s.collect_(this.time_());
  }

  /** Bytes the database holds in RAM, as the budget counts them. */
  private used_(): number {
    return this.tree_.bytes_() + this.heap_.bytes_();
  }

  /** What a set of changes (one for each key at most) would add to used(); negative when it frees. */
  private costOf_(changes: Change[]): number {
    const tree = this.tree_;
    let keys = 0;
    let entries = 0;
    let heap = 0;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      const old = tree.get_(c.k);
      if (old !== undefined) {
        keys--;
        entries -= tree.sizeOf_(c.k, old);
      }
      if (c.r !== undefined) {
        keys++;
        entries += tree.sizeOf_(c.k, c.r);
        if (c.r.x > 0) heap += HEAP_ENTRY_BYTES;
      }
    }
    return tree.bytesAt_(tree.size_ + keys, tree.entryBytes_ + entries) - tree.bytes_() + heap;
  }

  /**
   * Apply changes all together, or none of them: the budget is checked first (after removing
   * expired records, which may make room), and nothing below can fail halfway.
   */
  private commit_(changes: Change[]): void {
    const s = this.store_;
    if (s !== undefined) {
      this.expire_();
      // Buffered deletes and overwrites free flash only once flushed: flush before refusing.
      if (!s.admit_(changes, false)) {
        if (s.pending_() > 0) this.flushStore_();
        s.admit_(changes, true);
      }
    }
    let need = this.costOf_(changes);
    if (need > 0 && this.used_() + need > this.budget_) {
      this.expire_();
      this.tidyHeap_(true);
      if (s !== undefined) {
        // Cached values go first; then buffered values, which a flush turns into cached ones.
        s.trim_(0);
        if (this.used_() + this.costOf_(changes) > this.budget_ && s.pending_() > 0) {
          this.flushStore_();
          s.trim_(0);
        }
      }
      need = this.costOf_(changes);
      if (this.used_() + need > this.budget_) {
        throw moteError(
          E_BUDGET,
          "needs " + need + " bytes, " + Math.max(0, this.budget_ - this.used_()) + " of " + this.budget_ + " free: delete records or raise ramPercentage",
        );
      }
    }
    for (let i = 0; i < changes.length; i++) this.apply_(changes[i].k, changes[i].r);
    if (s !== undefined && s.wrote_()) {
      const self = this;
      // The write is done in RAM: a flush that fails now keeps the buffer and reports an 'error'.
      this.background_(function () {
        self.flushStore_();
      });
    }
  }

  private apply_(k: string, r: Rec | undefined): void {
    const old = r === undefined ? this.tree_.remove_(k) : this.tree_.set_(k, r);
    if (this.store_ !== undefined) this.store_.changed_(k, old, r);
    if (old !== undefined && old.x > 0) this.ttlRecords_--;
    if (r !== undefined && r.x > 0) {
      this.ttlRecords_++;
      this.heap_.push_(r.x, k);
      this.tidyHeap_(false);
    }
  }

  /**
   * Drop the heap's stale entries (left by overwrites and deletes) by rebuilding it from the
   * records that expire: when they outnumber the live ones (amortised O(1) a write), or whenever
   * there are any (`all`), as when a write needs room.
   */
  private tidyHeap_(all: boolean): void {
    if (this.heap_.size_() > (all ? this.ttlRecords_ : 2 * this.ttlRecords_ + 64)) this.rebuildHeap_();
  }

  /**
   * Remove every record whose expiry has come: O(k log n) for k expired records, never a scan.
   * Heap entries whose record was since overwritten or deleted are stale and just dropped.
   */
  private expire_(): number {
    const now = this.time_();
    const heap = this.heap_;
    let n = 0;
    while (heap.peekAt_() <= now) {
      const k = heap.peekKey_();
      const at = heap.peekAt_();
      heap.pop_();
      const r = this.tree_.get_(k);
      if (r !== undefined && r.x === at) {
        this.tree_.remove_(k);
        if (this.store_ !== undefined) this.store_.expired_(r);
        this.ttlRecords_--;
        this.expiredCount_++;
        n++;
        this.events_.emit_("expire", k);
      }
    }
    this.tidyHeap_(false);
    return n;
  }

  /** Drop the heap's stale entries: rebuild it from the records that expire. */
  private rebuildHeap_(): void {
    const heap = new TtlHeap();
    this.tree_.each_(function (k: string, r: Rec) {
      if (r.x > 0) heap.push_(r.x, k);
    });
    this.heap_ = heap;
  }

  private housekeeping_(): void {
    this.expire_();
    this.tidyHeap_(true);
    const s = this.store_;
    if (s !== undefined) {
      this.flushStore_();
      // One bounded step of garbage collection when the oldest page is mostly garbage.
      if (s.worthCollecting_()) s.collect_(this.time_());
    }
  }

  /** Run a background task; report its failure as an 'error' event instead of throwing into a timer. */
  private background_(task: () => void): void {
    if (this.closed_) return;
    try {
      task();
    } catch (e) {
      this.events_.emit_("error", e);
    }
  }

  /** Call fn(key, record, document) for each record that matches, in key order, within skip/limit. */
  private scan_(q: Query, all: boolean, fn: (k: string, r: Rec, bytes: string | undefined) => void): void {
    this.expire_();
    let skip = q.skip_;
    let left = q.limit_;
    if (left <= 0) return;
    const self = this;
    this.tree_.each_(function (k: string, r: Rec) {
      let bytes: string | undefined = undefined;
      if (!all) {
        // The query reads the document in its bytes; only what it returns is decoded.
        bytes = self.bytesOf_(k, r);
        if (bytes === undefined || !q.test_(new Encoded(bytes, 0), r.g)) return true;
      }
      if (skip > 0) {
        skip--;
        return true;
      }
      fn(k, r, bytes);
      left--;
      return left > 0;
    });
  }

  /** Note the sequence number of a key that has the generated form, so new keys sort after it. */
  protected sawKey_(k: string): void {
    const s = autoSeq(k);
    if (s >= 0) this.keyMaker_.after_(s);
  }
}

export interface MoteDB {
  /** Delete a key (true when it held a live record); delete({ purge: true }) empties the database. */
  delete(key: unknown): boolean;
}
// Espruino cannot parse a class method named with one of its reserved words (delete, default, of...):
// delete() is remove() under its public name, attached after the class.
MoteDB.prototype.delete = MoteDB.prototype.remove;
