// A frame: one program of the log. A header, then whole records, padded with 0xFF to the
// granularity. A flush is one or more frames with the same flush id, numbered from 0; the last
// carries the LAST flag, and recovery applies a flush only when it has read all its frames.
// docs/FORMAT.md, "Frame".

import { readU16, readU32, u16, u32, u8 } from "./bytes";
import { crc32 } from "./crc32";
import { blank } from "./page";
import { RECORD_HEADER, readRecordHead, recordOk } from "./record";

export const FRAME_KIND = 0x46; // "F"
export const F_LAST = 1;
/** kind u8, flags u8, index u16, record count u16, records' length u16, flush id u32, time u32, CRC u32. */
export const FRAME_HEADER = 20;

export interface FrameHead {
  last: boolean;
  index: number;
  count: number;
  length: number;
  flush: number;
  time: number;
}

export function encodeFrameHeader(last: boolean, index: number, count: number, length: number, flush: number, time: number): string {
  const h = u8(FRAME_KIND) + u8(last ? F_LAST : 0) + u16(index) + u16(count) + u16(length) + u32(flush) + u32(time);
  return h + u32(crc32(h));
}

/** A frame header from its FRAME_HEADER bytes, or undefined when its CRC or kind is wrong. */
export function readFrameHeader(s: string): FrameHead | undefined {
  if (s.charCodeAt(0) !== FRAME_KIND || crc32(s.substring(0, 16)) !== readU32(s, 16)) return undefined;
  const flags = s.charCodeAt(1);
  return {
    last: flags % 2 === 1,
    index: readU16(s, 2),
    count: readU16(s, 4),
    length: readU16(s, 6),
    flush: readU32(s, 8),
    time: readU32(s, 12),
  };
}

/** A record found in a frame: where it is, its header, and whether its CRC holds. */
export interface Found {
  at: number;
  type: number;
  key: string; // UTF-8 bytes
  tags: string; // tag bytes
  x: number;
  vlen: number;
  size: number;
  ok: boolean;
}

export type ReadFn = (this: void, addr: number, len: number) => string;

/** What scanning a page found: its frames in order, and where the log in it ends. */
export interface PageScan {
  /** Offset after the last readable frame: where the next frame would go. */
  end: number;
  /** The page holds bytes past `end` that are not erased (a torn or damaged frame): append nowhere in it. */
  closed: boolean;
  /** Records whose CRC failed, and frame headers that failed theirs. */
  corrupt: number;
}

/**
 * Read the frames of the page at `base` from offset `from`, calling onFrame(head, records, ok) for
 * each frame whose header holds (ok: every record in it passed its CRC and the count matches).
 * Stops at an erased frame header or at one that fails its CRC.
 */
export function scanPage(
  read: ReadFn,
  base: number,
  from: number,
  pageSize: number,
  g: number,
  onFrame: (this: void, h: FrameHead, at: number, recs: Found[], ok: boolean) => void,
): PageScan {
  let pos = from;
  let corrupt = 0;
  let closed = false;
  while (pos + FRAME_HEADER <= pageSize) {
    const hb = read(base + pos, FRAME_HEADER);
    if (blank(hb)) break;
    const h = readFrameHeader(hb);
    if (h === undefined || pos + FRAME_HEADER + h.length > pageSize) {
      corrupt++;
      closed = true;
      break;
    }
    const recs: Found[] = [];
    let ok = true;
    let at = pos + FRAME_HEADER;
    const stop = at + h.length;
    while (ok && at + RECORD_HEADER <= stop) {
      const rh = readRecordHead(read(base + at, RECORD_HEADER), 0);
      if (rh === undefined || at + rh.size > stop) {
        ok = false;
      } else {
        const r = read(base + at, rh.size);
        const good = recordOk(r);
        recs.push({
          at: base + at,
          type: rh.type,
          key: r.substring(RECORD_HEADER, RECORD_HEADER + rh.klen),
          tags: r.substring(RECORD_HEADER + rh.klen, RECORD_HEADER + rh.klen + rh.tlen),
          x: rh.x,
          vlen: rh.vlen,
          size: rh.size,
          ok: good,
        });
        if (!good) ok = false;
        at += rh.size;
      }
    }
    if (ok && (at !== stop || recs.length !== h.count)) ok = false;
    if (!ok) corrupt++;
    onFrame(h, base + pos, recs, ok);
    pos = Math.ceil((stop) / g) * g;
  }
  if (!closed && pos < pageSize && !blankRange(read, base + pos, pageSize - pos)) closed = true;
  return { end: pos, closed: closed, corrupt: corrupt };
}

/** Whether len bytes from addr are all 0xFF, read in small pieces. */
export function blankRange(read: ReadFn, addr: number, len: number): boolean {
  let at = 0;
  while (at < len) {
    const n = len - at < 256 ? len - at : 256;
    if (!blank(read(addr + at, n))) return false;
    at += n;
  }
  return true;
}
