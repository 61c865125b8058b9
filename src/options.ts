// Options: names as the reference system names them, in camelCase; times in seconds.

import { E_OPTION, moteError } from "./errors";
import { KEY_LIMIT } from "./keys";
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

/** Every option but the ports: its name, its default, and for a number the range it must be in. */
const OPTIONS: [string, number | boolean, number, number][] = [
  ["inMemory", true, 0, 0],
  ["adaptiveThreshold", true, 0, 0],
  ["ramPercentage", 15, 0.01, 100],
  ["ttlCheckInterval", 60, 0.001, 1e9],
  ["cleanupInterval", 3600, 0.001, 1e9],
  ["btreePagesize", 512, 64, 65536],
  ["btreeCachesize", 4096, 0, 1e9],
  ["maxRetries", 3, 0, 100],
  ["retryDelay", 0.1, 0, 60],
  ["lockTimeout", 5, 0, 3600],
  ["maxValueSize", 8192, 16, 1e7],
  ["maxKeyLength", 64, 1, KEY_LIMIT],
];
/** The ports, in the order their defaults are made: flash last, as flash mode alone needs one. */
const PORTS = ["memory", "clock", "scheduler", "flash"];

function bad(msg: string): never {
  throw moteError(E_OPTION, msg);
}

function has(o: Record<string, unknown>, k: string): boolean {
  return o[k] !== undefined && o[k] !== null;
}

/** Check the options and fill in defaults; throws E_OPTION naming the bad option. */
export function settle(options: unknown): Settings {
  const o = (options === undefined || options === null ? {} : options) as Record<string, unknown>;
  if (typeof o !== "object") bad("options are an object");
  const known: string[] = PORTS.slice();
  const s: Record<string, unknown> = {};
  for (let i = 0; i < OPTIONS.length; i++) {
    const row = OPTIONS[i];
    const name = row[0];
    known.push(name);
    const v = has(o, name) ? o[name] : row[1];
    if (typeof v !== typeof row[1] || (typeof v === "number" && !(v >= row[2] && v <= row[3]))) {
      bad(name + ": " + (typeof v === "number" ? row[2] + ".." + row[3] : "true or false"));
    }
    s[name] = v;
  }
  const names = Object.keys(o);
  for (let i = 0; i < names.length; i++) {
    if (known.indexOf(names[i]) < 0) bad("unknown option " + names[i]);
  }
  // A port left out is the platform's default (a flash port only in flash mode).
  const p = currentPlatform() as unknown as Record<string, ((this: unknown) => unknown) | undefined>;
  for (let i = 0; i < PORTS.length; i++) {
    const name = PORTS[i];
    const make = p[name];
    s[name] = has(o, name) ? o[name] : make !== undefined && (name !== "flash" || !s.inMemory) ? p[name]!() : undefined;
  }
  if (s.memory === undefined || typeof (s.memory as Memory).free !== "function") bad("memory port needs free()");
  if (s.clock === undefined || typeof (s.clock as Clock).now !== "function") bad("clock port needs now()");
  if (!s.inMemory && s.flash === undefined) bad("flash mode needs a flash port");
  return s as unknown as Settings;
}
