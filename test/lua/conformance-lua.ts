// The conformance script's environment in Lua (compiled by TypeScriptToLua with the release entry):
// the database from motedb.new, flash as image files through NodeMCU's file API (the adapter
// under test, on the test shim), tmr alarms for `later`, Lua's print. After this returns, the
// runner script drives the shim's virtual time until every alarm has fired. test-entry.ts runs it.

import type { Db } from "../../firmware/conformance";
import { conformance } from "../../firmware/conformance";
import * as motedb from "../../src/ports/lua-entry";

declare function print(this: void, line: string): void;
interface Timer {
  alarm(this: Timer, ms: number, mode: number, fn: (this: void) => void): boolean;
}
declare const tmr: { create(this: void): Timer; ALARM_SINGLE: number };

let flashes = 0;

export function runConformance(): void {
  conformance({
    open: function (options) {
      return motedb.new(options) as unknown as Db;
    },
    flash: function () {
      // A fresh image file, as the Node runner's fresh SimFlash: same geometry, erased.
      flashes++;
      const f = motedb.flash({ name: "conformance" + flashes + ".img", pageSize: 1024, pageCount: 8 });
      for (let p = 0; p < f.pageCount; p++) f.erase(p);
      return f;
    },
    later: function (seconds, fn) {
      tmr.create().alarm(Math.floor(seconds * 1000), tmr.ALARM_SINGLE, fn);
    },
    print: function (line) {
      print(line);
    },
    nil: motedb.null,
    queries: true,
  });
}
