// npm run build: every artefact MoteDB ships, into dist/ (ignored by git).
//   dist/node/      the package for Node (the library and the motedb command)
//   dist/espruino/  motedb.min.js and motedb-kv.min.js, modules for Espruino boards
//   dist/lua/       motedb51.lua and motedb53.lua, one file each for NodeMCU-style Lua firmware

import { buildNode } from "./build-node";
import { buildEspruino } from "./build-espruino";
import { buildLua } from "./build-lua";

const which = process.argv.slice(2);
const all = which.length === 0;
if (all || which.includes("node")) await buildNode();
if (all || which.includes("espruino")) await buildEspruino();
if (all || which.includes("lua")) await buildLua();
