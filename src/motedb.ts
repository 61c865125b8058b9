// MoteDB: the database. It keeps an ordered index of records (a B-tree that counts its bytes),
// a heap of expiry times, and a RAM budget that no write may pass. Every public call checks its
// input completely before it changes anything, so a rejected call leaves the database as it was.
//
// The constructor makes the database: its state is the constructor's local variables, and its
// methods are functions over them (a local is shorter than an object's field in the Espruino
// bundle, and costs no lookup). The methods are the database's own properties, typed below; their
// `this: MoteDB` gives them Lua's `self` too (db:put(...)), though none of them uses it.

import { decode, encode, Encoded } from "./codec";
import { BTree, SLOT_BYTES } from "./btree";
import { E_ARG, E_BUDGET, E_CLOSED, E_VALUE, fail } from "./errors";
import {
  CLOSE,
  ERROR,
  EVENTS,
  EXPIRE,
  FLUSH,
  HOUSEKEEPING,
  IN_BACKGROUND,
  Listener,
  ON_CALL,
  OP_CLEANUP,
  OP_COUNT,
  OP_DELETE,
  OP_DELETE_BATCH,
  OP_FLUSH,
  OP_GET,
  OP_HAS,
  OP_KEYS,
  OP_PURGE,
  OP_PUT,
  OP_PUT_BATCH,
  OP_QUERY,
  OPS,
  WRITE,
} from "./events";
import { ALWAYS, HEAP_ENTRY_BYTES, IF_MOSTLY_STALE, IF_STALE, sift } from "./heap";
import { autoKey, autoSeq, checkKey } from "./keys";
import { MAX_EXPIRY } from "./format";
import { isNull } from "./lang";
import { MoteOptions, settle } from "./options";
import { currentPlatform, Flash, Scheduler } from "./ports";
import { compileQuery } from "./query";
import { rec, Rec, recBytes } from "./record";
import { FlashStats, openStore, Store } from "./store";

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

export class MoteDB {
  /**
   * put(data, ttl?, tags?, key?) stores a document under a generated key and returns the key;
   * put(key, data, ttl?, tags?) stores it under `key`. A TTL is in seconds (0 or none: forever).
   */
  declare put: (this: MoteDB, a: unknown, b?: unknown, c?: unknown, d?: unknown) => string;
  /**
   * Store many documents, all or nothing. An item is a document (generated key) or a
   * [key, document] pair. `ttls` is one TTL for all or an array of one per item; `tags` is one
   * tag list for all or an array of one list per item. Returns the keys in item order.
   */
  declare putBatch: (this: MoteDB, items: unknown, ttls?: unknown, tags?: unknown) => string[];
  /** Delete a key (true when it held a live record); remove({ purge: true }) empties the database. */
  declare remove: (this: MoteDB, key: unknown) => boolean;
  declare delete: (this: MoteDB, key: unknown) => boolean;
  /** Delete many keys, all or nothing: one invalid key rejects the batch. Returns how many were live. */
  declare deleteBatch: (this: MoteDB, keys: unknown) => number;
  /** Remove every record. */
  declare purge: (this: MoteDB) => void;
  /** The document stored under key, or undefined. */
  declare get: (this: MoteDB, key: unknown) => unknown;
  declare has: (this: MoteDB, key: unknown) => boolean;
  /** The documents that match q, in key order. */
  declare query: (this: MoteDB, q?: unknown) => unknown[];
  /** The keys of the records that match q (all records when q is absent), in key order. */
  declare keys: (this: MoteDB, q?: unknown) => string[];
  /** How many records match q (all live records when q is absent). */
  declare count: (this: MoteDB, q?: unknown) => number;
  /** Remove expired records now; returns how many. (The background check does this too.) */
  declare cleanup: (this: MoteDB) => number;
  /** Write buffered changes to flash now (flash mode); on('write') tells when they are there. */
  declare flush: (this: MoteDB) => void;
  /** Flush, stop every timer, and refuse further calls with E_CLOSED. Closing twice is harmless. */
  declare close: (this: MoteDB) => void;
  declare stats: (this: MoteDB) => Stats;
  declare on: (this: MoteDB, event: string, fn: Listener) => void;
  declare off: (this: MoteDB, event: string, fn: Listener) => void;
  /** The TTL heap's expiry times (heap.ts): a field, unlike the rest of the state, since tests look at it. */
  declare at_: number[];

