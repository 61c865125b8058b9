// MoteDB: the database. It keeps an ordered index of records (a B-tree that counts its bytes),
// a heap of expiry times, and a RAM budget that no write may pass. Every public call checks its
// input completely before it changes anything, so a rejected call leaves the database as it was.

import { decode, encode, Encoded } from "./codec";
import { BTree, SLOT_BYTES } from "./btree";
import { E_ARG, E_BUDGET, E_CLOSED, E_VALUE, moteError } from "./errors";
import { EVENTS, Listener } from "./events";
import { checkKey } from "./keys";
import { isNull } from "./lang";
import { MoteOptions, settle, Settings } from "./options";
import { currentPlatform, Flash, Scheduler } from "./ports";
import { compileQuery } from "./query";
import { rec, Rec, recBytes } from "./record";
import { FlashStats, Store } from "./store";

/** Generated keys are 9 of these digits (base 36): ids 0 .. 36^9, about 1e14. */
const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

/** The generated key of sequence number n: 9 base-36 digits, so that lexical order is numeric order. */
function autoKey(n: number): string {
  let k = "";
  for (let i = 0; i < 9; i++) {
    k = DIGITS.charAt(n % 36) + k;
    n = Math.floor(n / 36);
  }
  return k;
}

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

/**
 * The operations stats().ops counts, in the order of their counters (n_, indexed by these numbers
 * in the code: put 0 ... flush 11; then records expired 12, flushes 13).
 */
const OPS = "put,get,has,delete,purge,putBatch,deleteBatch,query,count,keys,cleanup,flush".split(",");

export class MoteDB {
  private o_!: Settings;
  /** The index: every live record (and expired ones not yet removed) by key. */
  private tree_!: BTree<Rec>;
  /**
   * The TTL heap, a binary min-heap in two parallel arrays (on Espruino every object costs
   * variables): expiry times and their keys. Overwrites and deletes do not search it; their entries
   * stay, and are recognised as stale when they surface (the record's expiry differs). When stale
   * entries outnumber live ones it is rebuilt (heap_()), so it never holds more than twice what it must.
   */
  private at_!: number[];
  private atKey_!: string[];
  /** Live records with an expiry: the heap holds these and stale entries. */
  private ttl_!: number;
  /**
   * The next generated key's sequence number. Generated keys are short, unique and sort in
   * insertion order: the number starts at the clock's seconds times 1000 (so keys made after a
   * restart sort after older ones even when the counter was lost) and only ever grows.
   */
  private seq_!: number;
  /** The listeners of each event, in the order of EVENTS (emit_() takes the index: expire 0, flush 1, write 2, error 3, close 4). */
  private ev_!: Listener[][];
  private timers_!: unknown[];
  private closed_?: boolean;
  /** The database's clock: the highest time the clock port has shown (see time_()). */
  private t_!: number;
  private budget_!: number;
  /** How many times each operation ran (OPS), then records expired and flushes. */
  private n_!: number[];
  /** Flash mode: the write buffer, the flash log and the value cache (undefined in memory mode). */
  private store_: Store | undefined;
  /** Keys whose record failed its CRC during a walk of the index: dropped after the walk. */
  private lost_!: string[];

  constructor(options?: MoteOptions) {
    const o = settle(options);
    const self = this;
    const tree = new BTree<Rec>(Math.floor(o.btreePagesize / SLOT_BYTES), recBytes);
    const m = o.memory;
    const sch = o.scheduler;
    self.o_ = o;
    self.tree_ = tree;
    self.heap_(2);
    self.seq_ = 0;
    self.ev_ = [[], [], [], [], []];
    self.t_ = -Infinity;
    self.n_ = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    self.budget_ = Math.floor((m.free() * o.ramPercentage) / 100 / (m.scale ?? 1));
    self.lost_ = [];
    if (!o.inMemory) {
      // Flash mode: rebuild the index from the log, resume the clock, drop what expired (not
      // counted in stats().expired), and make new keys sort after the generated ones found.
      const s = new Store(o.flash as Flash, o, tree, self.budget_);
      self.store_ = s;
      self.t_ = s.open_();
      self.heap_(2);
      self.expire_();
      self.n_[12] = 0;
      tree.each_(function (k: string) {
        // A key of the generated form is one that autoKey() gives back from its digits.
        let n = 0;
        for (let i = 0; i < k.length; i++) n = n * 36 + DIGITS.indexOf(k.charAt(i));
        if (k.length === 9 && n >= self.seq_ && autoKey(n) === k) self.seq_ = n + 1;
      });
    }
    self.timers_ = sch
      ? [
          sch.every(o.ttlCheckInterval, function () {
            self.tick_(1);
          }),
          sch.every(o.cleanupInterval, function () {
            self.tick_(2);
          }),
        ]
      : [];
    // The platform may flush open databases when it stops (Espruino's E.on('kill')).
    const opened = currentPlatform().opened;
    if (opened) opened(self);
  }

