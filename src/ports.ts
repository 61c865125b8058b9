// The ports: the only ways the core reaches the world. Each platform (Node, Espruino, NodeMCU)
// implements them in one adapter file and registers its defaults with usePlatform().
// Times are seconds everywhere; bytes are byte strings (see bytes.ts).

/**
 * A region of NOR flash, in the spirit of littlefs's block device. Addresses run from 0 to
 * pageSize * pageCount. An erase sets a whole page to 0xFF; a program may only clear bits, at an
 * address and of a length that are multiples of `granularity` (1, 4, 8 or 16 bytes).
 */
export interface Flash {
  pageSize: number;
  pageCount: number;
  granularity: number;
  read(addr: number, len: number): string;
  program(addr: number, data: string): void;
  erase(page: number): void;
  /** Make programmed data durable, where the medium buffers (a file); optional. */
  sync?(): void;
}

/** Free RAM, in bytes, as the platform reports it. Read once, when a database opens. */
export interface Memory {
  free(): number;
  /**
   * Bytes of this platform's RAM that one byte of MoteDB's own accounting costs (default 1).
   * MoteDB counts a record as its bytes plus fixed overheads; an interpreter spends more on the
   * objects that hold them (Espruino's variables, Lua's tables). Measured per platform, so that
   * the budget bounds the RAM really used: the budget is free() * ramPercentage / 100 / scale.
   */
  scale?: number;
}

/** Wall-clock time in seconds (fractional where the platform has it). */
export interface Clock {
  now(): number;
}

/** Repeating timers: every(seconds, fn) returns a handle for cancel(). */
export interface Scheduler {
  every(seconds: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

/** A database as a platform sees it: it may flush it, and hears when it closes. */
export interface OpenDatabase {
  flush(): void;
  on(event: string, fn: () => void): void;
}

/** What a platform provides when the options leave a port out. */
export interface Platform {
  memory?: () => Memory;
  clock?: () => Clock;
  scheduler?: () => Scheduler;
  flash?: () => Flash;
  /** Told of every database that opens (Espruino keeps them to flush when the program stops). */
  opened?: (this: void, db: OpenDatabase) => void;
}

let platform: Platform = {};

/** Register the platform's default ports (its entry file calls this once). */
export function usePlatform(p: Platform): void {
  platform = p;
}

export function currentPlatform(): Platform {
  return platform;
}
