// The Espruino build bundles src/ports/espruino-native.ts in place of the core's crc32, float and
// utf8 modules (tools/build-espruino.ts, NATIVE). Its floats come from DataView, which Node has as
// Espruino does: they must be the core's bytes exactly, or an image written on a board would not
// read elsewhere. E.CRC32 is zlib's CRC-32 here (Espruino's is the same standard CRC, 0xCBF43926 for
// "123456789", as npm run test:device shows on the interpreter).
import fc from "fast-check";
import { crc32 as zlibCrc32 } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { crc32 } from "../src/crc32";
import { floatBytes, readFloat } from "../src/float";
import * as native from "../src/ports/espruino-native";

beforeAll(() => {
  (globalThis as Record<string, unknown>).E = {
    CRC32: (s: string) => zlibCrc32(Buffer.from(s, "latin1")),
    toString: (b: ArrayBuffer) => Buffer.from(b).toString("latin1"),
    toArrayBuffer: (s: string) => {
      const b = Buffer.from(s, "latin1");
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
    },
  };
});

const bytes = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 });

describe("the Espruino build's native modules give the core's bytes", () => {
  it("floats: DataView's big-endian binary64 is the core's arithmetic encoding, both ways", () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => x !== 0 && Math.floor(x) !== x);
    fc.assert(
      fc.property(finite, (x) => {
        const b = floatBytes(x);
        expect(native.floatBytes(x)).toBe(b);
        expect(native.readFloat("ab" + b + "cd", 2)).toBe(readFloat(b, 0));
        expect(native.readFloat(b, 0)).toBe(x);
      }),
    );
    for (const x of [0.1, -2.2250738585072014e-308, 5e-324, 1.7976931348623157e308, 123456.789]) expect(native.floatBytes(x)).toBe(floatBytes(x));
  });
  it("CRC-32 of any bytes", () => {
    expect(native.crc32("123456789")).toBe(0xcbf43926);
    fc.assert(
      fc.property(bytes, (s) => {
        expect(native.crc32(s)).toBe(crc32(s));
      }),
    );
  });
});
