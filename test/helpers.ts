// Ports for tests: a clock the test moves by hand and a scheduler whose timers fire on demand.
import { MoteDB } from "../src/index";
import { hostMemory } from "../src/ports/host";
import type { MoteOptions } from "../src/options";
import type { Clock, Scheduler } from "../src/ports";

export class ManualClock implements Clock {
  t: number;
  constructor(t = 1_700_000_000) {
    this.t = t;
  }
  now(): number {
    return this.t;
  }
}

export class ManualScheduler implements Scheduler {
  timers: { seconds: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  every(seconds: number, fn: () => void): unknown {
    const id = this.nextId++;
    this.timers.push({ seconds, fn, id });
    return id;
  }
  cancel(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Fire every timer whose period is `seconds`. */
  fire(seconds: number): void {
    for (const t of this.timers.slice()) if (t.seconds === seconds) t.fn();
  }
}

/** An in-memory database on a manual clock with a generous budget unless told otherwise. */
export function memDb(extra: MoteOptions = {}, clock = new ManualClock()): { db: MoteDB; clock: ManualClock } {
  const db = new MoteDB({ memory: hostMemory(10_000_000), clock, ...extra });
  return { db, clock };
}

/** Everything a caller can observe of a database's contents. */
export function snapshot(db: MoteDB): { keys: string[]; docs: unknown[]; used: number; records: number } {
  const s = db.stats();
  return { keys: db.keys(), docs: db.query(), used: s.usedBytes, records: s.records };
}

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? "(no code: " + String(e) + ")";
  }
  return undefined;
}
