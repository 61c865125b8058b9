// Options: names as the reference system names them, in camelCase; times in seconds.

import { failOption } from "./errors";
import { Clock, currentPlatform, Flash, Memory, Scheduler } from "./ports";

export interface MoteOptions {
  /** Keep everything in RAM (default) or persist to the flash port. */
  inMemory?: boolean;
  /** Percent of the free memory reported at open that the database may use (default 15). */
  ramPercentage?: number;
  /** Seconds between background removals of expired records (default 60). */
  ttlCheckInterval?: number;
  /** Seconds between housekeeping runs: heap compaction, flash garbage collection (default 3600). */
  cleanupInterval?: number;
  /** Flush every 10, 15 or 20 operations as the database grows (default true), else every 10. */
  adaptiveThreshold?: boolean;
  /** Bytes of a B-tree node; its fan-out is btreePagesize / 16 (default 512: 32 keys a node). */
  btreePagesize?: number;
  /** Bytes of flash-mode values cached in RAM, inside the budget (default 4096). */
  btreeCachesize?: number;
  /** Retries of a failing flash operation before E_FLASH (default 3). */
  maxRetries?: number;
  /** Seconds between those retries (default 0.1). */
  retryDelay?: number;
  /** Seconds one flash operation may spend retrying in all, whatever maxRetries says (default 5). */
  lockTimeout?: number;
  /** Largest encoded document, in bytes (default 8192). */
  maxValueSize?: number;
  /** Longest key, in UTF-8 bytes (default 64, at most 255). */
  maxKeyLength?: number;
  flash?: Flash;
  memory?: Memory;
  clock?: Clock;
  scheduler?: Scheduler;
}

export interface Settings {
  inMemory: boolean;
  ramPercentage: number;
  ttlCheckInterval: number;
  cleanupInterval: number;
  adaptiveThreshold: boolean;
  btreePagesize: number;
  btreeCachesize: number;
  maxRetries: number;
  retryDelay: number;
  lockTimeout: number;
  maxValueSize: number;
  maxKeyLength: number;
  flash: Flash | undefined;
  memory: Memory;
  clock: Clock;
  scheduler: Scheduler | undefined;
}

/**
 * Every option, in the order settle() takes them: NAMES[0] and [1] are booleans (default true),
 * [2] to [11] numbers, [12] to [15] the ports, in the order their defaults are made (flash last:
 * flash mode alone needs one).
 */
const NAMES = "inMemory adaptiveThreshold ramPercentage ttlCheckInterval cleanupInterval btreePagesize btreeCachesize maxRetries retryDelay lockTimeout maxValueSize maxKeyLength memory clock scheduler flash".split(" ");
/** Of each number, in the order of NAMES: its default, and the range it must be in. */
const NUMBERS = [
  15, 0.01, 100, // ramPercentage
  60, 0.001, 1e9, // ttlCheckInterval
  3600, 0.001, 1e9, // cleanupInterval
  512, 64, 65536, // btreePagesize
  4096, 0, 1e9, // btreeCachesize
  3, 0, 100, // maxRetries
  0.1, 0, 60, // retryDelay
  5, 0, 3600, // lockTimeout
  8192, 16, 1e7, // maxValueSize
  64, 1, 255, // maxKeyLength: 255, the longest key the flash format can hold (its length is one byte)
];
/** The method each port must have. The scheduler may be left out: the database then runs no timers. */
const NEEDS = ["free", "now", "", "read"];

/** Check the options and fill in defaults; throws E_OPTION naming the bad option. */
export function settle(options: unknown): Settings {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== "object") failOption("options: not an object");
  for (const name in o) if (NAMES.indexOf(name) < 0) failOption("unknown option " + name);
  const s: Record<string, unknown> = {};
  // A port left out is the platform's default. The last option, flash, only in flash mode.
  const p = currentPlatform() as unknown as Record<string, ((this: unknown) => unknown) | undefined>;
  // (Positions in NAMES, see there: 0-1 booleans, 2-11 numbers, 12-15 ports, flash at 15.)
  for (let i = 0; i < (s.inMemory ? 15 : 16); i++) {
    const name = NAMES[i];
    let v = o[name];
    if (i < 2) {
      v = v ?? true;
      if (typeof v !== "boolean") failOption(name + ": true or false");
    } else if (i < 12) {
      const row = 3 * i - 6; // the number's row in NUMBERS: 3 * (i - 2)
      const lo = NUMBERS[row + 1];
      const hi = NUMBERS[row + 2];
      v = v ?? NUMBERS[row];
      if (!(typeof v === "number" && v >= lo && v <= hi)) failOption(name + ": " + lo + ".." + hi);
    } else {
      const need = NEEDS[i - 12]; // the port's entry in NEEDS
      v = v ?? (p[name] && p[name]!());
      if (need !== "" && (!v || typeof (v as Record<string, unknown>)[need] !== "function")) failOption(name + ": needs " + need + "()");
    }
    s[name] = v;
  }
  return s as unknown as Settings;
}
