// The Lua build on real interpreters (lua5.1 + bitop, lua5.3) with the NodeMCU shim: the release
// bundles load with require, the Lua surface (motedb.new, db:put, motedb.null...) works in Lua's
// conventions, and the NodeMCU adapters (file image flash, node.heap, tmr, rtctime) do their job.

import { copyFileSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkTs, formatProblems } from "../tools/dialect";
import { bundle, luaCommand, ROOT, runLua, tempDir, VERSIONS } from "./lua/lua";

describe("the Lua adapters stay in the device dialect", () => {
  for (const f of ["lua-entry.ts", "lua-prelude.ts", "nodemcu.ts"]) {
    it("src/ports/" + f, () => {
      const problems = checkTs(readFileSync(join(ROOT, "src/ports", f), "utf8"), "src/ports/" + f, "lua");
      expect(formatProblems(problems)).toBe("");
    });
  }
});

for (const version of VERSIONS) {
  describe("Lua " + version, () => {
    it("has its interpreter", () => {
      expect(luaCommand(version)).toMatch(/^lua5\.[13]$/);
    });
    beforeAll(() => {
      bundle(version); // TypeScriptToLua takes a few seconds: compile once, outside the tests' time limit
    }, 120000);

    it("loads the bundle with require() and without `-l bit`", () => {
      const b = bundle(version);
      expect(readFileSync(b, "utf8")).not.toMatch(/\bgoto\b/); // Lua 5.1 has no goto
      const cwd = tempDir("require");
      copyFileSync(b, join(cwd, "motedb" + version.replace(".", "") + ".lua"));
      const r = runLua(version, b, `
        package.loaded.motedb = nil
        package.path = "./?.lua;" .. package.path
        local motedb = require("motedb${version.replace(".", "")}")
        print(type(motedb.new), type(motedb.open), type(motedb.null), type(motedb.flash), type(motedb.errorCode))
        print(_VERSION, bit ~= nil)
      `, cwd);
      expect(r.stderr).toBe("");
      expect(r.lines).toEqual(["function\tfunction\ttable\tfunction\tfunction", "Lua " + version + "\t" + (version === "5.1")]);
      expect(statSync(b).size).toBeGreaterThan(10000);
    });

    it("speaks Lua: motedb.new, db:put/get, motedb.null, errors with codes", () => {
      const r = runLua(version, bundle(version), `
        local motedb = require("motedb")
        local db = motedb.new({ ramPercentage = 50 })
        local k = db:put({ t = 21.5, room = "hall", gone = motedb.null, list = { 1, -2, "x", motedb.null }, deep = { a = { b = { c = "é€😀" } } } }, 0, { "sensor" })
        local d = db:get(k)
        print(#k, d.t, d.room, d.gone == motedb.null, #d.list, d.list[2], d.list[4] == motedb.null, d.deep.a.b.c)
        print(db:put("n1", { n = 5 }), db:put("n2", { n = 7 }, nil, { "odd" }))
        print(db:count(), db:count({ n = { ["$gt"] = 5 } }), db:keys({ tags = "odd" })[1], db:has("n1"), db:has("zz"))
        local q = db:query({ n = { ["$gte"] = 5 } })
        print(#q, q[1].n, q[2].n)
        print(db:delete("n1"), db:delete("n1"), db:get("n1") == nil)
        local ok, err = pcall(db.put, db, "", 1)
        print(ok, err.code, motedb.errorCode(err), tostring(err))
        ok, err = pcall(db.query, db, { n = { ["$nope"] = 1 } })
        print(ok, motedb.errorCode(err))
        local keys = db:putBatch({ { "b1", 1 }, { "b2", { x = true } } }, 0)
        print(#keys, keys[1], keys[2], db:get("b2").x)
        ok, err = pcall(db.putBatch, db, { { "b3", 1 }, { "", 2 } })
        print(ok, motedb.errorCode(err), db:has("b3"))
        print(motedb.open({}, function(db2) db2:put("a", 1) return db2:get("a") end))
        local s = db:stats()
        print(s.records, s.ops.put, s.mode)
        db:close()
        ok, err = pcall(db.get, db, "b1")
        print(ok, motedb.errorCode(err))
      `, tempDir("surface"));
      expect(r.stderr).toBe("");
      expect(r.lines).toEqual([
        "9\t21.5\thall\ttrue\t4\t-2\ttrue\té€😀",
        "n1\tn2",
        "3\t1\tn2\ttrue\tfalse",
        "2\t5\t7",
        "true\tfalse\ttrue",
        "false\tE_KEY\tE_KEY\tError: E_KEY: key: a non-empty string, not \"\"",
        "false\tE_QUERY",
        "2\tb1\tb2\ttrue",
        "false\tE_KEY\tfalse",
        "1",
        "4\t4\tmemory",
        "false\tE_CLOSED",
      ]);
    });

    it("takes its budget from node.heap() and its time from rtctime; tmr alarms expire records", () => {
      const r = runLua(version, bundle(version), `
        local motedb = require("motedb")
        shim.heap = 30000
        rtctime.set(1700000000)
        local db = motedb.new({ ramPercentage = 10, ttlCheckInterval = 5 })
        local expired = {}
        db:on("expire", function(k) expired[#expired + 1] = k end)
        print(db:stats().budgetBytes, shim.pending())
        db:put("short", 1, 3)
        db:put("long", 2, 30)
        db:put("forever", 3)
        shim.advance(4)
        print(#expired)
        shim.advance(2)
        print(#expired, expired[1])
        shim.advance(30)
        print(#expired, expired[2], db:count(), db:get("forever"))
        db:close()
        print(shim.pending())
      `, tempDir("ports"));
      expect(r.stderr).toBe("");
      // 10% of node.heap() over the Lua scale (nodemcu.ts LUA_SCALE)
      expect(r.lines).toEqual([Math.floor((30000 * 10) / 100 / 7.2) + "\t2", "0", "1\tshort", "2\tlong\t1\t3", "0"]);
    });

    it("keeps flash pages in one image file through NodeMCU's file API", () => {
      const cwd = tempDir("flashfile");
      const r = runLua(version, bundle(version), `
        local motedb = require("motedb")
        local f = motedb.flash({ name = "t.img", pageSize = 1536, pageCount = 3 })
        print(f.pageSize, f.pageCount, f.granularity, f:read(0, 4) == string.rep("\\255", 4))
        f:program(1528, "0123456789ABCDEF")
        f:sync()
        print(f:read(1526, 20) == "\\255\\255" .. "0123456789ABCDEF" .. "\\255\\255")
        local g = motedb.flash({ name = "t.img", pageSize = 1536, pageCount = 3 })
        print(g:read(1528, 16), #g:read(0, 4608))
        g:erase(0)
        print(g:read(1528, 16) == string.rep("\\255", 8) .. "89ABCDEF")
        local ok, err = pcall(motedb.flash, { name = "t.img", pageSize = 4096, pageCount = 3 })
        print(ok, motedb.errorCode(err))
        ok, err = pcall(g.read, g, 4604, 8)
        print(ok, motedb.errorCode(err))
      `, cwd);
      expect(r.stderr).toBe("");
      expect(r.lines).toEqual(["1536\t3\t4\ttrue", "true", "0123456789ABCDEF\t4608", "true", "false\tE_FLASH", "false\tE_FLASH"]);
      expect(statSync(join(cwd, "t.img")).size).toBe(4608);
    });
  });
}
