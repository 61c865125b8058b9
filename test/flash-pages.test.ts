// Pages larger than a frame's 64 KB limit (the 128 KB sectors of an STM32F4, say): a flush is
// split into several frames within a page, and everything reads back after a reopen.
import { describe, expect, it } from "vitest";
import { MoteDB, SimFlash } from "../src/index";
import { hostMemory } from "../src/ports/host";
import { codeOf, ManualClock } from "./helpers";

describe("large flash pages", () => {
  it("stores and recovers a flush bigger than one frame on 128 KB pages", () => {
    const flash = new SimFlash(131072, 8, 4);
    const clock = new ManualClock();
    const opts = { inMemory: false, flash, memory: hostMemory(100_000_000), clock };
    const db = new MoteDB(opts);
    const big = "x".repeat(7000);
    // 30 records of ~7 KB in one batch: ~210 KB, more than a page and than three frames.
    const items = Array.from({ length: 30 }, (_, i) => ["k" + String(i).padStart(2, "0"), { i, big }]);
    db.putBatch(items);
    db.flush();
    db.put("after", { ok: true });
    db.close();
    const again = new MoteDB(opts);
    expect(again.count()).toBe(31);
    expect(again.get("k29")).toEqual({ i: 29, big });
    expect(again.get("after")).toEqual({ ok: true });
    again.close();
  });

  it("refuses a record larger than a frame can hold, whatever the page size", () => {
    const flash = new SimFlash(131072, 8, 4);
    const db = new MoteDB({ inMemory: false, flash, memory: hostMemory(100_000_000), clock: new ManualClock(), maxValueSize: 200_000 });
    expect(codeOf(() => db.put("huge", "y".repeat(70_000)))).toBe("E_TOO_LARGE");
    expect(db.count()).toBe(0);
  });
});

describe("planning a flush", () => {
  it("predicts exactly the pages the flush then takes, frames of at most 64 KB included", async () => {
    const { FlashLog } = await import("../src/log");
    const { Retry } = await import("../src/retry");
    const fc = (await import("fast-check")).default;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 40 }), fc.nat(3), (sizes, pre) => {
        const flash = new SimFlash(131072, 32, 4);
        const log = new FlashLog(flash, new Retry({ clock: new ManualClock(), maxRetries: 0, retryDelay: 0, lockTimeout: 0 }));
        log.open(() => undefined);
        // Leave the head partly used first, so the plan starts mid-page.
        for (let i = 0; i < pre; i++) log.write_(["x".repeat(40_000)], 1, false);
        const recs = sizes.map((n) => "r".repeat(n));
        const planned = log.write_(recs, 1, false, true).length; // the pages a plan of the flush takes
        const pagesBefore = log.data_.length;
        log.write_(recs, 1, false);
        expect(log.data_.length - pagesBefore).toBe(planned);
      }),
      { numRuns: 50 },
    );
  });
});

describe("an image describes itself", () => {
  it("takes its geometry from the first page header whose CRC holds, passing over a damaged one", async () => {
    const { imageGeometry, encodePageHeader } = await import("../src/page");
    const page = (seq: number) => encodePageHeader(seq, 0, 256, 4, 4).padEnd(256, "\xff");
    const image = page(1) + page(2) + page(3) + page(4);
    const read = (s: string) => (at: number, len: number) => s.substring(at, at + len);
    expect(imageGeometry(read(image), image.length)).toMatchObject({ pageSize: 256, pageCount: 4, granularity: 4, version: 1, at: 0 });
    // Flip one bit of the first header's page size: its CRC fails, and the second page tells the truth.
    const torn = image.substring(0, 9) + String.fromCharCode(image.charCodeAt(9) ^ 4) + image.substring(10);
    expect(imageGeometry(read(torn), torn.length)).toMatchObject({ pageSize: 256, pageCount: 4, at: 256 });
    expect(imageGeometry(read("\xff".repeat(1024)), 1024)).toBeUndefined();
  });
});
