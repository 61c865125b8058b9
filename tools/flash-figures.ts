// Flash-mode figures: overhead per record, write amplification, erase spread, recovery time.
// Run: npx tsx tools/flash-figures.ts   (figures, not a test: nothing here asserts)

import { MoteDB } from "../src/index";
import { hostMemory } from "../src/ports/host";
import { SimFlash } from "../src/ports/simflash";
import type { MoteOptions } from "../src/options";
import { encode } from "../src/codec";
import { markAt } from "../src/page";

let now = 1_700_000_000;
const clock = { now: () => now };
const scheduler = { every: () => 0, cancel: () => {} };

function open(flash: SimFlash, extra: MoteOptions = {}): MoteDB {
  return new MoteDB({ inMemory: false, flash, clock, scheduler, memory: hostMemory(50_000_000), ...extra });
}

/** The user's data as MoteDB stores it: key, encoded document, encoded tags. */
function userBytes(key: string, doc: unknown, tags?: string[]): number {
  return Buffer.byteLength(key) + encode(doc, Infinity).length + (tags === undefined ? 0 : encode(tags, Infinity).length);
}

function reading(i: number) {
  return { t: 20 + (i % 100) / 10, h: 40 + (i % 37), id: i };
}

const line = (name: string, value: string) => console.log(name.padEnd(44) + value);

// 1. Overhead per record (user bytes = key + encoded value + encoded tags): 2,000 sensor readings with the default flush threshold, no GC yet.
for (const g of [1, 4, 16]) {
  const flash = new SimFlash(4096, 256, g);
  const db = open(flash);
  let user = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const k = "r" + String(i).padStart(6, "0");
    db.put(k, reading(i), 3600, ["temp"]);
    user += userBytes(k, reading(i), ["temp"]);
  }
  db.flush();
  const s = db.stats().flash!;
  const written = s.programmedBytes - 256 * markAt(g); // less the page headers written at format
  line(`overhead per record, granularity ${g}`, ((written - user) / n).toFixed(1) + " bytes (header, CRC, frame share, padding) on " + (user / n).toFixed(1) + " bytes of key+value+tags");
  db.close();
}

// 2. Write amplification and erase spread: 5 hot keys overwritten 50,000 times on 16 pages of 4 KB.
{
  const flash = new SimFlash(4096, 16, 4);
  const db = open(flash);
  const before = flash.programmed;
  let user = 0;
  for (let i = 0; i < 50_000; i++) {
    const k = "hot" + (i % 5);
    const doc = reading(i);
    db.put(k, doc);
    user += userBytes(k, doc);
  }
  db.flush();
  const s = db.stats().flash!;
  line("write amplification (hot keys)", ((flash.programmed - before) / user).toFixed(2) + " bytes programmed per byte written by the user (overwrites coalesce in the buffer)");
  line("erase spread (hot keys)", `max ${s.erases.max}, mean ${s.erases.mean.toFixed(2)}, max/mean ${(s.erases.max / s.erases.mean).toFixed(3)}, GC runs ${s.gcRuns}`);
  db.close();
}

// 3. Write amplification with a large live set (half the capacity live, random overwrites).
{
  const flash = new SimFlash(4096, 32, 4);
  const db = open(flash);
  let user = 0;
  const keys = 400;
  for (let i = 0; i < keys; i++) db.put("k" + i, reading(i));
  db.flush();
  const before = flash.programmed;
  let seed = 1;
  for (let i = 0; i < 40_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const k = "k" + (seed % keys);
    const doc = reading(i);
    db.put(k, doc);
    user += userBytes(k, doc);
  }
  db.flush();
  const s = db.stats().flash!;
  line("write amplification (400 live keys, 32 pages)", ((flash.programmed - before) / user).toFixed(2) + ` bytes programmed per user byte (live ${s.liveBytes} B on 128 KB)`);
  line("erase spread (400 live keys)", `max ${s.erases.max}, mean ${s.erases.mean.toFixed(2)}, max/mean ${(s.erases.max / s.erases.mean).toFixed(3)}`);
  db.close();
}

// 4. Recovery time for 10,000 records (4 KB pages, 512 pages = 2 MB).
{
  const flash = new SimFlash(4096, 512, 4);
  const db = open(flash);
  for (let i = 0; i < 10_000; i++) db.put("r" + String(i).padStart(6, "0"), reading(i), 0, ["temp"]);
  db.close();
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const db2 = open(flash);
    runs.push(performance.now() - t0);
    if (db2.count() !== 10_000) throw new Error("recovery lost records");
    db2.close();
  }
  runs.sort((a, b) => a - b);
  line("recovery time, 10,000 records (Node host)", `median ${runs[2].toFixed(1)} ms, best ${runs[0].toFixed(1)} ms`);
}
