// The write buffer: what a flush writes, and what it need not.
import { describe, expect, it } from "vitest";
import { SimFlash } from "../src/ports/simflash";
import { flashDb } from "./flash-helpers";
import { ManualClock } from "./helpers";

describe("the write buffer", () => {
  it("writes nothing for a key put and deleted again before the flush", () => {
    const flash = new SimFlash(512, 8, 4);
    const db = flashDb(flash, new ManualClock(1000));
    db.put("kept", { a: 1 });
    db.flush();
    const before = flash.programmed;
    db.put("brief", { b: 2 });
    db.delete("brief");
    db.flush();
    expect(flash.programmed).toBe(before);
    expect(db.keys()).toEqual(["kept"]);
  });

  it("purge writes its purge record only, not the buffer it cancels", () => {
    const flash = new SimFlash(512, 8, 4);
    const clock = new ManualClock(1000);
    const db = flashDb(flash, clock);
    db.put("a", { pad: "x".repeat(100) });
    db.flush();
    const before = flash.programmed;
    db.put("b", { pad: "y".repeat(100) });
    db.put("c", { pad: "z".repeat(100) });
    db.purge();
    // A purge record (a few bytes) in a frame: far less than the two buffered documents.
    expect(flash.programmed - before).toBeLessThan(64);
    db.close();
    expect(flashDb(flash, clock).count()).toBe(0);
  });

  it("counts a larger record in a batch that frees bytes (the capacity recovery computes)", () => {
    const flash = new SimFlash(1024, 12, 4);
    const clock = new ManualClock(1000);
    const db = flashDb(flash, clock);
    db.put("a", "p".repeat(400));
    db.put("b", "q".repeat(400));
    db.putBatch([["a", "r".repeat(700)], ["b", 1]]);
    const capacity = db.stats().flash!.capacity;
    db.close();
    expect(flashDb(flash, clock).stats().flash!.capacity).toBe(capacity);
  });
});