  constructor(options?: MoteOptions) {
    const db = this;
    const o = settle(options);
    /** The index: every live record (and expired ones not yet removed) by key. */
    const tree = new BTree<Rec>(Math.floor(o.btreePagesize / SLOT_BYTES), recBytes);
    const m = o.memory;
    const sch = o.scheduler;
    const budget = Math.floor((m.free() * o.ramPercentage) / 100 / (m.scale ?? 1));
    const maxKey = o.maxKeyLength;
    /** The listeners of each event, in the order of EVENTS. */
    const ev: Listener[][] = EVENTS.map(function (): Listener[] {
      return [];
    });
    /** How many times each operation ran (OPS, events.ts); records expired, and flushes. */
    const n = OPS.map(function (): number {
      return 0;
    });
    let expired = 0;
    let flushes = 0;
    /** The TTL heap (heap.ts), emptied and refilled in place: db.at_ stays this array. */
    const at: number[] = (db.at_ = []);
    const atKey: string[] = [];
    /** Live records with an expiry: the heap holds these and stale entries. */
    let ttl = 0;
    /** The next generated key's sequence number (keys.ts). */
    let seq = 0;
    /** The database's clock: the highest time the clock port has shown (see time()). */
    let t = -Infinity;
    let closed = false;
    /** Flash mode: the write buffer, the flash log and the value cache (undefined in memory mode). */
    let store: Store | undefined = undefined;

    /** Count operation op; refuse it when closed. */
    function open(op: number): void {
      if (closed) fail(E_CLOSED, "closed");
      n[op]++;
    }

    /**
     * The database's time, in seconds: the highest reading the clock port has given. A clock that
     * jumps back (an RTC reset at boot) freezes this time until the clock passes it again, so records
     * are never resurrected and never expire early; they outlive their TTL by at most the jump.
     */
    function time(): number {
      // A reading that is not above t (NaN from a broken clock included) leaves t as it is.
      const now = o.clock.now();
      if (now > t) t = now;
      return t;
    }

    /** The listeners of an event, named from outside: only names in EVENTS, so never a prototype's. */
    function listeners(name: unknown): Listener[] {
      const i = EVENTS.indexOf(name as string);
      if (i < 0) fail(E_ARG, "unknown event " + String(name));
      return ev[i];
    }

    /** Call the listeners of event i. One that throws does not stop the others; it is reported as an 'error'. */
    function emit(i: number, a?: unknown): void {
      // A copy: a listener may call on() or off().
      ev[i].slice().forEach(function (l: Listener) {
        try {
          l(a);
        } catch (e) {
          if (i !== ERROR) emit(ERROR, e);
        }
      });
    }

    /** Bytes the database holds in RAM, as the budget counts them; with changes (keys get recs), what it would hold after them. */
    function used(keys?: string[], recs?: (Rec | undefined)[]): number {
      let size = tree.size_;
      let entries = tree.entryBytes_;
      let heap = at.length;
      if (keys) {
        keys.forEach(function (k: string, i: number) {
          const r = (recs as (Rec | undefined)[])[i];
          const old = tree.get_(k);
          if (old) {
            size--;
            entries -= recBytes(k, old);
          }
          if (r) {
            size++;
            entries += recBytes(k, r);
            if (r.x > 0) heap++;
          }
        });
      }
      // In flash mode, the values cached (store.ts) count too.
      return tree.bytesAt_(size, entries) + heap * HEAP_ENTRY_BYTES + (store ? store.cached_() : 0);
    }

    /** Rebuild the TTL heap from the records that expire, dropping its stale entries, `when` (heap.ts) says. */
    function rebuild(when: number): void {
      if (when === ALWAYS || at.length > (when === IF_STALE ? ttl : 2 * ttl + 64)) {
        at.splice(0);
        atKey.splice(0);
        tree.each_(function (k: string, r: Rec) {
          if (r.x > 0) sift(at, atKey, r.x, k, at.length);
        });
        ttl = at.length;
      }
    }

    /** Drop k's record from the index: it expired, or its bytes on flash are lost. */
    function forget(k: string): void {
      const r = tree.remove_(k) as Rec;
      if (r.x > 0) ttl--;
      if (store) store.dropped_(r);
    }

    /**
     * Remove every record whose expiry has come: O(k log n) for k expired records, never a scan.
     * Heap entries whose record was since overwritten or deleted are stale and just dropped.
     */
    function expire(): number {
      const now = time();
      let count = 0;
      // The heap is read afresh each time round: an 'expire' listener may write, and so change it.
      while (at.length > 0 && at[0] <= now) {
        const x = at[0];
        const k = atKey[0];
        // The root goes: the last entry takes its place and sinks to where it belongs.
        const lastAt = at.pop() as number;
        const lastKey = atKey.pop() as string;
        if (at.length > 0) sift(at, atKey, lastAt, lastKey, 0);
        const r = tree.get_(k);
        if (r && r.x === x) {
          forget(k);
          expired++;
          count++;
          emit(EXPIRE, k);
        }
      }
      rebuild(IF_MOSTLY_STALE);
      return count;
    }

    /**
     * Flush, and work in the background (`why`: events.ts). In flash mode: expire what is due, write
     * the buffer as one flush, collect garbage when erased pages run low (and, housekeeping, when
     * the oldest page is mostly garbage). In the background a failure is reported as an 'error'
     * event instead of thrown into a timer.
     */
    function tick(why: number): void {
      if (closed) return;
      try {
        if (why > 0 || store) expire();
        if (why === HOUSEKEEPING) rebuild(IF_STALE);
        if (store) {
          const flushed = store.flush_(time());
          if (flushed > 0) {
            flushes++;
            emit(FLUSH, flushed);
            emit(WRITE, flushed);
          }
          store.tidy_(t, why === HOUSEKEEPING); // t: the time the flush just read
        }
      } catch (e) {
        if (why === ON_CALL) throw e;
        emit(ERROR, e);
      }
    }

    /** Check the key and expire what is due: the record of key, or undefined. */
    function find(op: number, key: unknown): Rec | undefined {
      open(op);
      checkKey(key, maxKey);
      expire();
      return tree.get_(key as string);
    }

    /**
     * The canonical bytes of the document of r (the index's record): from RAM, or from flash (and
     * cached). Undefined when its bytes on flash turned out damaged (stats().flash.corrupt counts
     * them): the caller then forgets the record, and the key reads as absent for the rest of the
     * session. At the next open, recovery drops the whole flush that held the record (flushes are
     * all or nothing), so its other keys return to older versions.
     */
    function bytesOf(r: Rec): string | undefined {
      return r.v !== undefined ? r.v : (store as Store).value_(r, budget - used());
    }

    /**
     * query (the documents) and keys (the keys) of the records that match q, in key order, within
     * its $skip and $limit; count: how many, with nothing held for each (RAM on a device).
     */
    function list(op: number, q: unknown): unknown {
      open(op);
      const c = compileQuery(q);
      const all = q === undefined;
      const out: unknown[] = [];
      let n = 0;
      const lost: string[] = [];
      let skip = c.skip_;
      let left = c.limit_;
      expire();
      if (left > 0) {
        tree.each_(function (k: string, r: Rec) {
          // A query reads the document in its bytes; only what it returns is decoded. The keys (and
          // the count) of every record need no bytes.
          const b = all && op !== OP_QUERY ? "" : bytesOf(r);
          if (b === undefined) lost.push(k);
          else if (all || c.test_(new Encoded(b, 0), r.g)) {
            if (skip > 0) skip--;
            else {
              if (op !== OP_COUNT) out.push(op === OP_QUERY ? decode(b) : k);
              n++;
              left--;
            }
          }
          return left > 0;
        });
      }
      // The index must not change during the walk: lost records go after it.
      lost.forEach(function (k: string) {
        forget(k);
      });
      return op === OP_COUNT ? n : out;
    }

    /**
     * The one way records change: every item is checked before anything changes. put: items holds
     * the document, `key` its key (undefined or null: a generated one); putBatch: the items, and
     * ttls and tags may be arrays of one per item. Returns the keys in item order. delete and
     * deleteBatch: items holds the keys, of which those that hold a live record are deleted.
     * Returns how many.
     */
    function write(op: number, items: unknown, ttls?: unknown, tags?: unknown, key?: unknown): string[] | number {
      open(op);
      if (!Array.isArray(items)) fail(E_ARG, OPS[op] + ": not an array");
      const batch = op === OP_PUT_BATCH;
      const del = op === OP_DELETE || op === OP_DELETE_BATCH;
      const count = items.length;
      const perTtl = batch && Array.isArray(ttls);
      const perTags = batch && Array.isArray(tags) && tags.length > 0 && typeof tags[0] !== "string";
      if ((perTtl && (ttls as unknown[]).length !== count) || (perTags && (tags as unknown[]).length !== count)) {
        fail(E_ARG, "ttls, tags: one per item");
      }
      if (del) {
        // Every key is checked first; then expired records go, and only live ones are deleted.
        items.forEach(function (k: unknown) {
          checkKey(k, maxKey);
        });
        expire();
      }
      const now = time();
      // The changes to make, one for each key at most: keys[i] gets recs[i] (undefined: deleted).
      const keys: string[] = [];
      const recs: (Rec | undefined)[] = [];
      /** "#" + key: 1 + the key's index in keys. */
      const seen: Record<string, number> = {};
      const out = (items as unknown[]).map(function (item: unknown, i: number): string {
        const pair = batch && Array.isArray(item) && item.length === 2 && typeof item[0] === "string";
        let r: Rec | undefined = undefined;
        if (!del) {
          // The document with its TTL and tags, checked and encoded into a record.
          const life = perTtl ? (ttls as unknown[])[i] : ttls;
          const tg = perTags ? (tags as unknown[])[i] : tags;
          // A TTL that is not a number above 0 gives NaN, which fails the test as Infinity and
          // expiries past MAX_EXPIRY (2106, the format's limit) do.
          const x = life === undefined || isNull(life) || life === 0 ? 0 : typeof life === "number" && life > 0 ? Math.ceil(now + life) : NaN;
          if (!(x <= MAX_EXPIRY)) fail(E_VALUE, "ttl: seconds > 0, to 2106");
          let g: string[] | undefined = undefined;
          if (tg !== undefined && !isNull(tg)) {
            const bad =
              !Array.isArray(tg) ||
              tg.some(function (tag: unknown) {
                return typeof tag !== "string" || tag === "";
              });
            if (bad) fail(E_VALUE, "tags: non-empty strings");
            g = tg.slice() as string[]; // a copy: the caller may change its array
          }
          const v = encode(pair ? (item as unknown[])[1] : item, o.maxValueSize);
          r = rec(v, x, g, -1, v.length, 0);
        }
        // (putBatch gives no `key`: an item that is no pair gets a generated one.)
        const given = del ? item : pair ? (item as unknown[])[0] : key;
        let k = "";
        if (given === undefined || given === null) {
          // A generated key no record has, nor an earlier item of the batch.
          do {
            const q = Math.max(seq, Math.floor(now) * 1000);
            seq = q + 1;
            k = autoKey(q);
          } while (tree.get_(k) || seen["#" + k]);
        } else k = checkKey(given, maxKey);
        // A key twice in one batch: the later item wins, as if they had been put in turn.
        // (A delete is a change only of a live record.)
        const slot = "#" + k;
        let c = seen[slot];
        if (!c && (r || tree.get_(k))) c = seen[slot] = keys.push(k);
        if (c) recs[c - 1] = r;
        return k;
      });
      if (del && keys.length === 0) return 0;
      // Apply the changes all together, or none of them: flash room (flash mode) and the RAM budget
      // are checked first, and nothing below can fail halfway. A write that frees bytes always fits
      // the budget; one that adds them must fit it. When either does not, make room and look again:
      // first expired records, stale heap entries and cached values go; then the buffer is flushed
      // (buffered deletes and overwrites free flash only once flushed; flushed values become cached
      // ones, which go too). The last look, with nothing left to try, throws.
      if (store) expire();
      for (let pass = 0; ; pass++) {
        const last = pass > 1 || (pass > 0 && !(store && store.pending_() > 0));
        const need = used(keys, recs);
        if ((!store || store.admit_(keys, recs, last)) && need <= Math.max(used(), budget)) break;
        if (last) fail(E_BUDGET, "would use " + need + " of " + budget + " bytes: delete records or raise ramPercentage");
        if (pass > 0) tick(ON_CALL);
        else {
          expire();
          rebuild(IF_STALE);
        }
        if (store) store.trim_(0);
      }
      keys.forEach(function (k: string, i: number) {
        const r = recs[i];
        const old = tree.set_(k, r);
        if (store) store.changed_(k, old, r);
        if (old && old.x > 0) ttl--;
        if (r && r.x > 0) {
          ttl++;
          sift(at, atKey, r.x, k, at.length);
          rebuild(IF_MOSTLY_STALE);
        }
      });
      // The write is done in RAM: a flush that fails now keeps the buffer and reports an 'error'.
      if (store && store.wrote_()) tick(IN_BACKGROUND);
      return del ? keys.length : out;
    }

    // ---- the methods ------------------------------------------------------------------------

    db.put = function (a: unknown, b?: unknown, c?: unknown, d?: unknown): string {
      // A string first: put(key, data, ttl?, tags?).
      return ((typeof a === "string" ? write(OP_PUT, [b], c, d, a) : write(OP_PUT, [a], b, c, d)) as string[])[0];
    };
    db.putBatch = function (items: unknown, ttls?: unknown, tags?: unknown): string[] {
      return write(OP_PUT_BATCH, items, ttls, tags) as string[];
    };
    db.purge = function (): void {
      open(OP_PURGE);
      if (store) {
        store.purge_(time());
        emit(WRITE, 1);
      }
      tree.clear_();
      rebuild(ALWAYS);
    };
    // delete() is remove() under its other name (Espruino cannot parse a class method named delete).
    db.remove = db.delete = function (k: unknown): boolean {
      if (k && typeof k === "object" && (k as { purge?: unknown }).purge === true) {
        const had = tree.size_ > 0;
        db.purge();
        return had;
      }
      return (write(OP_DELETE, [k]) as number) > 0;
    };
    db.deleteBatch = function (keys: unknown): number {
      return write(OP_DELETE_BATCH, keys) as number;
    };
    db.get = function (key: unknown): unknown {
      const r = find(OP_GET, key);
      const b = r && bytesOf(r);
      if (b !== undefined) return decode(b);
      if (r) forget(key as string);
      return undefined;
    };
    db.has = function (key: unknown): boolean {
      return !!find(OP_HAS, key);
    };
    db.query = function (q?: unknown): unknown[] {
      return list(OP_QUERY, q) as unknown[];
    };
    db.keys = function (q?: unknown): string[] {
      return list(OP_KEYS, q) as string[];
    };
    db.count = function (q?: unknown): number {
      if (q !== undefined) return list(OP_COUNT, q) as number;
      open(OP_COUNT);
      expire();
      return tree.size_;
    };
    db.cleanup = function (): number {
      open(OP_CLEANUP);
      return expire();
    };
    db.flush = function (): void {
      open(OP_FLUSH);
      tick(ON_CALL);
    };
    db.close = function (): void {
      if (closed) return;
      db.flush();
      timers.forEach(function (id: unknown) {
        return (sch as Scheduler).cancel(id);
      });
      closed = true;
      emit(CLOSE);
    };
    db.stats = function (): Stats {
      const ops: Record<string, number> = {};
      OPS.forEach(function (name: string, i: number) {
        ops[name] = n[i];
      });
      const st: Stats = {
        ops: ops,
        expired: expired,
        flushes: flushes,
        records: tree.size_,
        budgetBytes: budget,
        usedBytes: used(),
        mode: store ? "flash" : "memory",
      };
      if (store) st.flash = store.stats_();
      return st;
    };
    db.on = function (event: string, fn: Listener): void {
      if (typeof fn !== "function") fail(E_ARG, "listener: not a function");
      listeners(event).push(fn);
    };
    db.off = function (event: string, fn: Listener): void {
      const l = listeners(event);
      const i = l.indexOf(fn);
      if (i >= 0) l.splice(i, 1);
    };

    // ---- opening ------------------------------------------------------------------------------

    // The heap starts empty, as the index does.
    if (!o.inMemory) {
      // Flash mode: rebuild the index from the log, resume the clock, drop what expired (not
      // counted in stats().expired), and make new keys sort after the generated ones found.
      store = openStore(o.flash as Flash, o, tree, budget);
      t = store.time_;
      rebuild(ALWAYS);
      expire();
      expired = 0;
      tree.each_(function (k: string) {
        seq = Math.max(seq, autoSeq(k) + 1);
      });
    }
    const timers = sch
      ? [
          sch.every(o.ttlCheckInterval, function () {
            return tick(IN_BACKGROUND);
          }),
          sch.every(o.cleanupInterval, function () {
            return tick(HOUSEKEEPING);
          }),
        ]
      : [];
    // The platform may flush open databases when it stops (Espruino's E.on('kill')).
    const opened = currentPlatform().opened;
    if (opened) opened(db);
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
    if (typeof r !== "object" || !r || typeof (r as { then?: unknown }).then !== "function") {
      db.close();
      return r;
    }
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
}
