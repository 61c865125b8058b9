// Shared by the flash tests: a seeded random source, a database on a SimFlash, and a model of what
// a database must hold.
import { MoteDB } from "../src/index";
import type { MoteOptions } from "../src/options";
import { hostMemory } from "../src/ports/host";
import { SimFlash } from "../src/ports/simflash";
import { ManualClock, ManualScheduler } from "./helpers";

/** mulberry32: a small seeded generator, so every run of a test sees the same workload. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function flashDb(flash: SimFlash, clock: ManualClock, extra: MoteOptions = {}): MoteDB {
  return new MoteDB({
    inMemory: false,
    flash,
    clock,
    memory: hostMemory(10_000_000),
    scheduler: new ManualScheduler(),
    maxRetries: 0,
    retryDelay: 0,
    ...extra,
  });
}

export interface Entry {
  doc: unknown;
  x: number; // expiry, 0 for none
  tags?: string[];
}
export type Model = Map<string, Entry>;

/** The entries of a model still alive at time t, as sorted [key, doc, tags] triples. */
export function visible(m: Model, t: number): [string, unknown, string[] | undefined][] {
  const out: [string, unknown, string[] | undefined][] = [];
  for (const [k, e] of m) if (e.x === 0 || e.x > t) out.push([k, e.doc, e.tags]);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** What a database shows, in the same form (tags read back through a tags query). */
export function contents(db: MoteDB, tagNames: string[]): [string, unknown, string[] | undefined][] {
  const keys = db.keys();
  const tagged = new Map<string, string[]>();
  for (const t of tagNames) for (const k of db.keys({ tags: t })) tagged.set(k, [...(tagged.get(k) ?? []), t]);
  return keys.map((k) => [k, db.get(k), tagged.get(k)]);
}

/** The same for a model, tags reduced to the names asked about (as contents() sees them). */
export function expected(m: Model, t: number, tagNames: string[]): [string, unknown, string[] | undefined][] {
  return visible(m, t).map(([k, doc, tags]) => {
    const seen = tags === undefined ? [] : tagNames.filter((n) => tags.includes(n));
    return [k, doc, seen.length > 0 ? seen : undefined];
  });
}
