// Timing and heap helpers. These machines are shared and noisy, so every figure is a median of
// several rounds, and comparisons alternate their contenders within each round.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds that fn takes (awaited when it returns a Promise). */
export async function timeMs(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  const r = fn();
  if (r instanceof Promise) await r;
  return performance.now() - t0;
}

/** Milliseconds that a synchronous fn takes, at high resolution (for sub-microsecond work). */
export function timeSyncMs(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The contenders in a different order each round, so none always runs first (or last). */
export function rotate<T>(xs: T[], round: number): T[] {
  const r = round % xs.length;
  return xs.slice(r).concat(xs.slice(0, r));
}

let gcFn: (() => void) | undefined;
let gcHow = "";

/**
 * A full garbage collection, for heap deltas: global.gc when node runs with --expose-gc, else
 * the same function fetched by turning the flag on at run time (V8 allows that), else none.
 */
export function gcMethod(): string {
  if (gcHow !== "") return gcHow;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") {
    gcFn = g;
    gcHow = "global.gc (node --expose-gc)";
    return gcHow;
  }
  try {
    setFlagsFromString("--expose-gc");
    const f = runInNewContext("gc") as unknown;
    if (typeof f === "function") {
      gcFn = f as () => void;
      gcHow = "gc() via v8.setFlagsFromString('--expose-gc')";
      return gcHow;
    }
  } catch {
    // fall through: no forced collection
  }
  gcHow = "none (heapUsed deltas without a forced collection: noisy)";
  return gcHow;
}

/** Collect garbage (twice: the first pass may leave finalised objects behind), if we can. */
export function collect(): void {
  gcMethod();
  if (gcFn !== undefined) {
    gcFn();
    gcFn();
  }
}

export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/** A small deterministic PRNG (mulberry32), so every run and every contender sees the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1, fixed by the seed. */
export function shuffled(n: number, seed: number): number[] {
  const r = rng(seed);
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
