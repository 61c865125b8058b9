// The core must stay in the dialect that runs on Espruino and compiles to Lua; this fails the
// tests on the first construct that would not.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkJs, checkTs, formatProblems } from "../tools/dialect";

const root = join(__dirname, "..");
/** The core: every file directly in src/. Platform adapters live in src/ports/ and are checked by their own targets. */
const coreFiles = readdirSync(join(root, "src")).filter((f) => f.endsWith(".ts"));
/** Adapters that run on devices as well, held to the core's rules: the flash simulator. */
const deviceAdapters = ["ports/simflash.ts"];
const coreOnly = coreFiles.filter((f) => f !== "index.ts").concat(deviceAdapters);

describe("dialect of the core sources", () => {
  it("has files to check", () => {
    expect(coreOnly.length).toBeGreaterThan(8);
  });
  for (const f of coreOnly) {
    it(f + " runs on Espruino and in Lua", () => {
      const problems = checkTs(readFileSync(join(root, "src", f), "utf8"), "src/" + f, "lua");
      expect(formatProblems(problems)).toBe("");
    });
  }
});

describe("dialect of the Espruino adapters", () => {
  for (const f of ["ports/espruino.ts", "ports/espruino-native.ts"]) {
    it(f + " runs on Espruino", () => {
      const problems = checkTs(readFileSync(join(root, "src", f), "utf8"), "src/" + f, "espruino");
      expect(formatProblems(problems)).toBe("");
    });
  }
});

describe("the dialect checker itself", () => {
  const cases: [string, string][] = [
    ["function f(a = 1) { return a; }", "default-param"],
    ["function f(...a) { return a; }", "rest-param"],
    ["const { a } = o;", "destructuring"],
    ["const [a, b] = o;", "destructuring"],
    ["f(...xs);", "spread"],
    ["const o = { ...p };", "spread"],
    ["const x = a?.b;", "optional-chaining"],
    ["const x = 2 ** 3;", "exponent"],
    ["x ??= 1;", "assign-op"],
    ["async function f() {}", "async"],
    ["function* g() {}", "generator"],
    ["const m = new Map();", "global"],
    ["const s = Symbol('x');", "global"],
    ["const a = Array.from(x);", "missing-builtin"],
    ["const n = Number.isInteger(x);", "missing-builtin"],
    ["const t = Math.trunc(x);", "missing-builtin"],
    ["const y = xs.at(-1);", "missing-method"],
    ["const f = Array.prototype.slice;", "builtin-prototype"],
    ["a.length = 0;", "length-assign"],
    ["out: for (;;) { break out; }", "label"],
    ["const o = { [k]: 1 };", "computed-key"],
    ["class E extends Error {}", "extends"],
    ["const t = tag`x`;", "tagged-template"],
    ["g(); function g() {}", "hoisting"],
    ["const x = h; const h = 1;", "hoisting"],
    ["for (let i = 0; i < 3; i++) fs.push(() => i);", "loop-closure"],
    ["for (const x of xs) { if (x) continue; }", "continue"],
    ["const r = /a+/;", "regexp"],
    ["const s = JSON.stringify(x);", "global"],
    ["const d = new Date();", "global"],
    ["const b = new Uint8Array(4);", "global"],
    ["if (x) { var y = 1; }", "var"],
    ["for (;;) { try { break; } catch (e) {} }", "break-in-try"],
    ["while (x) { try { f(); } catch (e) { break; } }", "break-in-try"],
    ["const y = x & 255;", "bit-operator"],
    ["x >>>= 1;", "bit-operator"],
    ["const y = ~x;", "bit-operator"],
  ];
  for (const [code, rule] of cases) {
    it("rejects " + rule + ": " + code, () => {
      const rules = checkJs(code, "case.js", "lua").map((p) => p.rule);
      expect(rules).toContain(rule);
    });
  }
  it("accepts the constructs the dialect allows", () => {
    const ok = `
      class A { constructor(x) { this.x = x; } get y() { return this.x; } static make() { return new A(1); } }
      const f = (a, b) => a + b;
      function g(o) { for (const k in o) { if (o[k] === undefined) { delete o[k]; } } return \`\${o.a}\` ?? ""; }
      for (let i = 0; i < 3; i++) { g({ a: i }); }
      const later = function () { return h(); };
      function h() { return 1; }
      try { g({}); } catch (e) { f(1, 2); }
      try { for (;;) { break; } } catch (e) { switch (1) { case 1: break; } }
    `;
    expect(formatProblems(checkJs(ok, "ok.js", "lua"))).toBe("");
  });
  it("keeps TypeScript-only syntax out of the picture", () => {
    const ts = "interface P { a: number }\nexport function f(p: P): number { return p.a as number; }\n";
    expect(checkTs(ts, "ok.ts", "lua")).toEqual([]);
  });
});