  /** Open a database, call fn(db), and close it afterwards, even when fn throws or its Promise rejects. */
  static open<T>(options: MoteOptions | undefined, fn: (db: MoteDB) => T): T {
    const db = new MoteDB(options);
    let r: T | undefined = undefined;
    let later = false;
    try {
      r = fn(db);
      later = typeof r === "object" && r !== null && typeof (r as { then?: unknown }).then === "function";
    } finally {
      if (!later) db.close();
    }
    if (!later) return r as T;
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

  // ---- writes -------------------------------------------------------------------------------

  /**
   * put(data, ttl?, tags?, key?) stores a document under a generated key and returns the key;
   * put(key, data, ttl?, tags?) stores it under `key`. A TTL is in seconds (0 or none: forever).
   */
  put(a: unknown, b?: unknown, c?: unknown, d?: unknown): string {
    const keyed = typeof a === "string";
    return (this.write_(0, [keyed ? b : a], keyed ? c : b, keyed ? d : c, keyed ? a : d) as string[])[0];
  }

  /**
   * Store many documents, all or nothing. An item is a document (generated key) or a
   * [key, document] pair. `ttls` is one TTL for all or an array of one per item; `tags` is one
   * tag list for all or an array of one list per item. Returns the keys in item order.
   */
  putBatch(items: unknown, ttls?: unknown, tags?: unknown): string[] {
    return this.write_(5, items, ttls, tags) as string[];
  }

  /** Delete a key (true when it held a live record); remove({ purge: true }) empties the database. Also named delete(). */
  remove(key: unknown): boolean {
    if (key !== null && typeof key === "object" && (key as { purge?: unknown }).purge === true) {
      const had = this.tree_.size_ > 0;
      this.purge();
      return had;
    }
    return (this.write_(3, [key]) as number) > 0;
  }

  /** Delete many keys, all or nothing: one invalid key rejects the batch. Returns how many were live. */
  deleteBatch(keys: unknown): number {
    return this.write_(6, keys) as number;
  }

  /**
   * The one way records change: every item is checked before anything changes. put (op 0): items
   * holds the document, `key` its key (undefined or null: a generated one); putBatch (5): the
   * items, and ttls and tags may be arrays of one per item. Returns the keys in item order.
   * delete and deleteBatch (3, 6): items holds the keys, of which those that hold a live record
   * are deleted. Returns how many.
   */
  private write_(op: number, items: unknown, ttls?: unknown, tags?: unknown, key?: unknown): string[] | number {
    this.open_(op);
    if (!Array.isArray(items)) throw moteError(E_ARG, OPS[op] + ": not an array");
    const batch = op === 5;
    const del = op === 3 || op === 6;
    const n = items.length;
    const perTtl = batch && Array.isArray(ttls);
    const perTags = batch && Array.isArray(tags) && tags.length > 0 && typeof tags[0] !== "string";
    if ((perTtl && (ttls as unknown[]).length !== n) || (perTags && (tags as unknown[]).length !== n)) {
      throw moteError(E_ARG, "ttls, tags: one per item");
    }
    const max = this.o_.maxKeyLength;
    if (del) {
      // Every key is checked first; then expired records go, and only live ones are deleted.
      for (let i = 0; i < n; i++) checkKey(items[i], max);
      this.expire_();
    }
    const now = this.time_();
    const tree = this.tree_;
    const changes: Change[] = [];
    const seen: Record<string, Change> = {};
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const item = items[i];
      const pair = batch && Array.isArray(item) && item.length === 2 && typeof item[0] === "string";
      let r: Rec | undefined = undefined;
      if (!del) {
        // The document with its TTL and tags, checked and encoded into a record.
        const ttl = perTtl ? (ttls as unknown[])[i] : ttls;
        const tg = perTags ? (tags as unknown[])[i] : tags;
        let x = 0;
        if (ttl !== undefined && !isNull(ttl) && ttl !== 0) {
          // NaN (not a number, not above 0) and Infinity fail the test as well as expiries past 2106.
          x = typeof ttl === "number" && ttl > 0 ? Math.ceil(now + ttl) : NaN;
          // 4294967295: the latest expiry the flash format can hold (seconds, unsigned 32-bit).
          if (!(x <= 4294967295)) throw moteError(E_VALUE, "ttl: seconds > 0, to 2106");
        }
        let g: string[] | undefined = undefined;
        if (tg !== undefined && !isNull(tg)) {
          // A copy (not an array: as bad as an array holding a tag that is no string).
          g = (Array.isArray(tg) ? tg : [0]).slice() as string[];
          for (let j = 0; j < g.length; j++) if (typeof g[j] !== "string" || g[j] === "") throw moteError(E_VALUE, "tags: non-empty strings");
        }
        const v = encode(pair ? item[1] : item, this.o_.maxValueSize);
        r = rec(v, x, g, -1, v.length, 0);
      }
      const given = del ? item : pair ? item[0] : batch ? undefined : key;
      const made = given === undefined || given === null;
      let k = made ? "" : checkKey(given, max);
      // A generated key no record has, nor an earlier item of the batch.
      while (k === "" || (made && (tree.get_(k) || seen["#" + k]))) {
        const q = Math.max(this.seq_, Math.floor(now) * 1000);
        this.seq_ = q + 1;
        k = autoKey(q);
      }
      // A key twice in one batch: the later item wins, as if they had been put in turn.
      // (A delete is a change only of a live record.)
      let c = seen["#" + k];
      if (!c && (r || tree.get_(k))) {
        c = { k: k, r: r };
        seen["#" + k] = c;
        changes.push(c);
      }
      if (c) c.r = r;
      out.push(k);
    }
    if (del && changes.length === 0) return 0;
    // Apply the changes (one for each key at most) all together, or none of them: the budget is
    // checked first (after removing expired records, which may make room), and nothing below can
    // fail halfway.
    const s = this.store_;
    if (s) {
      this.expire_();
      // Buffered deletes and overwrites free flash only once flushed: flush before refusing.
      if (!s.admit_(changes, false)) {
        if (s.pending_() > 0) this.tick_(-1);
        s.admit_(changes, true);
      }
    }
    // A write that frees bytes always fits; one that adds them must fit the budget.
    if (this.used_(changes) > Math.max(this.used_(), this.budget_)) {
      this.expire_();
      this.heap_(1);
      if (s) {
        // Cached values go first; then buffered values, which a flush turns into cached ones.
        s.trim_(0);
        if (this.used_(changes) > this.budget_ && s.pending_() > 0) {
          this.tick_(-1);
          s.trim_(0);
        }
      }
      const need = this.used_(changes);
      if (need > this.budget_) throw moteError(E_BUDGET, "would use " + need + " of " + this.budget_ + " bytes");
    }
    for (let i = 0; i < changes.length; i++) {
      const k = changes[i].k;
      const r = changes[i].r;
      const old = tree.set_(k, r);
      if (s) s.changed_(k, old, r);
      if (old && old.x > 0) this.ttl_--;
      if (r && r.x > 0) {
        this.ttl_++;
        this.sift_(r.x, k, this.at_.length);
        this.heap_(0);
      }
    }
    // The write is done in RAM: a flush that fails now keeps the buffer and reports an 'error'.
    if (s && s.wrote_()) this.tick_(0);
    return del ? changes.length : out;
  }

