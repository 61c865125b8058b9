// The main job: a sensor cache on the host simulator, playing a board (default: Puck.js).
// Readings arrive every 10 simulated seconds with a TTL and tags; the demo queries them, lets
// time run so that old readings expire, and prints what the database holds and uses. It runs
// twice: in RAM (the default mode), then in flash mode on the board's flash geometry, where the
// values live on flash and survive a reset.
// Usage: npm run demo [-- --board ID]

import { fileURLToPath } from "node:url";
import { MoteDB, SimFlash } from "../src/index";
import { DEFAULT_BOARD, hostMemory, loadBoard } from "../src/ports/host";
import type { Board } from "../src/ports/host";
import type { Clock, Flash, Scheduler } from "../src/ports";

/** The demo gives its cache half the free RAM (a board's default is 15 %), as an app whose main job is caching would. */
const DEMO_RAM_PERCENTAGE = 50;

export function runDemo(boardId: string = DEFAULT_BOARD, print: (line: string) => void = console.log): void {
  const board = loadBoard(boardId);
  print(`MoteDB demo on the host simulator, playing ${board.name}`);
  print("");
  print("1. In RAM (inMemory: true, the default)");
  cacheReadings(board, undefined, print);
  const f = board.flash;
  const flash = new SimFlash(f.pageSize, f.pageCount, f.granularity);
  print("");
  print(`2. On flash (inMemory: false): ${f.pageCount} pages of ${f.pageSize} B, programmed ${f.granularity} B at a time`);
  cacheReadings(board, flash, print);
}

function cacheReadings(board: Board, flash: Flash | undefined, print: (line: string) => void): void {
  // Simulated time: the demo runs in an instant but covers twenty minutes of readings.
  const clock: Clock & { t: number } = { t: 1_763_700_000, now: () => clock.t };
  const timers: { every: number; due: number; fn: () => void; id: number }[] = [];
  const scheduler: Scheduler = {
    every: (seconds, fn) => {
      const id = timers.length + 1;
      timers.push({ every: seconds, due: clock.t + seconds, fn, id });
      return id;
    },
    cancel: (h) => {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = (seconds: number) => {
    const end = clock.t + seconds;
    for (;;) {
      const next = timers.reduce((m, t) => Math.min(m, t.due), Infinity);
      if (next > end) break;
      clock.t = next;
      for (const t of timers.filter((x) => x.due === next)) {
        t.due += t.every;
        t.fn();
      }
    }
    clock.t = end;
  };

  const options = {
    inMemory: flash === undefined,
    flash,
    memory: hostMemory(board.id),
    ramPercentage: DEMO_RAM_PERCENTAGE,
    clock,
    scheduler,
    ttlCheckInterval: 60,
  };
  let db = new MoteDB(options);
  let expired = 0;
  db.on("expire", () => expired++);
  const budget = db.stats().budgetBytes;
  const scale = board.scale === undefined ? 1 : board.scale;
  print(`  budget: free RAM ${board.freeBytes} B x ${DEMO_RAM_PERCENTAGE}% / ${scale} (RAM this board spends per byte MoteDB counts) = ${budget} B`);

  // Twenty minutes of readings from three rooms, one every 10 s; temperatures live 5 minutes,
  // alarms an hour. Past the budget the cache refuses with E_BUDGET and the demo counts it.
  const rooms = ["kitchen", "hall", "attic"];
  let stored = 0;
  let refused = 0;
  for (let i = 0; i < 120; i++) {
    const room = rooms[i % 3];
    const temp = Math.round((19 + 4 * Math.sin(i / 9) + (room === "attic" ? 6 : 0)) * 10) / 10;
    try {
      db.put({ room, temp, at: clock.t }, 300, ["temp", room]);
      if (temp > 27) db.put({ room, temp, at: clock.t, level: "high" }, 3600, ["alarm", room]);
      stored++;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== "E_BUDGET" && code !== "E_FULL") throw e;
      refused++;
    }
    advance(10);
  }
  print(`  stored ${stored} readings over 20 simulated minutes (${refused} refused: budget or flash full)`);
  print(`  background TTL checks expired ${expired} readings older than 5 minutes`);

  const show = (label: string, q: unknown) => print(`    ${label.padEnd(34)} ${JSON.stringify(db.count(q))}`);
  print("  queries:");
  show("readings in the attic", { tags: "attic", temp: { $exists: true }, level: { $exists: false } });
  show("readings above 22 C", { temp: { $gt: 22 }, level: { $exists: false } });
  show("alarms", { tags: "alarm" });
  show("kitchen or hall, 18-21 C", { room: { $in: ["kitchen", "hall"] }, temp: { $gte: 18, $lte: 21 } });
  const last = db.query({ tags: "temp", $skip: Math.max(0, db.count({ tags: "temp" }) - 3) });
  print("    latest readings");
  for (const d of last) print("      " + JSON.stringify(d));

  if (flash !== undefined) {
    // A reset: the board loses its RAM, not its flash. Reopen from the same flash.
    // What was flushed survives; the old instance and its timers are simply gone, as on a board.
    const before = db.count();
    db.flush();
    timers.splice(0, timers.length);
    db = new MoteDB(options);
    db.on("expire", () => expired++);
    print(`  after a reset: reopened from flash with ${db.count()} of ${before} records`);
  }

  advance(3600);
  print(`  an hour later: ${db.count()} records left, ${expired} expired in all`);
  const s = db.stats();
  print("  stats: " + JSON.stringify({ records: s.records, expired: s.expired, flushes: s.flushes, budgetBytes: s.budgetBytes, usedBytes: s.usedBytes }));
  print("  ops: " + JSON.stringify(s.ops));
  if (s.flash !== undefined) {
    const fl = s.flash;
    print("  flash: " + JSON.stringify({ pages: fl.pages, freePages: fl.freePages, erases: fl.erases, liveBytes: fl.liveBytes, gcRuns: fl.gcRuns, programmedBytes: fl.programmedBytes }));
  }
  db.close();
}

if (fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--board");
  runDemo(i > 0 ? process.argv[i + 1] : DEFAULT_BOARD);
}
