// A frame: one program of the log. A header, then whole records, padded with 0xFF to the
// granularity. A flush is one or more frames with the same flush id, numbered from 0; the last
// carries the LAST flag, and recovery applies a flush only when it has read all its frames.
// docs/FORMAT.md, "Frame". The header (20 bytes): kind u8 (0x46), flags u8 (bit 0: LAST), index
// u16, record count u16, records' length u16, flush id u32, time u32, CRC u32. A frame holds at
// most 65,535 bytes of records (the length is a u16): larger pages hold several frames.

import { readU16, readU32, u16, u32, u8 } from "./bytes";
import { crc32 } from "./crc32";
import { FRAME_HEADER, FRAME_KIND, RECORD_HEADER } from "./format";
import { align, blank, withCrc } from "./page";
import { recordOk, recordSize } from "./record";

export interface FrameHead {
  last_: boolean;
  index_: number;
  flush_: number;
  time_: number;
}

/** The header of a frame. */
export function encodeFrameHeader(last: boolean, index: number, count: number, length: number, flush: number, time: number): string {
  return withCrc(u8(FRAME_KIND) + u8(last ? 1 : 0) + u16(index) + u16(count) + u16(length) + u32(flush) + u32(time));
}

/** A record found in a frame: where it is, its bytes and header fields, and whether its CRC holds. */
export interface Found {
  at: number;
  /** The whole record, as read: garbage collection copies it from here rather than read it again. */
  bytes_: string;
  type_: number;
  key_: string; // UTF-8 bytes
  tags_: string; // tag bytes
  x: number;
  vlen_: number;
  size_: number;
  ok_: boolean;
}

export type ReadFn = (this: void, addr: number, len: number) => string;

/** What scanning a page found: where the log in it ends. */
export interface PageScan {
  /** Offset after the last readable frame: where the next frame would go. */
  end_: number;
  /** The page holds bytes past `end` that are not erased (a torn or damaged frame): append nowhere in it. */
  closed_: boolean;
  /** Records whose CRC failed, and frame headers that failed theirs. */
  corrupt_: number;
}

/**
 * Read the frames of the page at `base` from offset `pos`, calling onFrame(head, at, records, ok)
 * for each frame whose header holds (ok: every record in it passed its CRC, they fill the frame
 * and their number matches). Stops at an erased frame header, or at one whose kind or CRC is
 * wrong or that runs past the page, which closes the page.
 */
export function scanPage(
  read: ReadFn,
  base: number,
  pos: number,
  pageSize: number,
  g: number,
  onFrame: (this: void, h: FrameHead, at: number, recs: Found[], ok: boolean) => void,
): PageScan {
  let corrupt = 0;
  while (pos + FRAME_HEADER <= pageSize) {
    const h = read(base + pos, FRAME_HEADER);
    if (blank(h)) break;
    let at = pos + FRAME_HEADER;
    const stop = at + readU16(h, 6);
    if (h.charCodeAt(0) !== FRAME_KIND || crc32(h.substring(0, 16)) !== readU32(h, 16) || stop > pageSize) {
      // A bad header: the log in this page ends here, and the page is closed (it is not erased at pos).
      corrupt++;
      break;
    }
    const recs: Found[] = [];
    let ok = true;
    while (ok && at + RECORD_HEADER <= stop) {
      const n = recordSize(read(base + at, RECORD_HEADER));
      ok = n > 0 && at + n <= stop;
      if (ok) {
        const r = read(base + at, n);
        const k = RECORD_HEADER + r.charCodeAt(1);
        ok = recordOk(r);
        recs.push({ at: base + at, bytes_: r, type_: r.charCodeAt(0), key_: r.substring(RECORD_HEADER, k), tags_: r.substring(k, k + readU16(r, 2)), x: readU32(r, 6), vlen_: readU16(r, 4), size_: n, ok_: ok });
        at += n;
      }
    }
    ok = ok && at === stop && recs.length === readU16(h, 4);
    if (!ok) corrupt++;
    onFrame({ last_: h.charCodeAt(1) % 2 > 0, index_: readU16(h, 2), flush_: readU32(h, 8), time_: readU32(h, 12) }, base + pos, recs, ok);
    pos = align(stop, g);
  }
  // Past the last frame every byte must be erased, or the page is closed (at its very end, no byte is left to check).
  return { end_: pos, closed_: !blankRange(read, base + pos, pageSize - pos), corrupt_: corrupt };
}

/** Whether len bytes from addr are all 0xFF, read in small pieces. */
export function blankRange(read: ReadFn, addr: number, len: number): boolean {
  for (let at = 0; at < len; at += 256) if (!blank(read(addr + at, Math.min(256, len - at)))) return false;
  return true;
}
