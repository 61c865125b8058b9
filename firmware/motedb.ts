// The Espruino module: require("motedb") after the Web IDE, the espruino CLI or Storage has it.
// It registers the Espruino ports as defaults and exports the database and the adapters.
//   var MoteDB = require("motedb").MoteDB;
//   var db = new MoteDB({ ttlCheckInterval: 30 });

import { usePlatform } from "../src/ports";
import { espruinoPlatform } from "../src/ports/espruino";

usePlatform(espruinoPlatform);

export { MoteDB } from "../src/motedb";
export { errorCode } from "../src/errors";
export { usePlatform } from "../src/ports";
export { espruinoClock, espruinoMemory, espruinoScheduler, rawFlash, storageFlash } from "../src/ports/espruino";
