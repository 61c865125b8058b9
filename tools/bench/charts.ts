// SVG charts of a result, self-contained (no fonts or scripts to fetch): grouped bars and log-log lines.

import { BenchResult } from "./suite";

const W = 720;
const H = 360;
const M = { top: 40, right: 170, bottom: 60, left: 70 };
const COLORS = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#c53030", "#718096"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function num(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e6) return +(x / 1e6).toPrecision(3) + "M";
  if (a >= 1e3) return +(x / 1e3).toPrecision(3) + "k";
  return String(+x.toPrecision(3));
}

/** A y (or x) scale: linear from 0, or logarithmic over whole decades. */
function scale(lo: number, hi: number, log: boolean, from: number, to: number): { at: (v: number) => number; ticks: number[] } {
  if (log) {
    const a = Math.floor(Math.log10(Math.max(lo, 1e-12)));
    const b = Math.max(a + 1, Math.ceil(Math.log10(Math.max(hi, 1e-12))));
    const ticks: number[] = [];
    for (let e = a; e <= b; e++) ticks.push(Math.pow(10, e));
    return { at: (v) => from + ((Math.log10(Math.max(v, 1e-12)) - a) / (b - a)) * (to - from), ticks };
  }
  const top = hi > 0 ? hi * 1.1 : 1;
  const step = Math.pow(10, Math.floor(Math.log10(top / 4)));
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step * Math.ceil(top / step / 5)) ticks.push(v);
  return { at: (v) => from + (v / top) * (to - from), ticks };
}

function frame(title: string, body: string[], legend: string[], yLabel: string): string {
  const items = legend.map(
    (name, i) =>
      `<rect x="${W - M.right + 16}" y="${M.top + i * 20}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${W - M.right + 34}" y="${M.top + i * 20 + 10}">${esc(name)}</text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">\n` +
    `<rect width="${W}" height="${H}" fill="#fff"/>\n` +
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>\n` +
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>\n` +
    body.join("\n") +
    "\n" +
    items.join("\n") +
    "\n</svg>\n"
  );
}

function yAxis(y: { at: (v: number) => number; ticks: number[] }): string[] {
  return y.ticks.map(
    (t) =>
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y.at(t).toFixed(1)}" y2="${y.at(t).toFixed(1)}" stroke="#e2e8f0"/>` +
      `<text x="${M.left - 6}" y="${(y.at(t) + 4).toFixed(1)}" text-anchor="end">${num(t)}</text>`,
  );
}

export interface Series {
  name: string;
  values: number[];
}

export function barChart(title: string, groups: string[], series: Series[], yLabel: string, log: boolean, ref?: number): string {
  const all = series.flatMap((s) => s.values).filter((v) => isFinite(v) && v > 0);
  const lo = all.length > 0 ? Math.min(...all, ref ?? Infinity) : 1;
  const hi = all.length > 0 ? Math.max(...all, ref ?? 0) : 1;
  const y = scale(lo, hi, log, H - M.bottom, M.top);
  const body = yAxis(y);
  const gw = (W - M.left - M.right) / Math.max(1, groups.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  groups.forEach((g, gi) => {
    const x0 = M.left + gi * gw + gw * 0.1;
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (!isFinite(v) || v <= 0) return;
      const top = y.at(v);
      const base = log ? H - M.bottom : y.at(0);
      body.push(
        `<rect x="${(x0 + si * bw).toFixed(1)}" y="${Math.min(top, base).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${Math.abs(base - top).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(s.name + ", " + g + ": " + num(v))}</title></rect>`,
      );
    });
    body.push(`<text x="${(x0 + gw * 0.4).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(g)}</text>`);
  });
  if (ref !== undefined) {
    body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y.at(ref).toFixed(1)}" y2="${y.at(ref).toFixed(1)}" stroke="#000" stroke-dasharray="4 3"/>`);
  }
  body.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#4a5568"/>`);
  return frame(title, body, series.map((s) => s.name), yLabel);
}

export interface Line {
  name: string;
  points: [number, number][];
}

