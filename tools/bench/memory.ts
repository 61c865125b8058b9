// Memory: what MoteDB's RAM budget counts per record and per index key (stats().usedBytes), next to
// what V8's heap really grows by, for MoteDB and for a plain-object cache of the same documents
// (key -> { doc, tags, expires }). Heap figures are process.memoryUsage().heapUsed deltas around
// building each store, after a forced garbage collection (gcMethod() says how it was forced).
// Documents are generated inside the build, so the source data is not what gets measured.

import { encode } from "../../src/codec";
import { MoteDB } from "../../src/index";
import { hostMemory } from "../../src/ports/host";
import { Rec, recBytes } from "../../src/record";
import { key, reading, tagsOf } from "./data";
import { NO_TIMERS } from "./host";
import { collect, gcMethod, heapUsed } from "./measure";

export interface MemoryRow {
  n: number;
  /** Canonical (codec) bytes of one document, on average. */
  docBytes: number;
  /** stats().usedBytes / n: what the budget charges a record in all. */
  budgetPerRecord: number;
  /** The part of that charged to the index (B-tree nodes and slots), per key. */
  indexPerKey: number;
  /** V8 heap growth per record, MoteDB. */
  moteHeapPerRecord: number;
  /** V8 heap growth per record, a plain-object cache of the same documents and tags. */
  plainHeapPerRecord: number;
}

export interface MemorySection {
  gcMethod: string;
  rows: MemoryRow[];
}

interface PlainEntry {
  doc: unknown;
  tags: string[];
  expires: number;
}

/** Heap growth, in bytes, from building what build() returns (kept alive until measured). */
function heapDelta(build: () => unknown): { bytes: number; kept: unknown } {
  collect();
  const h0 = heapUsed();
  const kept = build();
  collect();
  return { bytes: heapUsed() - h0, kept };
}

export function memorySection(sizes: number[], log: (s: string) => void): MemorySection {
  const how = gcMethod();
  const rows: MemoryRow[] = [];
  for (const n of sizes) {
    log("memory n=" + n);
    let docBytes = 0;
    let recordBytes = 0;
    for (let i = 0; i < n; i++) {
      const v = encode(reading(i), Infinity);
      docBytes += v.length;
      // What the index charges for a record's own fields, key, value and tags: the rest is index.
      const r = { v: v, x: 0, g: tagsOf(i), at: -1, n: v.length, s: 0 } as Rec;
      recordBytes += recBytes(key(i), r);
    }
    // Alternate the two builds and keep the smaller delta of each: a collection that runs late
    // only ever adds to a delta.
    let mote = Infinity;
    let plain = Infinity;
    let used = 0;
    for (let rep = 0; rep < 2; rep++) {
      const m = heapDelta(() => {
        const db = new MoteDB({ memory: hostMemory(1e12), clock: { now: () => 1_700_000_000 }, scheduler: NO_TIMERS });
        for (let i = 0; i < n; i++) db.put(key(i), reading(i), 0, tagsOf(i));
        return db;
      });
      mote = Math.min(mote, m.bytes);
      used = (m.kept as MoteDB).stats().usedBytes;
      const p = heapDelta(() => {
        const cache: Record<string, PlainEntry> = {};
        for (let i = 0; i < n; i++) cache[key(i)] = { doc: reading(i), tags: tagsOf(i), expires: 0 };
        return cache;
      });
      plain = Math.min(plain, p.bytes);
    }
    rows.push({
      n,
      docBytes: docBytes / n,
      budgetPerRecord: used / n,
      indexPerKey: (used - recordBytes) / n,
      moteHeapPerRecord: mote / n,
      plainHeapPerRecord: plain / n,
    });
  }
  return { gcMethod: how, rows };
}
