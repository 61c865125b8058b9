// `motedb wear --svg`: a picture of a flash image, one column per page. The upper chart is the
// page's erase count (even wear is what the log's ring is for); the lower one is what the page
// holds: live records, garbage that collection would reclaim, and erased room.
// Hand-written SVG 1.1 with no script, fonts or CSS beyond presentation attributes, so that any
// viewer (a browser, rsvg-convert, an image preview) draws the same thing.

export interface WearPage {
  page: number;
  /** data, head, free, obsolete, bad, blank... as the image reader names it. */
  state: string;
  erases: number;
  live: number;
  garbage: number;
  /** Bytes the page can hold for records (the page less its header). */
  capacity: number;
}

const COLORS = { erase: "#4c72b0", live: "#55a868", garbage: "#dd8452", room: "#e5e5e5", text: "#222", axis: "#888", bad: "#c44e52" };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function rect(x: number, y: number, w: number, h: number, fill: string, title?: string): string {
  const r = `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${fill}"`;
  return title === undefined ? r + "/>" : r + "><title>" + esc(title) + "</title></rect>";
}

function text(x: number, y: number, s: string, size: number, anchor = "start", fill = COLORS.text): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="sans-serif" font-size="${size}" text-anchor="${anchor}" fill="${fill}">${esc(s)}</text>`;
}

/** The SVG text for these pages; `title` names the image. */
export function wearSvg(title: string, pages: WearPage[]): string {
  const n = Math.max(1, pages.length);
  const col = Math.max(4, Math.min(48, Math.floor(760 / n)));
  const gap = col >= 12 ? 2 : col >= 6 ? 1 : 0;
  const left = 70;
  const plotW = n * col;
  const width = Math.max(640, left + plotW + 30);
  const eraseTop = 70;
  const eraseH = 150;
  const useTop = eraseTop + eraseH + 60;
  const useH = 150;
  const height = useTop + useH + 70;
  const minErases = pages.length > 0 ? Math.min(...pages.map((p) => p.erases)) : 0;
  const mostErases = pages.length > 0 ? Math.max(...pages.map((p) => p.erases)) : 0;
  // The chart's scale: at least 1, so that a fresh image draws empty bars instead of dividing by 0.
  const maxErases = Math.max(1, mostErases);
  const live = pages.reduce((s, p) => s + p.live, 0);
  const garbage = pages.reduce((s, p) => s + p.garbage, 0);
  const cap = pages.reduce((s, p) => s + p.capacity, 0);
  const pct = (x: number) => (cap > 0 ? ((100 * x) / cap).toFixed(1) : "0.0") + "%";

  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  out.push(rect(0, 0, width, height, "#ffffff"));
  out.push(text(left, 28, "MoteDB flash wear: " + title, 16));
  out.push(
    text(left, 48, `${pages.length} pages; erases ${minErases}..${mostErases}; live ${pct(live)}, garbage ${pct(garbage)}, erased room ${pct(cap - live - garbage)}`, 12, "start", COLORS.axis),
  );

  // Erase counts.
  out.push(text(left - 8, eraseTop + 4, String(maxErases), 11, "end", COLORS.axis));
  out.push(text(left - 8, eraseTop + eraseH + 4, "0", 11, "end", COLORS.axis));
  out.push(text(12, eraseTop + eraseH / 2, "erases", 12, "start"));
  out.push(`<line x1="${left}" y1="${eraseTop + eraseH}" x2="${left + plotW}" y2="${eraseTop + eraseH}" stroke="${COLORS.axis}"/>`);
  for (let i = 0; i < pages.length; i++) {
    const p = pages[i];
    const h = (eraseH * p.erases) / maxErases;
    const color = p.state === "bad" ? COLORS.bad : COLORS.erase;
    out.push(rect(left + i * col, eraseTop + eraseH - h, col - gap, h, color, `page ${p.page} (${p.state}): ${p.erases} erases`));
  }

  // Utilisation: live, garbage, erased room, bottom up.
  out.push(text(left - 8, useTop + 4, "100%", 11, "end", COLORS.axis));
  out.push(text(left - 8, useTop + useH + 4, "0%", 11, "end", COLORS.axis));
  out.push(text(12, useTop + useH / 2, "use", 12, "start"));
  for (let i = 0; i < pages.length; i++) {
    const p = pages[i];
    const x = left + i * col;
    const c = Math.max(1, p.capacity);
    const lh = (useH * Math.min(p.live, c)) / c;
    const gh = (useH * Math.min(p.garbage, c - Math.min(p.live, c))) / c;
    const tip = `page ${p.page} (${p.state}): ${p.live} B live, ${p.garbage} B garbage, ${Math.max(0, p.capacity - p.live - p.garbage)} B erased of ${p.capacity} B`;
    out.push(rect(x, useTop, col - gap, useH, p.state === "bad" ? COLORS.bad : COLORS.room, tip));
    out.push(rect(x, useTop + useH - lh, col - gap, lh, COLORS.live, tip));
    out.push(rect(x, useTop + useH - lh - gh, col - gap, gh, COLORS.garbage, tip));
  }

  // Page numbers: every page when they fit, else every fifth or tenth.
  const every = col >= 16 ? 1 : col >= 8 ? 5 : 10;
  for (let i = 0; i < pages.length; i += every) {
    out.push(text(left + i * col + (col - gap) / 2, useTop + useH + 16, String(pages[i].page), 10, "middle", COLORS.axis));
  }
  out.push(text(left + plotW / 2, useTop + useH + 32, "page", 11, "middle", COLORS.axis));

  // Legend.
  const ly = height - 18;
  const items: [string, string][] = [
    [COLORS.erase, "erase count"],
    [COLORS.live, "live records"],
    [COLORS.garbage, "garbage"],
    [COLORS.room, "erased room"],
    [COLORS.bad, "bad page"],
  ];
  let lx = left;
  for (const [color, label] of items) {
    out.push(rect(lx, ly - 10, 12, 12, color));
    out.push(text(lx + 16, ly, label, 11));
    lx += 28 + label.length * 6.5;
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}
