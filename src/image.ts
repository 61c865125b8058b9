// Reading a flash image without opening a database: what the `motedb` command and tests use to
// list pages, frames and records, and to find CRC problems. It only reads, never repairs.

import { fromUtf8 } from "./utf8";
import { decode } from "./codec";
import { errorCode } from "./errors";
import { readU16 } from "./bytes";
import { Found, FrameHead, scanPage } from "./frame";
import { FRAME_HEADER } from "./format";
import { sortBySeq } from "./log";
import { dataAt, P_BAD, readPageHeader } from "./page";
import { Flash } from "./ports";
import { T_DEL, T_PUT } from "./record";

export interface ImageFrame {
  at: number;
  flush: number;
  index: number;
  last: boolean;
  count: number;
  length: number;
  time: number;
  /** Every record in the frame passed its CRC. */
  ok: boolean;
}

export interface ImageRecord {
  at: number;
  page: number;
  type: string; // "put", "delete" or "purge"
  key: string;
  expiry: number;
  tags: string[] | undefined;
  /** The document, when the record is a put whose CRC holds. */
  value: unknown;
  valueBytes: number;
  size: number;
  flush: number;
  ok: boolean;
}

export interface ImagePage {
  page: number;
  /** "data", "free" (erased, with a header), "obsolete", "blank" (no header) or "bad" (a header that fails its CRC). */
  state: string;
  seq: number;
  erases: number;
  /** Offset where the next frame would go, and whether damage or a torn frame ends the page early. */
  end: number;
  closed: boolean;
  frames: ImageFrame[];
}

export interface Image {
  pageSize: number;
  pageCount: number;
  granularity: number;
  pages: ImagePage[];
  /** Records of data pages in log order (pages by sequence number). */
  records: ImageRecord[];
  problems: string[];
}

const STATES = ["blank", "bad", "obsolete", "data"];

/** Everything an image holds, page by page; CRC failures are listed in `problems`, not thrown. */
export function inspectImage(flash: Flash): Image {
  const P = flash.pageSize;
  const G = flash.granularity;
  const D0 = dataAt(G);
  const read = function (addr: number, len: number): string {
    return flash.read(addr, len);
  };
  const pages: ImagePage[] = [];
  const problems: string[] = [];
  for (let p = 0; p < flash.pageCount; p++) {
    let state = P_BAD;
    let seq = 0;
    let erases = 0;
    try {
      const r = readPageHeader(read(p * P, D0), P, flash.pageCount, G);
      state = r.state;
      if (r.h !== undefined) {
        seq = r.h.seq_;
        erases = r.h.erases_;
      }
    } catch (e) {
      // A good header of another geometry or a newer format: that is the problem, not its CRC.
      problems.push("page " + p + ": " + (errorCode(e) !== undefined ? (e as Error).message : String(e)));
      state = -1;
    }
    pages.push({ page: p, state: STATES[state < 0 ? P_BAD : state], seq: seq, erases: erases, end: D0, closed: false, frames: [] });
    if (state === P_BAD) problems.push("page " + p + ": its header fails its CRC");
  }
  // Data pages in log order, as recovery reads them.
  const nums: number[] = [];
  const seqs: number[] = [];
  for (let i = 0; i < pages.length; i++) {
    seqs.push(pages[i].seq);
    if (pages[i].state === "data") nums.push(i);
  }
  sortBySeq(nums, seqs);
  const order: ImagePage[] = [];
  for (let i = 0; i < nums.length; i++) order.push(pages[nums[i]]);
  const records: ImageRecord[] = [];
  for (let i = 0; i < order.length; i++) {
    const pg = order[i];
    const s = scanPage(read, pg.page * P, D0, P, G, function (h: FrameHead, at: number, recs: Found[], ok: boolean) {
      // The record count and length are read here: the log itself needs neither.
      const hb = read(at, FRAME_HEADER);
      pg.frames.push({ at: at, flush: h.flush_, index: h.index_, last: h.last_, count: readU16(hb, 4), length: readU16(hb, 6), time: h.time_, ok: ok });
      if (!ok) problems.push("frame at " + at + " (flush " + h.flush_ + "): a record fails its CRC or the frame is cut short");
      for (let k = 0; k < recs.length; k++) {
        const f = recs[k];
        let value: unknown = undefined;
        let tags: string[] | undefined = undefined;
        if (f.ok_) {
          if (f.tags_.length > 0) tags = decode(f.tags_) as string[];
          if (f.type_ === T_PUT) value = decode(read(f.at + f.size_ - f.vlen_, f.vlen_));
        }
        records.push({
          at: f.at,
          page: pg.page,
          type: f.type_ === T_PUT ? "put" : f.type_ === T_DEL ? "delete" : "purge",
          key: fromUtf8(f.key_),
          expiry: f.x,
          tags: tags,
          value: value,
          valueBytes: f.vlen_,
          size: f.size_,
          flush: h.flush_,
          ok: f.ok_,
        });
      }
    });
    pg.end = s.end_;
    pg.closed = s.closed_;
    // Erased after its header, as recovery sees it: a page whose first frame is damaged is closed, not free.
    if (pg.frames.length === 0 && !s.closed_) pg.state = "free";
    if (s.closed_) problems.push("page " + pg.page + ": bytes past offset " + s.end_ + " are neither a frame nor erased");
  }
  return { pageSize: P, pageCount: flash.pageCount, granularity: G, pages: pages, records: records, problems: problems };
}


