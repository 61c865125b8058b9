// Damage that is not a power cut: bits flipped in the image. Every record carries a CRC-32, so a
// flipped bit is found, counted in stats(), and never returned: a database shows, for each key,
// a value that was really written for it (an older one, when the newest is damaged) or nothing.
import { describe, expect, it } from "vitest";
import { inspectImage } from "../src/image";
import { SimFlash } from "../src/ports/simflash";
import { ManualClock } from "./helpers";
import { flashDb, rng } from "./flash-helpers";

function build(g: number): { flash: SimFlash; history: Map<string, Set<string>>; t: number } {
  const flash = new SimFlash(512, 12, g);
  const clock = new ManualClock(1000);
  const db = flashDb(flash, clock);
  const r = rng(99 + g);
  const history = new Map<string, Set<string>>();
  for (let i = 0; i < 400; i++) {
    clock.t++;
    const k = "k" + Math.floor(r() * 25);
    if (r() < 0.15) db.delete(k);
    else {
      const doc = { i, k, s: "y".repeat(Math.floor(r() * 30)) };
      db.put(k, doc);
      if (!history.has(k)) history.set(k, new Set());
      history.get(k)!.add(JSON.stringify(doc));
    }
  }
  db.close();
  return { flash, history, t: clock.t };
}

describe("bit flips", () => {
  for (const g of [1, 16]) {
    it(`granularity ${g}: flips inside records are detected and never read back`, () => {
      const { flash, history, t } = build(g);
      const records = inspectImage(flash).records.filter((x) => x.ok);
      const r = rng(7);
      let detected = 0;
      const trials = 150;
      for (let trial = 0; trial < trials; trial++) {
        const img = flash.clone();
        const flips = 1 + Math.floor(r() * 3);
        for (let f = 0; f < flips; f++) {
          const rec = records[Math.floor(r() * records.length)];
          img.flipBit(rec.at + Math.floor(r() * rec.size), Math.floor(r() * 8));
        }
        const db = flashDb(img, new ManualClock(t));
        if (db.stats().flash!.corrupt > 0) detected++;
        for (const k of db.keys()) {
          const v = db.get(k);
          if (v !== undefined) expect(history.get(k)!.has(JSON.stringify(v)), `key ${k} read ${JSON.stringify(v)}`).toBe(true);
        }
        for (const v of db.query({ s: { $exists: true } })) expect(history.get((v as { k: string }).k)!.has(JSON.stringify(v))).toBe(true);
      }
      expect(detected).toBe(trials); // a record's CRC catches every flip in it
    });

    it(`granularity ${g}: flips anywhere in the image never stop the database from opening`, () => {
      const { flash, history, t } = build(g);
      const r = rng(11);
      for (let trial = 0; trial < 150; trial++) {
        const img = flash.clone();
        for (let f = 0; f < 4; f++) img.flipBit(Math.floor(r() * img.pageSize * img.pageCount), Math.floor(r() * 8));
        const db = flashDb(img, new ManualClock(t));
        for (const k of db.keys()) {
          const v = db.get(k);
          if (v !== undefined) expect(history.get(k)!.has(JSON.stringify(v))).toBe(true);
        }
        db.put("new", { trial }); // and it still takes writes
        db.close();
        expect(flashDb(img, new ManualClock(t)).get("new")).toEqual({ trial });
      }
    });
  }

  it("a record damaged after opening is caught when it is read", () => {
    const { flash, history, t } = build(4);
    const db = flashDb(flash, new ManualClock(t), { btreeCachesize: 0 });
    const key = db.keys()[0];
    const rec = inspectImage(flash).records.filter((x) => x.key === key && x.type === "put").pop()!;
    flash.flipBit(rec.at + rec.size - 2, 0);
    expect(db.get(key)).toBeUndefined();
    expect(db.stats().flash!.corrupt).toBe(1);
    expect(db.has(key)).toBe(false);
    for (const v of db.query()) expect(history.get((v as { k: string }).k)!.has(JSON.stringify(v))).toBe(true);
  });
});