  /** Remove every record. */
  purge(): void {
    this.open_(4);
    const s = this.store_;
    if (s) {
      s.purge_(this.time_());
      this.emit_(2, 1);
    }
    this.tree_.clear_();
    this.heap_(2);
  }

  // ---- reads --------------------------------------------------------------------------------

  /** The document stored under key, or undefined. */
  get(key: unknown): unknown {
    const r = this.find_(1, key);
    const b = r ? this.bytesOf_(key as string, r) : undefined;
    this.dropLost_();
    return b === undefined ? undefined : decode(b);
  }

  has(key: unknown): boolean {
    return !!this.find_(2, key);
  }

  /** The documents that match q, in key order. */
  query(q?: unknown): unknown[] {
    return this.list_(7, q);
  }

  /** The keys of the records that match q (all records when q is absent), in key order. */
  keys(q?: unknown): string[] {
    return this.list_(9, q) as string[];
  }

  /** How many records match q (all live records when q is absent). */
  count(q?: unknown): number {
    if (q !== undefined) return this.list_(8, q).length;
    this.open_(8);
    this.expire_();
    return this.tree_.size_;
  }

  // ---- maintenance ----------------------------------------------------------------------------

  /** Remove expired records now; returns how many. (The background check does this too.) */
  cleanup(): number {
    this.open_(10);
    return this.expire_();
  }

