// The Espruino modules as they ship: built with esbuild, checked with the dialect checker for what
// Espruino cannot run, and loaded the way Espruino loads a module (a function given `exports`).
// The real interpreter runs them in `npm run test:device`; CI has none, so this is the gate here.
import * as acorn from "acorn";
import { runInNewContext } from "node:vm";
import { crc32 as zlibCrc32 } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleMoteDB, checkBundle, toModule } from "../tools/build-espruino";
import { checkJs } from "../tools/dialect";
import { SimFlash } from "../src/ports/simflash";
import * as core from "../src/index";
import { sameBytesOn } from "../tools/conformance";

const code: Record<string, string> = {};
beforeAll(async () => {
  code.full = await bundleMoteDB("full");
  code.kv = await bundleMoteDB("kv");
});

/** Evaluate a module as Espruino does: its source in a scope holding `exports`, with Espruino's globals. */
function load(src: string): Record<string, any> {
  const exports: Record<string, any> = {};
  const espruino: Record<string, unknown> = {
    getTime: () => 1000,
    setInterval: () => 1,
    clearInterval: () => {},
    process: { memory: () => ({ free: 2000, blocksize: 13 }) },
    // A build with Unicode strings, whose strings are JavaScript's here: UTF-8 strings are text.
    E: {
      on: () => {},
      isUTF8: (s: string) => /[^\x00-\xff]/.test(s),
      asUTF8: (s: string) => Buffer.from(s, "latin1").toString("utf8"),
      fromUTF8: (s: string) => Buffer.from(s, "utf8").toString("latin1"),
      toString: (x: unknown) => (x instanceof ArrayBuffer ? Buffer.from(x).toString("latin1") : String(x)),
      toArrayBuffer: (s: string) => new Uint8Array(Buffer.from(s, "latin1")).buffer,
      CRC32: (s: string) => zlibCrc32(Buffer.from(s, "latin1")),
    },
  };
  // In this realm (not a vm context), so that documents made here are plain objects there too.
  new Function("exports", ...Object.keys(espruino), src)(exports, ...Object.values(espruino));
  return exports;
}

describe("the Espruino bundles", () => {
  for (const kind of ["full", "kv"]) {
    it(kind + " build runs on Espruino (dialect check of the minified bundle)", () => {
      expect(checkBundle(code[kind], kind + ".min.js")).toBe("");
    });
    it(kind + " build is one function call: nothing at the module's top level", () => {
      const ast = acorn.parse(code[kind], { ecmaVersion: "latest" });
      expect(ast.body.length).toBe(1);
      expect(ast.body[0].type).toBe("ExpressionStatement");
      expect(code[kind]).not.toMatch(/\bexport\s*\{|module\.exports|__export|__toCommonJS|Object\.defineProperty/);
    });
    it(kind + " build loads as a module and stores documents", () => {
      const m = load(code[kind]);
      const db = new m.MoteDB();
      db.put("k", { t: 21.5, s: "\u20ac" }, 60, ["a"]);
      expect(db.get("k")).toEqual({ t: 21.5, s: "\u20ac" });
      expect(db.delete("k")).toBe(true);
      // 15% of 2000 free variables of 13 bytes, at 0.21 variables a counted byte (Memory.scale)
      expect(db.stats().budgetBytes).toBe(Math.floor((2000 * 13 * 15) / 100 / (0.21 * 13)));
      db.close();
      expect(typeof m.storageFlash).toBe("function");
      expect(typeof m.errorCode).toBe("function");
    });
  }
  it("each build is within the issue's budget: 20 KB of minified code, which is RAM on a board", () => {
    for (const kind of ["full", "kv"]) expect(code[kind].length).toBeLessThanOrEqual(20 * 1024);
  });
  it("both builds write the core's bytes to flash (native CRC, floats and UTF-8 in their place)", () => {
    const want = sameBytesOn(core);
    expect(want.length).toBe(64);
    for (const kind of ["full", "kv"]) expect(sameBytesOn(load(code[kind]))).toEqual(want);
  });
  it("kv build refuses queries with E_NO_QUERY and still lists everything", () => {
    const m = load(code.kv);
    const db = new m.MoteDB();
    db.put("a", { n: 1 });
    db.put("b", { n: 2 });
    let caught: unknown;
    try {
      db.query({ n: 1 });
    } catch (e) {
      caught = e;
    }
    expect(m.errorCode(caught)).toBe("E_NO_QUERY");
    expect(db.keys()).toEqual(["a", "b"]);
    expect(db.count()).toBe(2);
    expect(code.kv.length).toBeLessThan(code.full.length);
  });
  it("flash mode works though its code is defined on first use (FLASH_ONLY)", () => {
    for (const kind of ["full", "kv"]) {
      // the lazy definer's one use, which then drops it: (L||(L=defineL(),defineL=null,L)).openStore
      expect(code[kind]).toMatch(/\|\|\(([\w$]+)=([\w$]+)\(\),\2=null,\1\)\)\.[\w$]+/);
      const m = load(code[kind]);
      const flash = new SimFlash(1024, 8, 4);
      const db = new m.MoteDB({ inMemory: false, flash: flash });
      db.put("k", { t: 1 });
      db.close();
      const again = new m.MoteDB({ inMemory: false, flash: flash });
      expect(again.get("k")).toEqual({ t: 1 });
      again.close();
    }
  });
  it("full build answers queries", () => {
    const m = load(code.full);
    const db = new m.MoteDB();
    db.put("a", { n: 1 });
    db.put("b", { n: 2 });
    expect(db.keys({ n: { $gt: 1 } })).toEqual(["b"]);
  });
});

describe("Espruino's reserved words", () => {
  it("rejects class members named with a word Espruino reserves", () => {
    for (const src of ["class A { delete(k) { return k; } }", "class A { of() {} }", "class A { static default() {} }", "class A { in = 1 }"]) {
      expect(checkJs(src, "x.js", "espruino").map((p) => p.rule)).toContain("reserved-name");
    }
  });
  it("rejects a variable named of, but not properties so named", () => {
    expect(checkJs("var of = 1;", "x.js", "espruino").map((p) => p.rule)).toContain("reserved-name");
    expect(checkJs("var o = { of: 1, delete: 2 }; o.of = o.delete;", "x.js", "espruino")).toEqual([]);
  });
  it("the build renames an identifier esbuild named of", () => {
    const out = toModule("var of = { of: 1 }; function f(a) { return of.of + a; } var g = { of };\nexport { f as run, of };");
    expect(checkJs(out, "x.js", "espruino")).toEqual([]);
    const exports: Record<string, any> = {};
    runInNewContext(out, { exports });
    expect(exports.run(1)).toBe(2);
    expect(exports.of).toEqual({ of: 1 });
  });
});
