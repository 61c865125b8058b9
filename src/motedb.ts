// MoteDB: the database. It keeps an ordered index of records (a B-tree that counts its bytes),
// a heap of expiry times, and a RAM budget that no write may pass. Every public call checks its
// input completely before it changes anything, so a rejected call leaves the database as it was.

import { decode, encode } from "./codec";
import { BTree, SLOT_BYTES } from "./btree";
import { E_ARG, E_BUDGET, E_CLOSED, E_VALUE, moteError } from "./errors";
import { Events, Listener } from "./events";
import { HEAP_ENTRY_BYTES, TtlHeap } from "./heap";
import { autoSeq, checkKey, KeyMaker } from "./keys";
import { isNull } from "./lang";
import { MoteOptions, settle, Settings } from "./options";
import { currentPlatform, Flash } from "./ports";
import { compileQuery, Query } from "./query";
import { Rec, recBytes } from "./record";
import { FlashStats, Store } from "./store";

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
  private clockTime: number;
  private opts: Settings;
  private tree: BTree<Rec>;
  private heap: TtlHeap;
  /** Live records with an expiry: the heap holds these and stale entries. */
  private ttlRecords: number;
  private keyMaker: KeyMaker;
  private events: Events;
  private timers: unknown[];
  private closed: boolean;
  private budget: number;
  private counts: Record<string, number>;
  private expiredCount: number;
  private flushCount: number;
  /** Flash mode: the write buffer, the flash log and the value cache (undefined in memory mode). */
  private store: Store | undefined;
  /** Keys whose record failed its CRC during a walk of the index: dropped after the walk. */
  private lost: string[];

  constructor(options?: MoteOptions) {
    const o = settle(options);
    this.opts = o;
    this.tree = new BTree<Rec>(Math.floor(o.btreePagesize / SLOT_BYTES), recBytes);
    this.heap = new TtlHeap();
    this.ttlRecords = 0;
    this.keyMaker = new KeyMaker();
    this.events = new Events();
    this.closed = false;
    this.clockTime = -Infinity;
    this.counts = {};
    for (let i = 0; i < OPS.length; i++) this.counts[OPS[i]] = 0;
    this.expiredCount = 0;
    this.flushCount = 0;
    const scale = o.memory.scale === undefined ? 1 : o.memory.scale;
    this.budget = Math.floor((o.memory.free() * o.ramPercentage) / 100 / scale);
    this.lost = [];
    this.store = undefined;
    if (!o.inMemory) this.recover(o.flash as Flash);
    this.timers = [];
    const sch = o.scheduler;
    if (sch !== undefined) {
      const self = this;
      this.timers.push(sch.every(o.ttlCheckInterval, function () {
        self.background(function () {
          self.expire();
          self.flushStore();
        });
      }));
      this.timers.push(sch.every(o.cleanupInterval, function () {
        self.background(function () {
          self.housekeeping();
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
    this.open("put");
    const keyed = typeof a === "string";
    const given = keyed ? a : d;
    const data = keyed ? b : a;
    const ttl = keyed ? c : b;
    const tags = keyed ? d : c;
    const now = this.time();
    const r = this.record(data, ttl, tags, now);
    const k = given === undefined || given === null ? this.newKey(now, undefined) : checkKey(given, this.opts.maxKeyLength);
    this.commit([{ k: k, r: r }]);
    return k;
  }

  /**
   * Store many documents, all or nothing. An item is a document (generated key) or a
   * [key, document] pair. `ttls` is one TTL for all or an array of one per item; `tags` is one
   * tag list for all or an array of one list per item. Returns the keys in item order.
   */
  putBatch(items: unknown, ttls?: unknown, tags?: unknown): string[] {
    this.open("putBatch");
    if (!Array.isArray(items)) throw moteError(E_ARG, "putBatch takes an array of documents or [key, document] pairs");
    const n = items.length;
    const perTtl = Array.isArray(ttls);
    if (perTtl && (ttls as unknown[]).length !== n) throw moteError(E_ARG, "ttls has " + (ttls as unknown[]).length + " entries for " + n + " items");
    const perTags = Array.isArray(tags) && (tags as unknown[]).length > 0 && typeof (tags as unknown[])[0] !== "string";
    if (perTags && (tags as unknown[]).length !== n) throw moteError(E_ARG, "tags has " + (tags as unknown[]).length + " lists for " + n + " items");
    const now = this.time();
    const changes: Change[] = [];
    const seen: Record<string, number> = {};
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const item = (items as unknown[])[i];
      const pair = Array.isArray(item) && item.length === 2 && typeof item[0] === "string";
      const r = this.record(
        pair ? (item as unknown[])[1] : item,
        perTtl ? (ttls as unknown[])[i] : ttls,
        perTags ? (tags as unknown[])[i] : tags,
        now,
      );
      const k = pair ? checkKey((item as unknown[])[0], this.opts.maxKeyLength) : this.newKey(now, seen);
      // A key twice in one batch: the later item wins, as if they had been put in turn.
      const slot = "#" + k;
      if (seen[slot] !== undefined) changes[seen[slot]].r = r;
      else {
        seen[slot] = changes.length;
        changes.push({ k: k, r: r });
      }
      keys.push(k);
    }
    this.commit(changes);
    return keys;
  }

  /** Delete a key (true when it held a live record); remove({ purge: true }) empties the database. Also named delete(). */
  remove(key: unknown): boolean {
    if (key !== null && typeof key === "object" && !Array.isArray(key) && (key as { purge?: unknown }).purge === true) {
      const had = this.tree.size > 0;
      this.purge();
      return had;
    }
    this.open("delete");
    const k = checkKey(key, this.opts.maxKeyLength);
    this.expire();
    if (this.tree.get(k) === undefined) return false;
    this.commit([{ k: k, r: undefined }]);
    return true;
  }

  /** Delete many keys, all or nothing: one invalid key rejects the batch. Returns how many were live. */
  deleteBatch(keys: unknown): number {
    this.open("deleteBatch");
    if (!Array.isArray(keys)) throw moteError(E_ARG, "deleteBatch takes an array of keys");
    for (let i = 0; i < keys.length; i++) checkKey(keys[i], this.opts.maxKeyLength);
    this.expire();
    const changes: Change[] = [];
    const seen: Record<string, boolean> = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (seen["#" + k] !== true && this.tree.get(k) !== undefined) {
        seen["#" + k] = true;
        changes.push({ k: k, r: undefined });
      }
    }
    if (changes.length > 0) this.commit(changes);
    return changes.length;
  }

  /** Remove every record. */
  purge(): void {
    this.open("purge");
    if (this.store !== undefined) {
      this.flushStore();
      this.store.purge(this.time());
      this.events.emit("write", 1);
    }
    this.tree.clear();
    this.heap.clear();
    this.ttlRecords = 0;
  }

  // ---- reads --------------------------------------------------------------------------------

  /** The document stored under key, or undefined. */
  get(key: unknown): unknown {
    this.open("get");
    const k = checkKey(key, this.opts.maxKeyLength);
    this.expire();
    const r = this.tree.get(k);
    const doc = r === undefined ? undefined : this.documentOf(k, r);
    this.dropLost();
    return doc;
  }

  has(key: unknown): boolean {
    this.open("has");
    const k = checkKey(key, this.opts.maxKeyLength);
    this.expire();
    return this.tree.get(k) !== undefined;
  }

  /** The documents that match q, in key order. */
  query(q?: unknown): unknown[] {
    this.open("query");
    const out: unknown[] = [];
    const self = this;
    this.scan(compileQuery(q), q === undefined, function (k: string, r: Rec, doc: unknown) {
      const d = doc === undefined ? self.documentOf(k, r) : doc;
      if (d !== undefined) out.push(d);
    });
    this.dropLost();
    return out;
  }

  /** The keys of the records that match q (all records when q is absent), in key order. */
  keys(q?: unknown): string[] {
    this.open("keys");
    const out: string[] = [];
    this.scan(compileQuery(q), q === undefined, function (k: string) {
      out.push(k);
    });
    return out;
  }

  /** How many records match q (all live records when q is absent). */
  count(q?: unknown): number {
    this.open("count");
    if (q === undefined) {
      this.expire();
      return this.tree.size;
    }
    let n = 0;
    this.scan(compileQuery(q), false, function () {
      n++;
    });
    return n;
  }

  // ---- maintenance ----------------------------------------------------------------------------

  /** Remove expired records now; returns how many. (The background check does this too.) */
  cleanup(): number {
    this.open("cleanup");
    return this.expire();
  }

  /** Write buffered changes to flash now (flash mode); on('write') tells when they are there. */
  flush(): void {
    this.open("flush");
    this.flushStore();
  }

  /** Flush, stop every timer, and refuse further calls with E_CLOSED. Closing twice is harmless. */
  close(): void {
    if (this.closed) return;
    this.flush();
    const sch = this.opts.scheduler;
    for (let i = 0; i < this.timers.length; i++) if (sch !== undefined) sch.cancel(this.timers[i]);
    this.timers = [];
    this.closed = true;
    this.events.emit("close");
  }

  stats(): Stats {
    const ops: Record<string, number> = {};
    for (let i = 0; i < OPS.length; i++) ops[OPS[i]] = this.counts[OPS[i]];
    const st: Stats = {
      ops: ops,
      expired: this.expiredCount,
      flushes: this.flushCount,
      records: this.tree.size,
      budgetBytes: this.budget,
      usedBytes: this.used(),
      mode: this.opts.inMemory ? "memory" : "flash",
    };
    if (this.store !== undefined) st.flash = this.store.stats();
    return st;
  }

  on(event: string, fn: Listener): void {
    this.events.on(event, fn);
  }

  off(event: string, fn: Listener): void {
    this.events.off(event, fn);
  }

  // ---- inside ---------------------------------------------------------------------------------

  private open(op: string): void {
    if (this.closed) throw moteError(E_CLOSED, "the database is closed: open a new MoteDB");
    this.counts[op]++;
  }

  /**
   * The database's time, in seconds: the highest reading the clock port has given. A clock that
   * jumps back (an RTC reset at boot) freezes this time until the clock passes it again, so records
   * are never resurrected and never expire early; they outlive their TTL by at most the jump.
   */
  private time(): number {
    const t = this.opts.clock.now();
    if (t > this.clockTime) this.clockTime = t;
    return this.clockTime;
  }

  /** Check and encode one document with its TTL and tags into a record (nothing is stored yet). */
  private record(data: unknown, ttl: unknown, tags: unknown, now: number): Rec {
    let x = 0;
    if (ttl !== undefined && !isNull(ttl) && ttl !== 0) {
      if (typeof ttl !== "number" || !(ttl > 0) || ttl === Infinity) {
        throw moteError(E_VALUE, "a TTL is a number of seconds > 0 (or 0 / none for no expiry), got " + String(ttl));
      }
      x = Math.ceil(now + ttl);
      if (x > MAX_EXPIRY) throw moteError(E_VALUE, "the TTL reaches past 2106, the latest expiry MoteDB stores");
    }
    let g: string[] | undefined = undefined;
    if (tags !== undefined && !isNull(tags)) {
      if (!Array.isArray(tags)) throw moteError(E_VALUE, "tags are an array of strings");
      g = [];
      for (let i = 0; i < tags.length; i++) {
        if (typeof tags[i] !== "string" || tags[i].length === 0) throw moteError(E_VALUE, "every tag is a non-empty string");
        g.push(tags[i]);
      }
    }
    const v = encode(data, this.opts.maxValueSize);
    return { v: v, x: x, g: g, at: -1, n: v.length, s: 0 };
  }

  /** A generated key no record has (nor, within a batch, an earlier item). */
  private newKey(now: number, batch: Record<string, number> | undefined): string {
    let k = this.keyMaker.make(now);
    while (this.tree.get(k) !== undefined || (batch !== undefined && batch["#" + k] !== undefined)) k = this.keyMaker.make(now);
    return k;
  }

  /** The document of k's record: from RAM, or read from flash (and cached); undefined when its CRC fails. */
  private documentOf(k: string, r: Rec): unknown {
    if (r.v !== undefined) return decode(r.v);
    const s = this.store as Store;
    const v = s.value(r);
    if (v === undefined) {
      this.lost.push(k);
      return undefined;
    }
    s.cache(k, r, v, this.budget - this.used());
    return decode(v);
  }

  /** Forget records whose bytes on flash turned out damaged (stats().flash.corrupt counts them). */
  private dropLost(): void {
    for (let i = 0; i < this.lost.length; i++) {
      const r = this.tree.get(this.lost[i]);
      if (r !== undefined && r.v === undefined) {
        this.tree.remove(this.lost[i]);
        if (r.x > 0) this.ttlRecords--;
        (this.store as Store).expired(r);
      }
    }
    this.lost = [];
  }

  /** Open flash mode: rebuild the index from the log, drop what expired, resume the clock and the keys. */
  private recover(flash: Flash): void {
    const s = new Store(flash, this.opts, this.tree, this.budget);
    this.store = s;
    const t = s.open();
    if (t > this.clockTime) this.clockTime = t;
    const now = this.time();
    const dead: string[] = [];
    const self = this;
    this.tree.each(function (k: string, r: Rec) {
      if (r.x > 0 && r.x <= now) dead.push(k);
      else self.sawKey(k);
    });
    for (let i = 0; i < dead.length; i++) s.expired(this.tree.remove(dead[i]) as Rec);
    let ttl = 0;
    this.tree.each(function (k: string, r: Rec) {
      if (r.x > 0) ttl++;
    });
    this.ttlRecords = ttl;
    this.rebuildHeap();
  }

  /** Flash mode: write the buffer as one flush, then collect garbage if erased pages run low. */
  private flushStore(): void {
    const s = this.store;
    if (s === undefined) return;
    this.expire();
    const n = s.flush(this.time());
    if (n > 0) {
      this.flushCount++;
      this.events.emit("flush", n);
      this.events.emit("write", n);
    }
    if (s.low()) s.collect(this.time());
  }

  /** Bytes the database holds in RAM, as the budget counts them. */
  private used(): number {
    return this.tree.bytes() + this.heap.bytes();
  }

  /** What a set of changes (one for each key at most) would add to used(); negative when it frees. */
  private costOf(changes: Change[]): number {
    const tree = this.tree;
    let keys = 0;
    let entries = 0;
    let heap = 0;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      const old = tree.get(c.k);
      if (old !== undefined) {
        keys--;
        entries -= tree.sizeOf(c.k, old);
      }
      if (c.r !== undefined) {
        keys++;
        entries += tree.sizeOf(c.k, c.r);
        if (c.r.x > 0) heap += HEAP_ENTRY_BYTES;
      }
    }
    return tree.bytesAt(tree.size + keys, tree.entryBytes + entries) - tree.bytes() + heap;
  }

  /**
   * Apply changes all together, or none of them: the budget is checked first (after removing
   * expired records, which may make room), and nothing below can fail halfway.
   */
  private commit(changes: Change[]): void {
    const s = this.store;
    if (s !== undefined) {
      this.expire();
      // Buffered deletes and overwrites free flash only once flushed: flush before refusing.
      if (!s.admit(changes, false) && s.pending() > 0) this.flushStore();
      s.admit(changes, true);
    }
    let need = this.costOf(changes);
    if (need > 0 && this.used() + need > this.budget) {
      this.expire();
      this.tidyHeap(true);
      if (s !== undefined) {
        // Cached values go first; then buffered values, which a flush turns into cached ones.
        s.trim(0);
        if (this.used() + this.costOf(changes) > this.budget && s.pending() > 0) {
          this.flushStore();
          s.trim(0);
        }
      }
      need = this.costOf(changes);
      if (this.used() + need > this.budget) {
        throw moteError(
          E_BUDGET,
          "this write needs " + need + " more bytes and the RAM budget has " + Math.max(0, this.budget - this.used()) +
            " free of " + this.budget + ": delete records, use shorter TTLs, or raise ramPercentage",
        );
      }
    }
    for (let i = 0; i < changes.length; i++) this.apply(changes[i].k, changes[i].r);
    if (s !== undefined && s.wrote()) {
      const self = this;
      // The write is done in RAM: a flush that fails now keeps the buffer and reports an 'error'.
      this.background(function () {
        self.flushStore();
      });
    }
  }

  private apply(k: string, r: Rec | undefined): void {
    const old = r === undefined ? this.tree.remove(k) : this.tree.set(k, r);
    if (this.store !== undefined) this.store.changed(k, old, r);
    if (old !== undefined && old.x > 0) this.ttlRecords--;
    if (r !== undefined && r.x > 0) {
      this.ttlRecords++;
      this.heap.push(r.x, k);
      this.tidyHeap(false);
    }
  }

  /**
   * Drop the heap's stale entries (left by overwrites and deletes) by rebuilding it from the
   * records that expire: when they outnumber the live ones (amortised O(1) a write), or whenever
   * there are any (`all`), as when a write needs room.
   */
  private tidyHeap(all: boolean): void {
    if (this.heap.size() > (all ? this.ttlRecords : 2 * this.ttlRecords + 64)) this.rebuildHeap();
  }

  /**
   * Remove every record whose expiry has come: O(k log n) for k expired records, never a scan.
   * Heap entries whose record was since overwritten or deleted are stale and just dropped.
   */
  private expire(): number {
    const now = this.time();
    const heap = this.heap;
    let n = 0;
    while (heap.peekAt() <= now) {
      const k = heap.peekKey();
      const at = heap.peekAt();
      heap.pop();
      const r = this.tree.get(k);
      if (r !== undefined && r.x === at) {
        this.tree.remove(k);
        if (this.store !== undefined) this.store.expired(r);
        this.ttlRecords--;
        this.expiredCount++;
        n++;
        this.events.emit("expire", k);
      }
    }
    this.tidyHeap(false);
    return n;
  }

  /** Drop the heap's stale entries: rebuild it from the records that expire. */
  private rebuildHeap(): void {
    const heap = new TtlHeap();
    this.tree.each(function (k: string, r: Rec) {
      if (r.x > 0) heap.push(r.x, k);
    });
    this.heap = heap;
  }

  private housekeeping(): void {
    this.expire();
    this.tidyHeap(true);
    const s = this.store;
    if (s !== undefined) {
      this.flushStore();
      // One bounded step of garbage collection when the oldest page is mostly garbage.
      if (s.worthCollecting()) s.collect(this.time());
    }
  }

  /** Run a background task; report its failure as an 'error' event instead of throwing into a timer. */
  private background(task: () => void): void {
    if (this.closed) return;
    try {
      task();
    } catch (e) {
      this.events.emit("error", e);
    }
  }

  /** Call fn(key, record, document) for each record that matches, in key order, within skip/limit. */
  private scan(q: Query, all: boolean, fn: (k: string, r: Rec, doc: unknown) => void): void {
    this.expire();
    let skip = q.skip;
    let left = q.limit;
    if (left <= 0) return;
    const self = this;
    this.tree.each(function (k: string, r: Rec) {
      let doc: unknown = undefined;
      if (!all) {
        doc = self.documentOf(k, r);
        if (doc === undefined || !q.test(doc, r.g)) return true;
      }
      if (skip > 0) {
        skip--;
        return true;
      }
      fn(k, r, doc);
      left--;
      return left > 0;
    });
  }

  /** Note the sequence number of a key that has the generated form, so new keys sort after it. */
  protected sawKey(k: string): void {
    const s = autoSeq(k);
    if (s >= 0) this.keyMaker.after(s);
  }
}

export interface MoteDB {
  /** Delete a key (true when it held a live record); delete({ purge: true }) empties the database. */
  delete(key: unknown): boolean;
}
// Espruino cannot parse a class method named with one of its reserved words (delete, default, of...):
// delete() is remove() under its public name, attached after the class.
MoteDB.prototype.delete = MoteDB.prototype.remove;