export function lineChart(title: string, lines: Line[], xLabel: string, yLabel: string): string {
  const xs = lines.flatMap((l) => l.points.map((p) => p[0])).filter((v) => v > 0);
  const ys = lines.flatMap((l) => l.points.map((p) => p[1])).filter((v) => v > 0);
  const x = scale(xs.length > 0 ? Math.min(...xs) : 1, xs.length > 0 ? Math.max(...xs) : 10, true, M.left, W - M.right);
  const y = scale(ys.length > 0 ? Math.min(...ys) : 1, ys.length > 0 ? Math.max(...ys) : 10, true, H - M.bottom, M.top);
  const body = yAxis(y);
  for (const t of x.ticks) {
    body.push(`<text x="${x.at(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${num(t)}</text>`);
  }
  body.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 16}" text-anchor="middle">${esc(xLabel)}</text>`);
  lines.forEach((l, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = l.points.filter((p) => p[0] > 0 && p[1] > 0).map((p) => x.at(p[0]).toFixed(1) + "," + y.at(p[1]).toFixed(1));
    if (pts.length > 1) body.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of pts) body.push(`<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3" fill="${c}"/>`);
  });
  body.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#4a5568"/>`);
  body.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#4a5568"/>`);
  return frame(title, body, lines.map((l) => l.name), yLabel);
}

/** Every chart the result has data for, by file name. */
export function charts(r: BenchResult): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.host !== undefined && r.host.rows.length > 0) {
    const n = Math.max(...r.host.sizes);
    const rows = r.host.rows.filter((x) => x.n === n);
    out["host-ratios.svg"] = barChart(
      "MoteDB's rate over each other's, " + n + " documents (above 1: MoteDB faster)",
      rows.map((x) => x.op),
      [
        { name: "÷ LokiJS", values: rows.map((x) => x.ratio.LokiJS) },
        { name: "÷ NeDB", values: rows.map((x) => x.ratio.NeDB) },
      ],
      "ratio (log scale)",
      true,
      1,
    );
  }
  if (r.ttl !== undefined && r.ttl.rows.length > 0) {
    const t = r.ttl;
    out["ttl.svg"] = lineChart(
      "Time to expire k records, by database size n",
      t.sizes.map((n) => ({ name: "n = " + n, points: t.rows.filter((x) => x.n === n).map((x) => [x.k, x.ms] as [number, number]) })),
      "k records expired",
      "ms per cleanup() (log)",
    );
  }
  if (r.memory !== undefined && r.memory.rows.length > 0) {
    const m = r.memory.rows;
    out["memory.svg"] = barChart(
      "Bytes per record",
      m.map((x) => x.n + " records"),
      [
        { name: "MoteDB budget", values: m.map((x) => x.budgetPerRecord) },
        { name: "MoteDB heap", values: m.map((x) => x.moteHeapPerRecord) },
        { name: "plain cache heap", values: m.map((x) => x.plainHeapPerRecord) },
      ],
      "bytes",
      false,
    );
  }
  if (r.flash !== undefined && r.flash.rows.length > 0) {
    const f = r.flash;
    const pages = f.rows.map((x) => x.pageSize).filter((p, i, a) => a.indexOf(p) === i);
    out["flash-recovery.svg"] = lineChart(
      "Recovery (open) time by record count",
      pages.map((p) => ({ name: p / 1024 + " KB pages", points: f.rows.filter((x) => x.pageSize === p).map((x) => [x.n, x.recoveryMs] as [number, number]) })),
      "records",
      "ms (log)",
    );
  }
  if (r.sizes !== undefined) {
    const files = r.sizes.files.filter((x) => x.bytes !== null);
    if (files.length > 0) {
      out["sizes.svg"] = barChart(
        "Shipped bundle sizes",
        files.map((x) => x.file.split("/").pop() as string),
        [
          { name: "bytes", values: files.map((x) => x.bytes as number) },
          { name: "gzip -9", values: files.map((x) => x.gzipBytes as number) },
        ],
        "bytes",
        false,
      );
    }
  }
  return out;
}
