// The conformance script (firmware/conformance.ts, the same cases Espruino runs) compiled to Lua
// with the core and run on lua5.1 (+bitop) and lua5.3 with the NodeMCU shim; every line it prints
// must equal what the same script prints on Node (tools/conformance.ts), and every case must pass.

import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runOnNode } from "../tools/conformance";
import { bundle, runLua, tempDir, VERSIONS } from "./lua/lua";

let node: string[] = [];

const ENTRY = join(__dirname, "lua/test-entry.ts");

beforeAll(async () => {
  node = (await runOnNode()).lines;
  for (const version of VERSIONS) bundle(version, ENTRY);
}, 120000);

describe("conformance in Lua equals conformance on Node", () => {
  it("passes every case on Node", () => {
    expect(node[node.length - 1]).toMatch(/^\d+ passed, 0 failed$/);
  });
  for (const version of VERSIONS) {
    it("Lua " + version, () => {
      const b = bundle(version, ENTRY);
      const r = runLua(version, b, "shim.run(600)\nprint(shim.pending() .. ' alarms left')\n", tempDir("conformance"), 'LUA_TEST = "conformance"');
      expect(r.stderr).toBe("");
      expect(r.lines).toEqual(node.concat(["0 alarms left"]));
    }, 60000);
  }
});
