// Retries of flash operations: maxRetries more attempts, retryDelay seconds apart, and never more
// than lockTimeout seconds in all. The core is synchronous, so the pause between attempts is a
// wait on the clock port; a clock that does not move (a test's) ends the wait after a bounded spin.

import { E_FLASH, errorCode, moteError } from "./errors";
import { Clock } from "./ports";

export class Retry {
  clock_: Clock;
  retries_: number;
  delay_: number;
  timeout_: number;
  /** Operations that failed and were tried again. */
  retried_: number;

  constructor(clock: Clock, retries: number, delay: number, timeout: number) {
    this.clock_ = clock;
    this.retries_ = retries;
    this.delay_ = delay;
    this.timeout_ = timeout;
    this.retried_ = 0;
  }

  /**
   * After failure number n (1, 2...) of an operation with error e: wait when another attempt is
   * allowed, else throw E_FLASH (or SimFlash's power loss: the device is off, nothing would run to
   * retry). `start` is when the operation first failed (0 before: the clock is read only then);
   * returns it. (A local of the caller, not a field: a retried read may run while a program's
   * retries are under way.)
   */
  again_(n: number, start: number, what: string, e: unknown): number {
    const self = this;
    const c = self.clock_;
    if (errorCode(e) === "E_POWER") throw e;
    if (n === 1) start = c.now();
    if (n > self.retries_ || c.now() - start + self.delay_ > self.timeout_) throw moteError(E_FLASH, what + " failed: " + String((e as Error).message));
    self.retried_++;
    const until = c.now() + self.delay_;
    for (let spins = 0; c.now() < until && spins < 100000; spins++);
    return start;
  }

  /**
   * fn(a, b), retried when it throws. For operations that may simply be repeated: reads, erases,
   * the obsolete mark (all zeros: programming it again only clears what a torn try left set).
   * fn(a, b) rather than a closure made for each call: every flash read comes through here.
   */
  run_<T>(what: string, fn: (this: void, a: number, b: number) => T, a?: number, b?: number): T {
    let start = 0;
    for (let n = 1; ; n++) {
      try {
        return fn(a as number, b as number);
      } catch (e) {
        start = this.again_(n, start, what, e);
      }
    }
  }
}
