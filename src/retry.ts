// Retries of flash operations: maxRetries more attempts, retryDelay seconds apart, and never more
// than lockTimeout seconds in all. The core is synchronous, so the pause between attempts is a
// wait on the clock port; a clock that does not move (a test's) ends the wait after a bounded spin.

import { E_FLASH, errorCode, fail } from "./errors";
import { Clock } from "./ports";

/** What retries follow: the database's options of the same names (Settings has them all). */
export interface RetrySettings {
  clock: Clock;
  maxRetries: number;
  retryDelay: number;
  lockTimeout: number;
}

// A class for its callers (`new Retry(...)`), whose methods are closures over the settings: one
// Retry serves a database, and the settings are then locals rather than fields.
export class Retry {
  /** Operations that failed and were tried again. */
  retried_!: number;
  /**
   * After failure number n (1, 2...) of an operation with error e: wait when another attempt is
   * allowed, else throw E_FLASH (or SimFlash's power loss: the device is off, nothing would run to
   * retry). `start` is when the operation first failed (0 before: the clock is read only then);
   * returns it. (A local of the caller, not a field: a retried read may run while a program's
   * retries are under way.)
   */
  again_!: (this: void, n: number, start: number, what: string, e: unknown) => number;
  /**
   * fn(a, b), retried when it throws. For operations that may simply be repeated: reads, erases,
   * the obsolete mark (all zeros: programming it again only clears what a torn try left set).
   * fn(a, b) rather than a closure made for each call: every flash read comes through here.
   */
  run_!: <T>(this: void, what: string, fn: (this: void, a: number, b: number) => T, a?: number, b?: number) => T;

  constructor(o: RetrySettings) {
    const self = this;
    const clock = o.clock;
    const delay = o.retryDelay;
    self.retried_ = 0;
    const again = (self.again_ = function (n: number, start: number, what: string, e: unknown): number {
      if (errorCode(e) === "E_POWER") throw e;
      const now = clock.now();
      if (n === 1) start = now;
      if (n > o.maxRetries || now - start + delay > o.lockTimeout) fail(E_FLASH, what + " failed: " + String((e as Error).message));
      self.retried_++;
      for (let spins = 0; clock.now() < now + delay && spins < 100000; spins++);
      return start;
    });
    self.run_ = function <T>(what: string, fn: (this: void, a: number, b: number) => T, a?: number, b?: number): T {
      let start = 0;
      for (let n = 1; ; n++) {
        try {
          return fn(a as number, b as number);
        } catch (e) {
          start = again(n, start, what, e);
        }
      }
    };
  }
}
