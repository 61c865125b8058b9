// Runs firmware/conformance.ts on Node with the host ports: the core from src/, SimFlash for
// flash-mode cases. `npx tsx tools/conformance.ts` prints the cases; the tests call runOnNode().

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MoteDB } from "../src/index";
import { SimFlash } from "../src/ports/simflash";
import { conformance, Db } from "../firmware/conformance";

/** A workload whose flash bytes must be the same on every runtime (tools/device.ts runs it on devices). */
export const SAME_BYTES = join(fileURLToPath(new URL("..", import.meta.url)), "firmware/same-bytes.js");

/**
 * The lines firmware/same-bytes.js prints with `module` as require("motedb") (the core from src/,
 * or an Espruino bundle loaded on Node) and a SimFlash for its flash, sorted.
 */
export function sameBytesOn(module: unknown): string[] {
  const lines: string[] = [];
  const req = (name: string) => (name === "motedb" ? module : undefined);
  new Function("require", "print", "SAME_BYTES_FLASH", readFileSync(SAME_BYTES, "utf8"))(req, (l: string) => lines.push(l), new SimFlash(1024, 4, 4));
  return lines.sort();
}

export interface ConformanceResult {
  lines: string[];
  passed: number;
  failed: number;
}

/** Run every case; resolves once the summary line is printed. */
export function runOnNode(): Promise<ConformanceResult> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    conformance({
      open: (options) => new MoteDB(options) as unknown as Db,
      flash: () => new SimFlash(1024, 8, 4),
      later: (seconds, fn) => {
        setTimeout(fn, seconds * 1000);
      },
      print: (line) => {
        lines.push(line);
        const m = /^(\d+) passed, (\d+) failed$/.exec(line);
        if (m) resolve({ lines, passed: Number(m[1]), failed: Number(m[2]) });
      },
      nil: null,
      queries: true,
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runOnNode();
  console.log(r.lines.join("\n"));
  process.exit(r.failed === 0 ? 0 : 1);
}
