// The proof that flash mode survives a power cut at any instant. A mixed workload runs once on a
// SimFlash that records its journal; then, for every single program and erase in it, the image
// is rebuilt as a cut at that operation would leave it (the operation torn part way), a database
// opens on it, and it must hold exactly the state of the last flush that completed: every batch
// whole or absent, nothing else changed. The recovery that follows a cut is itself cut at each of
// its own operations, and the database opened after that must hold the same state.
import { describe, expect, it } from "vitest";
import { errorCode } from "../src/errors";
import { SimFlash } from "../src/ports/simflash";
import { ManualClock } from "./helpers";
import { contents, expected, flashDb, Model, rng } from "./flash-helpers";

const PAGE = 512;
const PAGES = 16;
const OPS = 800;
const TAGS = ["hot", "cold"];

interface Run {
  journal: import("../src/ports/simflash").FlashOp[];
  /** After each flush that reached flash: the journal length then, and the model. */
  flushes: { ops: number; model: Model }[];
  tEnd: number;
  gcRuns: number;
  /** Writes refused with E_FULL (the model skips them: nothing of them may appear). */
  full: number;
}

function workload(g: number, seed: number): Run {
  const flash = new SimFlash(PAGE, PAGES, g);
  const journal = flash.record();
  const clock = new ManualClock(1000);
  const db = flashDb(flash, clock);
  const r = rng(seed);
  const model: Model = new Map();
  const flushes: Run["flushes"] = [];
  let written = -1;
  let full = 0;
  let lastPut = "";
  db.on("write", () => {
    written = journal.length;
  });
  const pick = (n: number) => Math.floor(r() * n);
  // A flush reached flash during this operation: remember what it made durable. That is the model
  // after the operation, unless the operation's own change is still buffered: a write short of
  // room flushes what came before it, then buffers its change.
  let before: Model = new Map();
  const note = () => {
    if (written >= 0) flushes.push({ ops: written, model: new Map(db.stats().flash!.bufferedChanges === 0 ? model : before) });
    written = -1;
  };
  const pool = (i: number) => "k" + String(i).padStart(2, "0");
  const doc = (i: number) => ({ i, s: "x".repeat(pick(70)), t: clock.t });
  const ttl = () => (r() < 0.3 ? 5 + pick(400) : 0);
  const tags = () => (r() < 0.3 ? [r() < 0.5 ? "hot" : "cold"] : undefined);
  for (let i = 0; i < OPS; i++) {
    clock.t += 1;
    before = new Map(model);
    const roll = r();
    const now = clock.t;
    try {
      if (roll < 0.4) {
        const k = pool(pick(20));
        const d = doc(i);
        const t = ttl();
        const g2 = tags();
        db.put(k, d, t, g2);
        model.set(k, { doc: d, x: t > 0 ? Math.ceil(now + t) : 0, tags: g2 });
        lastPut = k;
      } else if (roll < 0.5) {
        const d = doc(i);
        const t = 5 + pick(100);
        const k = db.put(d, t);
        model.set(k, { doc: d, x: now + t });
      } else if (roll < 0.65) {
        // Often the key put last: a put and its tombstone in the same page is what a half-erased
        // page would bring back to life, were it read.
        const keys = [...model.keys()];
        const recent = r() < 0.5 && lastPut !== "";
        const k = recent ? lastPut : r() < 0.8 && keys.length > 0 ? keys[pick(keys.length)] : pool(pick(20));
        if (recent) {
          db.flush();
          note();
        }
        db.delete(k);
        model.delete(k);
      } else if (roll < 0.8) {
        const n = 2 + pick(4);
        const items: [string, unknown][] = [];
        for (let j = 0; j < n; j++) items.push([pool(pick(20)), doc(i)]);
        const ttls = items.map(() => ttl());
        db.putBatch(items, ttls);
        items.forEach(([k, d], j) => model.set(k, { doc: d, x: ttls[j] > 0 ? Math.ceil(now + ttls[j]) : 0 }));
      } else if (roll < 0.9) {
        const keys = [...model.keys()];
        const ks = [0, 1, 2].map(() => (keys.length > 0 ? keys[pick(keys.length)] : pool(pick(20))));
        db.deleteBatch(ks);
        for (const k of ks) model.delete(k);
      } else if (roll < 0.98) {
        db.flush();
      } else {
        db.flush();
        note(); // the flush and the purge are two flushes
        db.purge();
        model.clear();
      }
    } catch (e) {
      if (errorCode(e) !== "E_FULL") throw e;
      full++;
    }
    // Expired entries the database dropped are dropped from the model as well (same rule: x <= now).
    for (const [k, e] of model) if (e.x > 0 && e.x <= now) model.delete(k);
    note();
  }
  db.flush();
  if (written >= 0) flushes.push({ ops: written, model: new Map(model) });
  const gcRuns = db.stats().flash!.gcRuns;
  db.close();
  return { journal, flushes, tEnd: clock.t, gcRuns, full };
}

