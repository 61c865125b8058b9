// npm run bench [-- --quick | --tiny] [--only host,flash,ttl,memory,sizes] [--build] [--out dir] [--no-docs]
// Runs the suite, prints the tables, writes dist/bench/, and (full runs) the README and docs tables.

import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { writeBenchmarksDoc, writeOutputs, writeReadme } from "./output";
import { markdown } from "./report";
import { Mode, runSuite, SECTIONS, SectionName } from "./suite";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const cli = new Command()
  .name("bench")
  .description("MoteDB benchmarks: in memory against LokiJS and NeDB, flash mode, TTL, memory, bundle sizes")
  .option("--quick", "smaller sizes, about a minute")
  .option("--tiny", "the smallest run (what the test runs)")
  .option("--only <sections>", "comma-separated: " + SECTIONS.join(","))
  .option("--build", "run npm run build first, so bundle sizes are current")
  .option("--out <dir>", "output folder", join(root, "dist", "bench"))
  .option("--no-docs", "do not write the README and docs/BENCHMARKS.md (full runs write them)")
  .parse();

const o = cli.opts<{ quick?: boolean; tiny?: boolean; only?: string; build?: boolean; out: string; docs: boolean }>();
const mode: Mode = o.tiny ? "tiny" : o.quick ? "quick" : "full";
let sections: SectionName[] | undefined;
if (o.only !== undefined) {
  sections = o.only.split(",").map((s) => s.trim()) as SectionName[];
  for (const s of sections) if (!SECTIONS.includes(s)) cli.error("unknown section '" + s + "': known are " + SECTIONS.join(", "));
}

if (o.build) {
  const b = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) console.error("npm run build failed: sizes show what is in dist/");
}

const result = await runSuite({ mode, sections, root, log: (line) => process.stderr.write("  " + line + "\n") });
console.log("\n" + markdown(result));
const files = writeOutputs(result, resolve(o.out));
console.log("Wrote " + files.join(", "));
if (mode === "full" && o.docs && sections === undefined) {
  console.log("Wrote " + writeBenchmarksDoc(result, root));
  console.log(writeReadme(result, root) ? "Updated the README's benchmark section" : "README.md has no bench markers: the table is in docs/BENCHMARKS.md only");
}
