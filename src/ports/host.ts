// The Node (host simulator) adapter: memory from a board profile, the wall clock, Node's timers.

import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { E_OPTION, fail } from "../errors";
import { Clock, Memory, Platform, Scheduler } from "../ports";

/** A board profile from boards/: the facts the simulator plays. */
export interface Board {
  id: string;
  name: string;
  runtime: string;
  freeBytes: number;
  ramPercentage: number;
  /** Bytes of the board's RAM a byte of the budget's count costs (Memory.scale), measured per runtime. */
  scale?: number;
  flash: { pageSize: number; pageCount: number; granularity: number; region?: string };
  [fact: string]: unknown;
}

/** The board the host simulator plays when none is named. */
export const DEFAULT_BOARD = "puck-js";

function boardsDir(): string {
  // src/ports/host.ts and dist/node/index.js both sit two levels below the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, "boards");
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      dir = dirname(dir);
    }
  }
  fail(E_OPTION, "cannot find the boards/ folder of the motedb package");
}

export function boardIds(): string[] {
  return readdirSync(boardsDir())
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadBoard(id: string): Board {
  if (!/^[a-z0-9-]+$/.test(id) || boardIds().indexOf(id) < 0) {
    fail(E_OPTION, "unknown board '" + id + "': known are " + boardIds().join(", "));
  }
  return JSON.parse(readFileSync(join(boardsDir(), id + ".json"), "utf8")) as Board;
}

/**
 * A memory port that reports a board's free RAM at boot and its scale, so that the simulator refuses
 * a write where the board would; or a given number of bytes (scale 1).
 */
export function hostMemory(board?: string | number): Memory {
  if (typeof board === "number") return { free: () => board };
  const b = loadBoard(board === undefined ? DEFAULT_BOARD : board);
  return { free: () => b.freeBytes, scale: b.scale };
}

export function hostClock(): Clock {
  return { now: () => Date.now() / 1000 };
}

/** Node timers that do not keep the process alive on their own. */
export function hostScheduler(): Scheduler {
  return {
    every(seconds: number, fn: () => void): unknown {
      const t = setInterval(fn, seconds * 1000);
      t.unref();
      return t;
    },
    cancel(handle: unknown): void {
      clearInterval(handle as ReturnType<typeof setInterval>);
    },
  };
}

export const hostPlatform: Platform = {
  memory: () => hostMemory(),
  clock: hostClock,
  scheduler: hostScheduler,
};
