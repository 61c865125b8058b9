// The Lua build's entry (dist/lua/motedb51.lua, motedb53.lua): MoteDB in Lua's conventions.
//
//   local motedb = require("motedb51")          -- or "motedb53"
//   local db = motedb.new({ ramPercentage = 20 })
//   local key = db:put({ t = 21.5, room = "hall" }, 60, { "sensor" })
//   local doc = db:get(key)                     -- a table; JSON null reads as motedb.null
//
// The defaults are NodeMCU's ports (nodemcu.ts); any port can be passed in the options instead.

import "./lua-prelude";
import { NULL } from "../lang";
import { MoteDB } from "../motedb";
import { MoteOptions } from "../options";
import { usePlatform } from "../ports";
import { nodemcuFlash, nodemcuPlatform } from "./nodemcu";

usePlatform(nodemcuPlatform);

/** Open a database: motedb.new(options). */
function create(options?: MoteOptions): MoteDB {
  return new MoteDB(options);
}

/** motedb.open(options, fn): fn(db), then close, even when fn raises an error. */
function open<T>(options: MoteOptions | undefined, fn: (db: MoteDB) => T): T {
  return MoteDB.open(options, fn);
}

export { create as new, open, NULL as null, MoteDB, nodemcuFlash as flash };
export { errorCode } from "../errors";
export { usePlatform } from "../ports";
