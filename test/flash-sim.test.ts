// SimFlash plays NOR flash faithfully: these are the rules the store is proven against.
import { describe, expect, it } from "vitest";
import { errorCode } from "../src/errors";
import { SimFlash } from "../src/ports/simflash";
import { codeOf } from "./helpers";

describe("SimFlash", () => {
  it("starts erased, programs by clearing bits only, and erases whole pages", () => {
    const f = new SimFlash(128, 4, 4);
    expect(f.read(0, 4)).toBe("\xff\xff\xff\xff");
    f.program(4, "\x0f\xf0\x00\xff");
    expect(f.read(4, 4)).toBe("\x0f\xf0\x00\xff");
    f.program(4, "\x0f\x00\x00\xff"); // clears more bits: allowed
    expect(f.read(4, 4)).toBe("\x0f\x00\x00\xff");
    expect(codeOf(() => f.program(4, "\x1f\x00\x00\xff"))).toBe("E_FLASH"); // a 0 back to 1
    expect(f.read(4, 4)).toBe("\x0f\x00\x00\xff");
    f.erase(0);
    expect(f.read(0, 128)).toBe("\xff".repeat(128));
    expect(f.programs[0]).toBe(2);
    expect(f.erases[0]).toBe(1);
  });

  it("refuses programs not aligned to the granularity or crossing a page", () => {
    for (const g of [4, 8, 16]) {
      const f = new SimFlash(256, 2, g);
      expect(codeOf(() => f.program(g / 2, "\0".repeat(g)))).toBe("E_FLASH");
      expect(codeOf(() => f.program(0, "\0".repeat(g + 1)))).toBe("E_FLASH");
      expect(codeOf(() => f.program(256 - g, "\0".repeat(2 * g)))).toBe("E_FLASH");
      f.program(g, "\0".repeat(g));
    }
    expect(codeOf(() => new SimFlash(256, 2, 3))).toBe("E_FLASH");
  });

  it("tears the operation that loses power and refuses everything after it", () => {
    const f = new SimFlash(128, 2, 1);
    f.powerCut(1, 0.5);
    f.program(0, "\x00\x00");
    expect(codeOf(() => f.program(8, "\x00".repeat(8)))).toBe("E_POWER");
    expect(f.read.bind(f, 0, 1)).toThrow();
    f.revive();
    // Half the bytes written, the next one half-programmed (upper nibble), the rest untouched.
    expect(f.read(8, 8)).toBe("\x00\x00\x00\x00\x0f\xff\xff\xff");
    f.powerCut(0, 0.25);
    expect(codeOf(() => f.erase(0))).toBe("E_POWER");
    f.revive();
    expect(f.read(0, 64)).toBe("\xff".repeat(64)); // the first half erased (tear 0.25 of a prefix)
  });

  it("a torn erase from 0.5 up erases a suffix and leaves the start", () => {
    const f = new SimFlash(128, 1, 1);
    f.program(0, "\x00".repeat(128));
    f.powerCut(0, 0.75);
    expect(codeOf(() => f.erase(0))).toBe("E_POWER");
    f.revive();
    expect(f.read(0, 64)).toBe("\x00".repeat(64));
    expect(f.read(64, 64)).toBe("\xff".repeat(64));
  });

  it("injects faults that change nothing", () => {
    const f = new SimFlash(128, 1, 1);
    f.failNext(2);
    expect(codeOf(() => f.program(0, "\x00"))).toBe("E_FAULT");
    expect(codeOf(() => f.erase(0))).toBe("E_FAULT");
    expect(f.read(0, 1)).toBe("\xff");
    f.program(0, "\x00");
    expect(f.read(0, 1)).toBe("\x00");
  });

  it("replays its journal to any point, torn or whole", () => {
    const f = new SimFlash(128, 2, 4);
    const j = f.record();
    f.program(0, "abcd");
    f.erase(1);
    f.program(128, "\x01\x02\x03\x04");
    f.program(4, "efgh");
    expect(SimFlash.replay(128, 2, 4, j, j.length).image()).toBe(f.image());
    const two = SimFlash.replay(128, 2, 4, j, 2);
    expect(two.read(0, 8)).toBe("abcd\xff\xff\xff\xff");
    const torn = SimFlash.replay(128, 2, 4, j, 3, 0.5);
    expect(torn.read(4, 4)).toBe("ef" + torn.read(6, 2));
    expect(torn.read(6, 2)).not.toBe("gh");
    let code: string | undefined;
    try {
      new SimFlash(128, 1, 4).read(1000, 1);
    } catch (e) {
      code = errorCode(e);
    }
    expect(code).toBe("E_FLASH");
  });
});