  /** Write buffered changes to flash now (flash mode); on('write') tells when they are there. */
  flush(): void {
    this.open_(11);
    this.tick_(-1);
  }

  /** Flush, stop every timer, and refuse further calls with E_CLOSED. Closing twice is harmless. */
  close(): void {
    if (this.closed_) return;
    this.flush();
    for (let i = 0; i < this.timers_.length; i++) (this.o_.scheduler as Scheduler).cancel(this.timers_[i]);
    this.closed_ = true;
    this.emit_(4);
  }

  stats(): Stats {
    const n = this.n_;
    const ops: Record<string, number> = {};
    for (let i = 0; i < OPS.length; i++) ops[OPS[i]] = n[i];
    const s = this.store_;
    const st: Stats = {
      ops: ops,
      expired: n[12],
      flushes: n[13],
      records: this.tree_.size_,
      budgetBytes: this.budget_,
      usedBytes: this.used_(),
      mode: s ? "flash" : "memory",
    };
    if (s) st.flash = s.stats_();
    return st;
  }

  on(event: string, fn: Listener): void {
    if (typeof fn !== "function") throw moteError(E_ARG, "listener: not a function");
    this.listeners_(event).push(fn);
  }

  off(event: string, fn: Listener): void {
    const l = this.listeners_(event);
    const i = l.indexOf(fn);
    if (i >= 0) l.splice(i, 1);
  }

  // ---- inside ---------------------------------------------------------------------------------

  private open_(op: number): void {
    if (this.closed_) throw moteError(E_CLOSED, "closed");
    this.n_[op]++;
  }

  /**
   * The database's time, in seconds: the highest reading the clock port has given. A clock that
   * jumps back (an RTC reset at boot) freezes this time until the clock passes it again, so records
   * are never resurrected and never expire early; they outlive their TTL by at most the jump.
   */
  private time_(): number {
    this.t_ = Math.max(this.t_, this.o_.clock.now());
    return this.t_;
  }

  /** The listeners of an event, named from outside: only names in EVENTS, so never a prototype's. */
  private listeners_(name: unknown): Listener[] {
    const i = EVENTS.indexOf(name as string);
    if (i < 0) throw moteError(E_ARG, "unknown event " + String(name));
    return this.ev_[i];
  }

  /** Call the listeners of event i. One that throws does not stop the others; it is reported as an 'error'. */
  private emit_(i: number, a?: unknown): void {
    const l = this.ev_[i].slice();
    for (let j = 0; j < l.length; j++) {
      try {
        l[j](a);
      } catch (e) {
        if (i !== 3) this.emit_(3, e);
      }
    }
  }

  /** Check the key and expire what is due: the record of key, or undefined. */
  private find_(op: number, key: unknown): Rec | undefined {
    this.open_(op);
    const k = checkKey(key, this.o_.maxKeyLength);
    this.expire_();
    return this.tree_.get_(k);
  }

  /**
   * query (op 7: the documents), keys and count (the keys): of the records that match q, in key
   * order, within its $skip and $limit.
   */
  private list_(op: number, q: unknown): unknown[] {
    const self = this;
    self.open_(op);
    const c = compileQuery(q);
    const all = q === undefined;
    const out: unknown[] = [];
    let skip = c.skip_;
    let left = c.limit_;
    self.expire_();
    if (left > 0) {
      self.tree_.each_(function (k: string, r: Rec) {
        // A query reads the document in its bytes; only what it returns is decoded.
        let b: string | undefined = undefined;
        if (!all) {
          b = self.bytesOf_(k, r);
          if (b === undefined || !c.test_(new Encoded(b, 0), r.g)) return true;
        }
        if (skip > 0) {
          skip--;
          return true;
        }
        if (op !== 7) out.push(k);
        else {
          if (all) b = self.bytesOf_(k, r);
          if (b !== undefined) out.push(decode(b));
        }
        left--;
        return left > 0;
      });
    }
    self.dropLost_();
    return out;
  }

