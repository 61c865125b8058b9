// Options: names as the reference system names them, in camelCase; times in seconds.

import { E_OPTION, moteError } from "./errors";
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

/** Every option but the ports: its default, and for a number the range it must be in. */
const OPTIONS: Record<string, (number | boolean)[]> = {
  inMemory: [true],
  adaptiveThreshold: [true],
  ramPercentage: [15, 0.01, 100],
  ttlCheckInterval: [60, 0.001, 1e9],
  cleanupInterval: [3600, 0.001, 1e9],
  btreePagesize: [512, 64, 65536],
  btreeCachesize: [4096, 0, 1e9],
  maxRetries: [3, 0, 100],
  retryDelay: [0.1, 0, 60],
  lockTimeout: [5, 0, 3600],
  maxValueSize: [8192, 16, 1e7],
  // 255: the longest key the flash format can hold (its length is one byte).
  maxKeyLength: [64, 1, 255],
};
/**
 * The ports, in the order their defaults are made (flash last: flash mode alone needs one), and the
 * method each must have. The scheduler may be left out: the database then runs no timers.
 */
const PORTS = ["memory", "clock", "scheduler", "flash"];
const NEEDS = ["free", "now", "", "read"];

function bad(msg: string): never {
  throw moteError(E_OPTION, msg);
}

/** Check the options and fill in defaults; throws E_OPTION naming the bad option. */
export function settle(options: unknown): Settings {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== "object") bad("options: not an object");
  for (const name in o) {
    // Only a row of the table is an array: never what an object inherits (constructor, __proto__).
    if (!Array.isArray(OPTIONS[name]) && PORTS.indexOf(name) < 0) bad("unknown option " + name);
  }
  const s: Record<string, unknown> = {};
  for (const name in OPTIONS) {
    const row = OPTIONS[name];
    const v = o[name] ?? row[0];
    const num = typeof v === "number";
    if (typeof v !== typeof row[0] || (num && !(v >= (row[1] as number) && v <= (row[2] as number)))) bad(name + ": " + (num ? row[1] + ".." + row[2] : "true or false"));
    s[name] = v;
  }
  // A port left out is the platform's default (a flash port only in flash mode).
  const p = currentPlatform() as unknown as Record<string, ((this: unknown) => unknown) | undefined>;
  for (let i = 0; i < (s.inMemory ? 3 : 4); i++) {
    const name = PORTS[i];
    const port = o[name] ?? (p[name] && p[name]!());
    if (NEEDS[i] !== "" && typeof ((port || {}) as Record<string, unknown>)[NEEDS[i]] !== "function") bad(name + ": missing, or no " + NEEDS[i] + "()");
    s[name] = port;
  }
  return s as unknown as Settings;
}
