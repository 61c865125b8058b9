import fc from "fast-check";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decode, encode, fieldAt, same, skip } from "../src/codec";
import { readU32, u32, varint } from "../src/bytes";
import { fromUtf8, utf8 } from "../src/utf8";
import { floatBytes, readFloat } from "../src/float";
import { codeOf } from "./helpers";
import { crc32 } from "../src/crc32";

const bytesOf = (s: string) => Buffer.from(s, "latin1");
/** JSON values without -0, which the format stores as 0 (as JSON text does), nor the field name
 * __proto__, which MoteDB refuses (errors.test.ts). */
const json = fc
  .jsonValue({ maxDepth: 4, stringUnit: "grapheme" })
  .map((v) => JSON.parse(JSON.stringify(v)))
  .filter((v) => !JSON.stringify(v).includes('"__proto__"'));

/** Field names with any text: astral characters sort differently in UTF-8 and UTF-16, and the
 * format orders names by their UTF-8 bytes. (__proto__ is a name MoteDB refuses.) */
const name = fc.string({ unit: "grapheme" }).filter((k) => k !== "__proto__");

describe("value codec", () => {
  it("round-trips every JSON value", () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(decode(encode(v, Infinity))).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it("is canonical: field order does not change the bytes", () => {
    fc.assert(
      // (__proto__ is a name MoteDB refuses; see errors.test.ts)
      fc.property(fc.dictionary(name, json, { maxKeys: 8 }), (o) => {
        const reversed: Record<string, unknown> = {};
        for (const k of Object.keys(o).reverse()) reversed[k] = o[k];
        expect(encode(reversed, Infinity)).toBe(encode(o, Infinity));
      }),
    );
  });

  it("writes doubles as IEEE 754 big-endian, bit for bit", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        fc.pre(!(Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER));
        const b = Buffer.alloc(8);
        b.writeDoubleBE(x);
        const enc = encode(x, Infinity);
        expect(enc.charCodeAt(0)).toBe(5);
        expect(bytesOf(enc.substring(1)).equals(b)).toBe(true);
        expect(decode(enc)).toBe(x);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes subnormals, the extremes and safe integers exactly", () => {
    for (const x of [5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, -1.5, 2 ** 53, -(2 ** 60), 1e21]) {
      expect(decode(encode(x, Infinity))).toBe(x);
    }
    for (const n of [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -128, -Number.MAX_SAFE_INTEGER]) {
      const enc = encode(n, Infinity);
      expect(enc.charCodeAt(0)).toBe(n >= 0 ? 3 : 4);
      expect(decode(enc)).toBe(n);
    }
    expect(decode(encode(-0, Infinity))).toBe(0);
  });

  it("reads exponent 2047 as NaN or an infinity, which the codec refuses as damage", () => {
    const hex = (h: string) => Buffer.from(h, "hex").toString("latin1");
    expect(readFloat(hex("7ff0000000000000"), 0)).toBe(Infinity);
    expect(readFloat(hex("00fff0000000000000"), 1)).toBe(-Infinity);
    expect(readFloat(hex("7ff8000000000000"), 0)).toBeNaN();
    expect(bytesOf(floatBytes(-1.5)).toString("hex")).toBe("bff8000000000000");
    for (const h of ["7ff0000000000000", "fff0000000000000", "7ff8000000000001"]) {
      expect(codeOf(() => decode("\x05" + hex(h)))).toBe("E_CORRUPT");
    }
  });

  it("fails as soon as the bytes so far are over the limit, before looking further", () => {
    expect(codeOf(() => encode([[0, new Boolean(false)]], 4))).toBe("E_TOO_LARGE");
    expect(codeOf(() => encode([[0, new Boolean(false)]], 100))).toBe("E_VALUE");
    expect(codeOf(() => encode({ a: "x".repeat(10) }, 15))).toBe("E_TOO_LARGE");
    expect(encode({ a: "x".repeat(10) }, 16).length).toBe(16);
  });

  it("stores text as UTF-8, like Buffer does, lone surrogates as U+FFFD", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(bytesOf(utf8(s)).equals(Buffer.from(s, "utf8"))).toBe(true);
        expect(fromUtf8(utf8(s))).toBe(Buffer.from(s, "utf8").toString("utf8"));
      }),
      { numRuns: 1000 },
    );
  });

  it("reads malformed UTF-8 as U+FFFD instead of failing", () => {
    expect(fromUtf8("\xff\xc3")).toBe("\ufffd\ufffd");
    expect(fromUtf8("a\xe2\x82")).toBe("a\ufffd\ufffd");
    expect(fromUtf8("\xed\xa0\x80")).toBe("\ufffd\ufffd\ufffd"); // an encoded surrogate is not text
  });

  it("fixes the bytes of a reference document (the format's example)", () => {
    const doc = { t: 21.5, n: -3, s: "é", a: [true, null], o: {} };
    const hex = bytesOf(encode(doc, Infinity)).toString("hex");
    // 08 05 | 01 'a' 07 02 02 00 | 01 'n' 04 02 | 01 'o' 08 00 | 01 's' 06 02 c3a9 | 01 't' 05 4035800000000000
    expect(hex).toBe("0805" + "016107020200" + "016e0402" + "016f0800" + "01730602c3a9" + "0174054035800000000000");
  });

  it("skips over a value to the next", () => {
    const two = encode({ a: [1, 2, "x"] }, Infinity) + encode("next", Infinity);
    expect(decode(two, skip(two, 0))).toBe("next");
  });

  it("finds a field in an encoded object without decoding it, and skips values exactly", () => {
    fc.assert(
      fc.property(fc.dictionary(name, json, { maxKeys: 10 }), fc.string({ unit: "grapheme" }), (o, other) => {
        const enc = encode(o, Infinity);
        for (const k of Object.keys(o)) {
          const at = fieldAt(enc, 0, utf8(k));
          expect(at).toBeGreaterThan(0);
          expect(decode(enc, at)).toEqual(o[k]);
          expect(skip(enc, at)).toBe(at + encode(o[k], Infinity).length);
        }
        if (!(other in o)) expect(fieldAt(enc, 0, utf8(other))).toBe(-1);
        expect(skip(enc, 0)).toBe(enc.length);
        expect(fieldAt(encode([o], Infinity), 0, "a")).toBe(-2); // no object there
      }),
    );
  });

  it("compares values deeply through their bytes", () => {
    expect(same({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(same({ a: 1 }, { a: 1.5 })).toBe(false);
    expect(same(null, null)).toBe(true);
    expect(same([], {})).toBe(false);
  });

  it("has unsigned big-endian integers and LEB128 varints", () => {
    expect(readU32(u32(0xdeadbeef), 0)).toBe(0xdeadbeef);
    expect(bytesOf(varint(300)).toString("hex")).toBe("ac02");
  });
});

describe("CRC-32", () => {
  it("is the standard CRC-32", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
  });
  it("agrees with zlib on any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (a) => {
        const s = Buffer.from(a).toString("latin1");
        expect(crc32(s)).toBe(zlibCrc32(Buffer.from(a)));
      }),
    );
  });
});