  /** The canonical bytes of k's document: from RAM, or read from flash (and cached); undefined when its CRC fails. */
  private bytesOf_(k: string, r: Rec): string | undefined {
    if (r.v !== undefined) return r.v;
    const s = this.store_ as Store;
    const v = s.value_(r);
    if (v === undefined) this.lost_.push(k);
    else s.cache_(k, r, v, this.budget_ - this.used_());
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
      if (r && r.v === undefined) this.forget_(this.lost_[i], r);
    }
    this.lost_ = [];
  }

  /** Drop k's record r from the index: it expired, or its bytes on flash are lost. */
  private forget_(k: string, r: Rec): void {
    this.tree_.remove_(k);
    if (r.x > 0) this.ttl_--;
    if (this.store_) this.store_.expired_(r);
  }

  /** Bytes the database holds in RAM, as the budget counts them; with `changes`, what it would hold after them. */
  private used_(changes?: Change[]): number {
    const tree = this.tree_;
    let keys = tree.size_;
    let entries = tree.entryBytes_;
    let heap = this.at_.length;
    for (let i = 0; changes && i < changes.length; i++) {
      const c = changes[i];
      const old = tree.get_(c.k);
      if (old) {
        keys--;
        entries -= recBytes(c.k, old);
      }
      if (c.r) {
        keys++;
        entries += recBytes(c.k, c.r);
        if (c.r.x > 0) heap++;
      }
    }
    // 16 bytes for each entry of the TTL heap.
    return tree.bytesAt_(keys, entries) + heap * 16;
  }

  /**
   * Rebuild the TTL heap from the records that expire, dropping its stale entries: with mode 0
   * when they outnumber the live ones (amortised O(1) a write), 1 whenever there are any (a write
   * needs room, housekeeping), 2 always.
   */
  private heap_(mode: number): void {
    const self = this;
    const live = self.ttl_;
    if (mode > 1 || self.at_.length > (mode > 0 ? live : 2 * live + 64)) {
      self.at_ = [];
      self.atKey_ = [];
      self.tree_.each_(function (k: string, r: Rec) {
        if (r.x > 0) self.sift_(r.x, k, self.at_.length);
      });
      self.ttl_ = self.at_.length;
    }
  }

  /**
   * Put (at, k) into slot i of the heap, a free one: its end (a push) or its root (a pop, the last
   * entry taken out), and move it up or down to its place.
   */
  private sift_(at: number, k: string, i: number): void {
    const A = this.at_;
    const K = this.atKey_;
    const n = A.length;
    for (;;) {
      const p = Math.floor((i - 1) / 2);
      let c = 2 * i + 1;
      if (c + 1 < n && A[c + 1] < A[c]) c++;
      if (i > 0 && A[p] > at) c = p;
      else if (!(c < n && A[c] < at)) break;
      A[i] = A[c];
      K[i] = K[c];
      i = c;
    }
    A[i] = at;
    K[i] = k;
  }

  /**
   * Remove every record whose expiry has come: O(k log n) for k expired records, never a scan.
   * Heap entries whose record was since overwritten or deleted are stale and just dropped.
   */
  private expire_(): number {
    const now = this.time_();
    let n = 0;
    // The heap is read afresh each time round: an 'expire' listener may write, and so rebuild it.
    while (this.at_.length > 0 && this.at_[0] <= now) {
      const A = this.at_;
      const K = this.atKey_;
      const at = A[0];
      const k = K[0];
      const lastAt = A.pop() as number;
      const lastKey = K.pop() as string;
      if (A.length > 0) this.sift_(lastAt, lastKey, 0);
      const r = this.tree_.get_(k);
      if (r && r.x === at) {
        this.forget_(k, r);
        this.n_[12]++;
        n++;
        this.emit_(0, k);
      }
    }
    this.heap_(0);
    return n;
  }

  /**
   * Flush, and work in the background. -1: flush() (flash mode: write the buffer as one flush,
   * then collect garbage if erased pages run low); 0: the flush a write asked for; 1: the TTL check;
   * 2: housekeeping (heap compaction, a flush, one bounded step of garbage collection when the
   * oldest page is mostly garbage). In the background (0 to 2) a failure is reported as an 'error'
   * event instead of thrown into a timer.
   */
  private tick_(what: number): void {
    const s = this.store_;
    if (this.closed_) return;
    try {
      if (what > 0 || s) this.expire_();
      if (what > 1) this.heap_(1);
      if (s) {
        const n = s.flush_(this.time_());
        if (n > 0) {
          this.n_[13]++;
          this.emit_(1, n);
          this.emit_(2, n);
        }
        if (s.low_()) s.collect_(this.time_());
        if (what > 1 && s.worthCollecting_()) s.collect_(this.time_());
      }
    } catch (e) {
      if (what < 0) throw e;
      this.emit_(3, e);
    }
  }
}

export interface MoteDB {
  /** Delete a key (true when it held a live record); delete({ purge: true }) empties the database. */
  delete(key: unknown): boolean;
}
// Espruino cannot parse a class method named with one of its reserved words (delete, default, of...):
// delete() is remove() under its public name, attached after the class.
MoteDB.prototype.delete = MoteDB.prototype.remove;
