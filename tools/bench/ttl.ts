// TTL: the time to expire k of n records. Every record has a TTL (so the expiry heap holds all n);
// groups of k records expire at successive times and the rest a year later. Each round moves a
// manual clock just past one group's expiry and times cleanup(), which must remove exactly k.
// Expiry pops a heap, O(k log n): the time should follow k and stay nearly flat as n grows.

import { MoteDB } from "../../src/index";
import { hostMemory } from "../../src/ports/host";
import { key, reading, tagsOf } from "./data";
import { NO_TIMERS } from "./host";
import { collect, median, timeSyncMs } from "./measure";

export interface TtlRow {
  n: number;
  k: number;
  rounds: number;
  /** Median milliseconds of one cleanup() that expires k records. */
  ms: number;
  /** The same per expired record, in microseconds. */
  usPerRecord: number;
}

export interface TtlSection {
  sizes: number[];
  ks: number[];
  rows: TtlRow[];
  /** For each k: time at the largest n over time at the smallest n (about 1 when cost does not grow with n). */
  nGrowth: { k: number; fromN: number; toN: number; ratio: number }[];
}

const T0 = 1_700_000_000;
const STEP = 10;
const YEAR = 365 * 24 * 3600;

/** Median time of cleanup() expiring k of n records, or undefined when n is too small for k. */
function measure(n: number, k: number, mostRounds: number): TtlRow | undefined {
  // More rounds for small k, whose single timings are a few microseconds; never more than n/2 records due.
  const rounds = Math.min(k < 100 ? mostRounds * 3 : mostRounds, Math.floor(n / 2 / k));
  if (rounds < 3) return undefined;
  const clock = {
    t: T0,
    now(): number {
      return this.t;
    },
  };
  const db = new MoteDB({ memory: hostMemory(1e12), clock, scheduler: NO_TIMERS });
  const pairs: [string, unknown][] = [];
  const ttls: number[] = [];
  const tags: string[][] = [];
  const m = Math.floor(n / k);
  for (let i = 0; i < n; i++) {
    pairs.push([key(i), reading(i)]);
    tags.push(tagsOf(i));
    // Group g is the records g, g + m, g + 2m... (k of them, spread over the key space so expiry
    // touches the whole tree); it expires at T0 + STEP * (g + 1).
    const g = i % m;
    ttls.push(g < rounds && Math.floor(i / m) < k ? STEP * (g + 1) : YEAR);
  }
  db.putBatch(pairs, ttls, tags);
  // Pay off the set-up's garbage now, so its collection does not land in a timing.
  collect();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    clock.t = T0 + STEP * (r + 1);
    let removed = 0;
    times.push(timeSyncMs(() => (removed = db.cleanup())));
    if (removed !== k) throw new Error("ttl: expected " + k + " records to expire, got " + removed + " (n=" + n + ")");
  }
  const ms = median(times);
  return { n, k, rounds, ms, usPerRecord: (ms * 1000) / k };
}

export function ttlSection(sizes: number[], ks: number[], mostRounds: number, log: (s: string) => void): TtlSection {
  // Warm up on the smallest size and throw the figures away, so the first cells are not measured cold.
  log("ttl warm-up");
  for (const k of ks) measure(sizes[0], k, mostRounds);
  const rows: TtlRow[] = [];
  for (const n of sizes) {
    for (const k of ks) {
      log("ttl n=" + n + " k=" + k);
      const row = measure(n, k, mostRounds);
      if (row !== undefined) rows.push(row);
    }
  }
  const nGrowth: TtlSection["nGrowth"] = [];
  for (const k of ks) {
    const at = rows.filter((r) => r.k === k);
    if (at.length < 2) continue;
    const lo = at[0];
    const hi = at[at.length - 1];
    nGrowth.push({ k, fromN: lo.n, toN: hi.n, ratio: hi.ms / lo.ms });
  }
  return { sizes, ks, rows, nGrowth };
}
