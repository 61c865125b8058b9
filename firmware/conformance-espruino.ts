// The conformance script's environment on Espruino: the database from require("motedb") (the
// module under test, loaded before this script), Storage-backed flash, setTimeout and print.
// tools/device.ts bundles this file and sends it after dist/espruino/motedb.min.js.

import type { Flash } from "../src/ports";
import { conformance, Db } from "./conformance";

declare const global: { require(name: string): unknown };
declare function print(line: string): void;
declare function setTimeout(fn: () => void, ms: number): unknown;
/** Set by tools/device.ts: false for the kv build, which has no query engine. */
declare const CONFORMANCE_QUERIES: boolean;
/** Set by tools/device.ts: the cases to run (parts of names), or undefined for all. */
declare const CONFORMANCE_ONLY: string[] | undefined;
/** Set by tools/device.ts: list the cases' names instead of running them. */
declare const CONFORMANCE_LIST: boolean;

interface Module {
  MoteDB: new (options?: Record<string, unknown>) => Db;
  storageFlash(o: Record<string, unknown>): Flash;
}

const M = global.require("motedb") as Module;
let flashes = 0;

conformance({
  open: function (options) {
    return new M.MoteDB(options);
  },
  flash: function () {
    // A fresh region: new page files, erased whatever an earlier run left in them.
    const f = M.storageFlash({ name: "mc" + flashes, pageSize: 1024, pageCount: 8 });
    flashes++;
    for (let p = 0; p < f.pageCount; p++) f.erase(p);
    return f;
  },
  later: function (seconds, fn) {
    setTimeout(fn, seconds * 1000);
  },
  print: function (line) {
    print(line);
  },
  nil: null,
  queries: CONFORMANCE_QUERIES,
  only: CONFORMANCE_ONLY,
  list: CONFORMANCE_LIST,
});
