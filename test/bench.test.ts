// The benchmark suite in its tiny mode: not timings (no benchmark is pass/fail), only that every
// section runs and the JSON and charts it writes are well-formed.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeOutputs } from "../tools/bench/output";
import { HOST_OPS, CONTENDERS } from "../tools/bench/host";
import { SHIPPED } from "../tools/bench/sizes";
import { PLANS, runSuite } from "../tools/bench/suite";

function positive(x: unknown): boolean {
  return typeof x === "number" && isFinite(x) && x > 0;
}

describe("npm run bench", () => {
  it("runs every section in tiny mode and writes well-formed JSON and SVG", async () => {
    const dir = mkdtempSync(join(tmpdir(), "motedb-bench-"));
    try {
      const result = await runSuite({ mode: "tiny", root: resolve(__dirname, "..") });
      const files = writeOutputs(result, dir);
      const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8"));
      const plan = PLANS.tiny;

      expect(r.schema).toBe(1);
      expect(r.mode).toBe("tiny");
      expect(typeof r.machine.cpu).toBe("string");
      expect(r.machine.cores).toBeGreaterThan(0);

      // Host: one row per size and operation, a rate for every contender, ratios against the others.
      expect(r.host.rows).toHaveLength(plan.host.sizes.length * HOST_OPS.length);
      for (const row of r.host.rows) {
        expect(HOST_OPS).toContain(row.op);
        for (const c of CONTENDERS) expect(positive(row.perSec[c])).toBe(true);
        expect(positive(row.ratio.LokiJS) && positive(row.ratio.NeDB)).toBe(true);
        if (row.op.startsWith("query:")) expect(row.results).toBeGreaterThan(0);
      }

      // Flash: every page size and record count measured (an error fails the run).
      expect(r.flash.rows.length).toBe(plan.flash.pageSizes.length * plan.flash.counts.length);
      for (const row of r.flash.rows) {
        for (const f of ["putPerSec", "getPerSec", "userBytesPerRecord", "overheadPerRecord", "recoveryMs"]) expect(typeof row[f]).toBe("number");
        expect(positive(row.recoveryMs)).toBe(true);
      }
      expect(r.flash.wear.length).toBe(plan.flash.pageSizes.length);
      for (const w of r.flash.wear) {
        expect(w.writeAmplification).toBeGreaterThanOrEqual(1);
        expect(w.eraseSpread).toBeGreaterThanOrEqual(1);
      }

      // TTL: a row per (n, k) that fits, each expiring exactly k (the suite checks it) in some time.
      expect(r.ttl.rows.length).toBeGreaterThan(0);
      for (const row of r.ttl.rows) {
        expect(plan.ttl.sizes).toContain(row.n);
        expect(plan.ttl.ks).toContain(row.k);
        expect(row.ms).toBeGreaterThanOrEqual(0);
      }

      // Memory: budget figures from stats(), heap figures next to a plain cache, and how gc was forced.
      expect(typeof r.memory.gcMethod).toBe("string");
      expect(r.memory.rows).toHaveLength(plan.memory.sizes.length);
      for (const row of r.memory.rows) {
        expect(positive(row.budgetPerRecord) && positive(row.docBytes)).toBe(true);
        expect(row.budgetPerRecord).toBeGreaterThan(row.docBytes);
        expect(typeof row.plainHeapPerRecord).toBe("number");
      }

      // Sizes: every shipped file, with its bytes or "not built".
      expect(r.sizes.files.map((f: { file: string }) => f.file)).toEqual(SHIPPED);
      for (const f of r.sizes.files) expect(f.status === "ok" ? positive(f.bytes) : f.bytes === null).toBe(true);

      // The table and the charts.
      expect(readFileSync(join(dir, "table.md"), "utf8")).toContain("| docs | operation |");
      const svgs = files.filter((f) => f.endsWith(".svg"));
      expect(svgs.length).toBeGreaterThanOrEqual(3);
      for (const f of svgs) {
        const svg = readFileSync(f, "utf8");
        expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
        expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
        expect(svg).not.toMatch(/NaN|undefined|Infinity/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
