// The result as Markdown tables: printed by run.ts, and written into the README and docs/BENCHMARKS.md.

import { BenchResult } from "./suite";

function rate(x: number): string {
  if (!isFinite(x)) return "-";
  if (x >= 1e6) return (x / 1e6).toFixed(2) + " M";
  if (x >= 1e3) return (x / 1e3).toFixed(x >= 1e5 ? 0 : 1) + " k";
  return x.toFixed(x >= 100 ? 0 : 1);
}

function ratio(x: number): string {
  return isFinite(x) ? (x >= 10 ? x.toFixed(0) : x.toFixed(2)) + "×" : "-";
}

function ms(x: number): string {
  if (x < 0.01) return (x * 1000).toFixed(1) + " µs";
  if (x < 1) return (x * 1000).toFixed(0) + " µs";
  return x.toFixed(x < 100 ? 1 : 0) + " ms";
}

function bytes(x: number | null): string {
  if (x === null) return "not built";
  return x >= 10_000 ? (x / 1024).toFixed(1) + " KB (" + x + ")" : String(x);
}

function count(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? n / 1000 + "k" : String(n);
}

/** A Markdown table: the first `text` columns left-aligned, the figures right-aligned. */
function table(head: string[], rows: string[][], text = 1): string {
  const align = head.map((_, i) => (i < text ? "---" : "---:"));
  return [head, align].concat(rows).map((r) => "| " + r.join(" | ") + " |").join("\n");
}

export function machineLine(r: BenchResult): string {
  const m = r.machine;
  return (
    "Measured " + r.date.slice(0, 16).replace("T", " ") + " UTC on " + m.cpu + " (" + m.cores + " cores, " + m.memoryGB + " GB), " +
    m.os + ", Node " + m.node + ", load average " + m.load + " at the start; `npm run bench" + (r.mode === "full" ? "" : " -- --" + r.mode) + "` took " + r.seconds + " s."
  );
}

export function markdown(r: BenchResult): string {
  const out: string[] = [machineLine(r)];
  if (r.host !== undefined) {
    const h = r.host;
    out.push(
      "### In memory, against LokiJS and NeDB\n\n" +
        "Median of " + h.rounds + " rounds, contenders alternating; ratios are MoteDB's rate over the other's (above 1: MoteDB is faster). " +
        "Queries scan in every contender (no secondary indexes); batch is one call storing every document.",
    );
    out.push(
      table(
        ["docs", "operation", "MoteDB", "LokiJS", "NeDB", "MoteDB ÷ LokiJS", "MoteDB ÷ NeDB"],
        h.rows.map((x) => [
          count(x.n),
          x.op + (x.results !== undefined ? " (" + x.results + " hits)" : ""),
          rate(x.perSec.MoteDB) + " " + x.unit,
          rate(x.perSec.LokiJS),
          rate(x.perSec.NeDB),
          ratio(x.ratio.LokiJS),
          ratio(x.ratio.NeDB),
        ]),
        2,
      ),
    );
  }
  if (r.flash !== undefined) {
    const f = r.flash;
    out.push("### Flash mode on the simulator");
    out.push(
      "SimFlash, " + f.granularity + "-byte program granularity. Put includes flushes; get reads every key in a shuffled order after reopening. " +
        "Overhead is flash consumed per record beyond its user data (key, document and tags in canonical bytes). Recovery is opening the database from the image.",
    );
    out.push(
      table(
        ["page", "records", "put", "get", "user B/record", "overhead B/record", "recovery"],
        f.rows.map((x) => [
          x.pageSize / 1024 + " KB × " + x.pageCount,
          count(x.n),
          rate(x.putPerSec) + "/s",
          rate(x.getPerSec) + "/s",
          x.userBytesPerRecord.toFixed(1),
          x.overheadPerRecord.toFixed(1),
          ms(x.recoveryMs),
        ]),
      ),
    );
    out.push("Steady-state overwrites at random over a flash kept partly full of live data:");
    out.push(
      table(
        ["page", "records (fill)", "overwrites", "overwrite rate", "write amplification", "erase spread (max/mean)"],
        f.wear.map((x) => [
          x.pageSize / 1024 + " KB × " + x.pageCount,
          x.records + " (" + (x.fill * 100).toFixed(0) + "%)",
          String(x.overwrites),
          rate(x.overwritePerSec) + "/s",
          x.writeAmplification.toFixed(2),
          x.eraseSpread.toFixed(2) + " (mean " + x.erasesMean.toFixed(1) + ")",
        ]),
      ),
    );
  }
  if (r.ttl !== undefined) {
    const t = r.ttl;
    const ns = t.sizes;
    out.push(
      "### TTL expiry: the cost follows k, not n\n\n" +
        "Median time of one cleanup() that expires k of n records (every record has a TTL), with µs per expired record; the last column is the time at the largest n over the time at the smallest.",
    );
    out.push(
      table(
        ["k expired"].concat(ns.map((n) => "n = " + count(n)), ["largest n ÷ smallest n"]),
        t.ks
          .filter((k) => t.rows.some((x) => x.k === k))
          .map((k) => {
            const cells = ns.map((n) => {
              const x = t.rows.find((y) => y.k === k && y.n === n);
              return x === undefined ? "-" : ms(x.ms) + " (" + x.usPerRecord.toFixed(2) + " µs/rec)";
            });
            const g = t.nGrowth.find((y) => y.k === k);
            return [String(k)].concat(cells, [g === undefined ? "-" : ratio(g.ratio)]);
          }),
      ),
    );
  }
  if (r.memory !== undefined) {
    const m = r.memory;
    out.push(
      "### Memory per record\n\n" +
        "Budget bytes are what stats().usedBytes charges (the RAM budget's own count); heap bytes are V8's heapUsed growth while building, " +
        "after a forced collection: " + m.gcMethod + ". The plain cache is an object of key → { doc, tags, expires }.",
    );
    out.push(
      table(
        ["records", "document bytes", "MoteDB budget B/record", "of which index B/key", "MoteDB heap B/record", "plain cache heap B/record"],
        m.rows.map((x) => [
          count(x.n),
          x.docBytes.toFixed(1),
          x.budgetPerRecord.toFixed(1),
          x.indexPerKey.toFixed(1),
          x.moteHeapPerRecord.toFixed(0),
          x.plainHeapPerRecord.toFixed(0),
        ]),
      ),
    );
  }
  if (r.sizes !== undefined) {
    out.push("### Bundle sizes");
    out.push(table(["file", "bytes", "gzip -9"], r.sizes.files.map((x) => [x.file, bytes(x.bytes), x.gzipBytes === null ? "-" : String(x.gzipBytes)])));
  }
  return out.join("\n\n") + "\n";
}
