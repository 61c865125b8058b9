// The Node build: the library entry as one ES module, for `import { MoteDB } from "motedb"`.

import { build } from "esbuild";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..");

export async function buildNode(): Promise<void> {
  await build({
    entryPoints: [join(ROOT, "src/index.ts")],
    outfile: join(ROOT, "dist/node/index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
  });
  console.log("dist/node/index.js");
}
