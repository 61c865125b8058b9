// Retries of flash operations: maxRetries more attempts, retryDelay seconds apart, and never more
// than lockTimeout seconds in all. The core is synchronous, so the pause between attempts is a
// wait on the clock port; a clock that does not move (a test's) ends the wait after a bounded spin.

import { E_FLASH, errorCode, moteError } from "./errors";
import { Clock } from "./ports";

/** SimFlash's power loss: the device is off, so nothing would run to retry. */
const E_POWER = "E_POWER";

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
   * After failure number `failures` (1, 2...) of an operation that began at `start`, with error e:
   * wait when another attempt is allowed, else throw E_FLASH (or the power loss).
   */
  again_(failures: number, start: number, what: string, e: unknown): void {
    if (errorCode(e) === E_POWER) throw e;
    if (failures > this.retries_ || this.clock_.now() - start + this.delay_ > this.timeout_) {
      throw moteError(E_FLASH, what + " failed: " + String((e as Error).message));
    }
    this.retried_++;
    if (this.delay_ > 0) {
      const until = this.clock_.now() + this.delay_;
      let spins = 0;
      while (this.clock_.now() < until && spins < 100000) spins++;
    }
  }

  /**
   * Run fn, retrying it when it throws. For operations that may simply be repeated: reads, erases,
   * and the obsolete mark (all zeros: programming it again only clears what a torn try left set).
   */
  run_<T>(what: string, fn: (this: void, a: number, b: number) => T, a?: number, b?: number): T {
    // fn(a, b) rather than a closure made for each call, and the clock read only once something
    // failed: every flash read comes through here.
    let start = 0;
    let failures = 0;
    for (;;) {
      let ok = false;
      let r: T | undefined = undefined;
      let err: unknown = undefined;
      try {
        r = fn(a as number, b as number);
        ok = true;
      } catch (e) {
        err = e;
      }
      if (ok) return r as T;
      if (failures === 0) start = this.clock_.now();
      failures++;
      this.again_(failures, start, what, err);
    }
  }
}
