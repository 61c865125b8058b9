// A frame: one program of the log. A header, then whole records, padded with 0xFF to the
// granularity. A flush is one or more frames with the same flush id, numbered from 0; the last
// carries the LAST flag, and recovery applies a flush only when it has read all its frames.
// docs/FORMAT.md, "Frame".

import { readU16, readU32, u16, u32, u8 } from "./bytes";
import { crc32 } from "./crc32";
import { align, blank } from "./page";
import { RECORD_HEADER, readRecordHead, recordOk } from "./record";

export const FRAME_KIND = 0x46; // "F"
export const F_LAST = 1;
/** kind u8, flags u8, index u16, record count u16, records' length u16, flush id u32, time u32, CRC u32. */
export const FRAME_HEADER = 20;
/** Most bytes of records in one frame: its length field is a u16. Larger pages hold several frames. */
export const MAX_FRAME_BYTES = 65535;

export interface FrameHead {
  last_: boolean;
  index_: number;
  count_: number;
  length_: number;
  flush_: number;
  time_: number;
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
    last_: flags % 2 === 1,
    index_: readU16(s, 2),
    count_: readU16(s, 4),
    length_: readU16(s, 6),
    flush_: readU32(s, 8),
    time_: readU32(s, 12),
  };
}

/** A record found in a frame: where it is, its header, and whether its CRC holds. */
export interface Found {
  at: number;
  type_: number;
  key_: string; // UTF-8 bytes
  tags_: string; // tag bytes
  x: number;
  vlen_: number;
  size_: number;
  ok_: boolean;
}

export type ReadFn = (this: void, addr: number, len: number) => string;

/** What scanning a page found: its frames in order, and where the log in it ends. */
export interface PageScan {
  /** Offset after the last readable frame: where the next frame would go. */
  end_: number;
  /** The page holds bytes past `end` that are not erased (a torn or damaged frame): append nowhere in it. */
  closed_: boolean;
  /** Records whose CRC failed, and frame headers that failed theirs. */
  corrupt_: number;
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
    if (h === undefined || pos + FRAME_HEADER + h.length_ > pageSize) {
      corrupt++;
      closed = true;
      break;
    }
    const recs: Found[] = [];
    let ok = true;
    let at = pos + FRAME_HEADER;
    const stop = at + h.length_;
    while (ok && at + RECORD_HEADER <= stop) {
      const rh = readRecordHead(read(base + at, RECORD_HEADER), 0);
      if (rh === undefined || at + rh.size_ > stop) {
        ok = false;
      } else {
        const r = read(base + at, rh.size_);
        const good = recordOk(r);
        recs.push({
          at: base + at,
          type_: rh.type_,
          key_: r.substring(RECORD_HEADER, RECORD_HEADER + rh.klen_),
          tags_: r.substring(RECORD_HEADER + rh.klen_, RECORD_HEADER + rh.klen_ + rh.tlen_),
          x: rh.x,
          vlen_: rh.vlen_,
          size_: rh.size_,
          ok_: good,
        });
        if (!good) ok = false;
        at += rh.size_;
      }
    }
    if (ok && (at !== stop || recs.length !== h.count_)) ok = false;
    if (!ok) corrupt++;
    onFrame(h, base + pos, recs, ok);
    pos = align(stop, g);
  }
  if (!closed && pos < pageSize && !blankRange(read, base + pos, pageSize - pos)) closed = true;
  return { end_: pos, closed_: closed, corrupt_: corrupt };
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
