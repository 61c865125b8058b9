// Where a result goes: JSON, the table and the charts into an output folder (dist/bench/), and
// the table into the README (between its bench markers) and docs/BENCHMARKS.md.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { charts } from "./charts";
import { markdown } from "./report";
import { BenchResult } from "./suite";

export const README_START = "<!-- bench:start -->";
export const README_END = "<!-- bench:end -->";

/** Write results.json, table.md and the SVG charts; returns the files written. */
export function writeOutputs(r: BenchResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    files.push(join(dir, name));
  };
  put("results.json", JSON.stringify(r, null, 2) + "\n");
  put("table.md", markdown(r));
  const svgs = charts(r);
  for (const name of Object.keys(svgs)) put(name, svgs[name]);
  return files;
}

const METHOD = `# Benchmarks

\`npm run bench\` measures MoteDB on the host simulator and writes \`dist/bench/\`: \`results.json\`
(every figure), \`table.md\` (the tables below) and SVG charts (\`host-ratios.svg\`, \`ttl.svg\`,
\`memory.svg\`, \`flash-recovery.svg\`, \`sizes.svg\`). A full run takes about a minute on 2
cores; \`npm run bench -- --quick\` runs smaller sizes in well under a minute; \`--only host,ttl\`
runs some sections; \`--build\` runs \`npm run build\` first so the sizes are current. None of it
is a pass/fail test: test/bench.test.ts only checks that a tiny run produces well-formed results.

How to read the figures:
- The machines that run this are shared and noisy. Every comparison runs in the same process on
  identical data, the contenders take turns in a rotating order each round, figures are medians
  over rounds, and ratios are medians of per-round ratios. Compare ratios, not absolute rates.
- In memory: LokiJS keeps the objects it is given and hands them back by reference; NeDB (in-memory
  mode) copies in and out and queues every call (awaited one at a time); MoteDB encodes every
  document into canonical bytes on put and decodes on every read, which is what lets it count its
  RAM and write the same bytes to flash. LokiJS looks keys up with a unique index on \`key\`, NeDB
  with its \`_id\` index; no contender has secondary indexes, so every query scans. The query
  results are checked to agree between contenders.
- TTL: a manual clock, every record with a TTL, and cleanup() timed when exactly k records are due.
- Memory: the budget figures are MoteDB's own count (stats().usedBytes), the bytes a board's RAM
  budget is charged; the heap figures are V8's, so they show what Node spends, not what Espruino
  spends (measured on the Espruino interpreter, a plain-object cache of such documents costs about
  11 variables per record, at 17-27 bytes a variable).
- Flash: SimFlash in RAM, so rates are the CPU cost of the format and its checks, not a chip's
  program and erase times; SimFlash also rebuilds a page's string on every program, a cost that
  grows with the page size and that no chip has. The byte counts (overhead, write amplification,
  erase spread) are exact. Every page size the plan asks for (4 KB, 64 KB, 128 KB) is measured;
  an error stops the run.
- Warm-up: each section first runs once, unmeasured, so V8's compilers have done their work
  before the clock starts; the smallest sizes are still the noisiest.

## Latest run

`;

/** Put the table between the README's markers (true), or report that they are missing (false). */
export function writeReadme(r: BenchResult, root: string): boolean {
  const path = join(root, "README.md");
  if (!existsSync(path)) return false;
  const text = readFileSync(path, "utf8");
  const a = text.indexOf(README_START);
  const b = text.indexOf(README_END);
  if (a < 0 || b < a) return false;
  const body = "\n" + markdown(r) + "\nMethod and caveats: [docs/BENCHMARKS.md](docs/BENCHMARKS.md).\n";
  writeFileSync(path, text.slice(0, a + README_START.length) + body + text.slice(b));
  return true;
}

export function writeBenchmarksDoc(r: BenchResult, root: string): string {
  const path = join(root, "docs", "BENCHMARKS.md");
  mkdirSync(join(root, "docs"), { recursive: true });
  writeFileSync(path, METHOD + markdown(r));
  return path;
}