function opens(flash: SimFlash, t: number): { view: ReturnType<typeof contents>; ops: number } {
  const db = flashDb(flash, new ManualClock(t));
  const ops = flash.ops;
  const view = contents(db, TAGS);
  return { view, ops };
}

function checkCut(run: Run, g: number, n: number, tear: number, base: SimFlash, deep: boolean): number {
  // The states a cut at operation n may leave: the last flush whose last operation completed, or,
  // when operation n is the last of the next flush, that one too (a tear may spare every byte that matters).
  let i = -1;
  while (i + 1 < run.flushes.length && run.flushes[i + 1].ops <= n) i++;
  const allowed = [i >= 0 ? run.flushes[i].model : new Map()];
  if (i + 1 < run.flushes.length && run.flushes[i + 1].ops === n + 1) allowed.push(run.flushes[i + 1].model);
  const wants = allowed.map((m) => expected(m, run.tEnd, TAGS));

  const cut = base.clone();
  cut.apply(run.journal[n], tear);
  const before = cut.ops;
  const probe = cut.clone();
  const got = opens(probe, run.tEnd);
  const match = wants.findIndex((w) => JSON.stringify(w) === JSON.stringify(got.view));
  if (match < 0) {
    expect(got.view, `cut at op ${n}/${run.journal.length} (granularity ${g}, tear ${tear.toFixed(2)})`).toEqual(wants[0]);
  }
  const recoveryOps = got.ops - before;
  // Cut the recovery at each of its own operations; the next open must show the same state.
  for (let m = 0; m < recoveryOps; m++) {
    const again = cut.clone();
    again.powerCut(m, (m * 0.37 + tear) % 1);
    let threw: unknown;
    try {
      flashDb(again, new ManualClock(run.tEnd));
    } catch (e) {
      threw = e;
    }
    expect(errorCode(threw)).toBe("E_POWER");
    again.revive();
    expect(opens(again, run.tEnd).view, `cut at op ${n}, then at recovery op ${m}`).toEqual(wants[match]);
  }
  if (deep) {
    // The recovered database takes writes and keeps them.
    const db = flashDb(cut, new ManualClock(run.tEnd));
    db.put("after-cut", { n });
    db.close();
    const db2 = flashDb(cut, new ManualClock(run.tEnd));
    expect(db2.get("after-cut")).toEqual({ n });
    db2.close();
  }
  return recoveryOps;
}

describe("power loss at every flash operation", () => {
  for (const g of [1, 4, 8, 16]) {
    it(`granularity ${g}: every cut recovers the last complete flush`, () => {
      const run = workload(g, 1234 + g);
      expect(run.gcRuns).toBeGreaterThan(2 * PAGES); // every page collected twice over, at least
      expect(run.flushes.length).toBeGreaterThan(40);
      const base = new SimFlash(PAGE, PAGES, g);
      let recoveryCuts = 0;
      for (let n = 0; n < run.journal.length; n++) {
        const tear = (n * 0.6180339887) % 1;
        recoveryCuts += checkCut(run, g, n, tear, base, n % 25 === 0);
        base.apply(run.journal[n]);
      }
      expect(run.journal.length).toBeGreaterThan(300);
      expect(recoveryCuts).toBeGreaterThan(0);
      console.log(`granularity ${g}: ${run.journal.length} cuts, ${recoveryCuts} recovery cuts, ${run.flushes.length} flushes, ${run.gcRuns} GC runs, ${run.full} E_FULL`);
    });
  }
});
