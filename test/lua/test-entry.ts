// The Lua side of the tests, one bundle for all (TypeScriptToLua takes seconds a compile): the
// runner script sets the global LUA_TEST to "conformance" or "image" before loading it.
//   conformance: firmware/conformance.ts with the Lua environment (conformance-lua.ts)
//   image: write or dump a flash image file (image-lua.ts; globals IMAGE_*)

import { runConformance } from "./conformance-lua";
import { runImage } from "./image-lua";

declare const LUA_TEST: string;

if (LUA_TEST === "conformance") runConformance();
else if (LUA_TEST === "image") runImage();
