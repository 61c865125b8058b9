// A page of the flash log: its header, programmed right after the page is erased, and its
// "obsolete" mark, programmed before garbage collection erases it. docs/FORMAT.md, "Page".
// The header: magic "MOTE", version u8, granularity u8, reserved u16, page size u32, page count
// u32, sequence u32, erase count u32, CRC u32 (28 bytes), padded with 0xFF to a granule.

import { fill, readU32, u16, u32, u8 } from "./bytes";
import { crc32 } from "./crc32";
import { E_CORRUPT, fail } from "./errors";
import { FORMAT_VERSION, MAGIC, MIN_PAGE_SIZE, P_BAD, P_BLANK, P_GOOD, P_OBSOLETE, PAGE_HEADER } from "./format";

export { FORMAT_VERSION, MAGIC, P_BAD, P_BLANK, P_GOOD, P_OBSOLETE };

export interface PageHeader {
  seq_: number;
  erases_: number;
}

/** n rounded up to a multiple of g. */
export function align(n: number, g: number): number {
  return Math.ceil(n / g) * g;
}

/** Offset of the first frame in a page: after the header and the mark, each padded to a granule. */
export function dataAt(g: number): number {
  return align(PAGE_HEADER, g) + g;
}

/** Whether every byte of s is 0xFF: erased flash. */
export function blank(s: string): boolean {
  return s === fill(255, s.length);
}

/** The bytes of s followed by their CRC-32: a page or frame header. */
export function withCrc(s: string): string {
  return s + u32(crc32(s));
}

/** The header bytes, padded with 0xFF to the mark's offset. */
export function encodePageHeader(seq: number, erases: number, pageSize: number, pageCount: number, g: number): string {
  return withCrc(MAGIC + u8(FORMAT_VERSION) + u8(g) + u16(0) + u32(pageSize) + u32(pageCount) + u32(seq) + u32(erases)) + fill(255, align(PAGE_HEADER, g) - PAGE_HEADER);
}

/** The geometry a good page header records, and where it was found. */
export interface ImageGeometry {
  pageSize: number;
  pageCount: number;
  granularity: number;
  version: number;
  at: number;
}

/** Whether the header at the start of h holds a good magic and CRC. */
function goodHeader(h: string): boolean {
  return h.substring(0, 4) === MAGIC && crc32(h.substring(0, 24)) === readU32(h, 24);
}

/**
 * The geometry an image of `size` bytes records: that of the first page header, at a multiple of
 * MIN_PAGE_SIZE and at the start of a page of its own size, whose magic and CRC hold. An image
 * describes itself, so tools and adapters can open one without being told its geometry; a torn or
 * damaged header is passed over rather than believed.
 */
export function imageGeometry(read: (this: void, at: number, len: number) => string, size: number): ImageGeometry | undefined {
  for (let at = 0; at + PAGE_HEADER <= size; at += MIN_PAGE_SIZE) {
    const h = read(at, PAGE_HEADER);
    if (goodHeader(h)) {
      const pageSize = readU32(h, 8);
      if (pageSize >= MIN_PAGE_SIZE && at % pageSize === 0) {
        return { pageSize: pageSize, pageCount: readU32(h, 12), granularity: h.charCodeAt(5), version: h.charCodeAt(4), at: at };
      }
    }
  }
  return undefined;
}

/**
 * The state of a page from its first dataAt(g) bytes (P_BLANK, P_BAD, P_OBSOLETE or P_GOOD), and
 * its header when the header is good. A good header of a newer format version, or of another
 * geometry, is an image this code must not touch: E_CORRUPT. The page is obsolete when at least
 * half the bits of its mark granule are 0: a torn mark that cleared fewer leaves the page live,
 * which is safe (the page is intact until its erase starts, and the erase starts only after the
 * mark is complete); one flipped bit changes nothing.
 */
export function readPageHeader(s: string, pageSize: number, pageCount: number, g: number): { state: number; h?: PageHeader } {
  // The header's fields are read where they sit, at the start of s.
  if (!goodHeader(s)) return { state: blank(s.substring(0, PAGE_HEADER)) ? P_BLANK : P_BAD };
  // The version and geometry the image records.
  const v = s.charCodeAt(4);
  const imageG = s.charCodeAt(5);
  const imageP = readU32(s, 8);
  const imageN = readU32(s, 12);
  if (v > FORMAT_VERSION) fail(E_CORRUPT, "image format version " + v + ": update MoteDB");
  if (imageG !== g || imageP !== pageSize || imageN !== pageCount) {
    fail(E_CORRUPT, "image of " + imageP + "x" + imageN + " bytes, granularity " + imageG);
  }
  // Count the 1 bits of the mark.
  const m = align(PAGE_HEADER, g);
  let ones = 0;
  for (let i = m; i < m + g; i++) {
    for (let b = s.charCodeAt(i); b > 0; b = Math.floor(b / 2)) ones += b % 2;
  }
  return { state: ones > g * 4 ? P_GOOD : P_OBSOLETE, h: { seq_: readU32(s, 16), erases_: readU32(s, 20) } };
}
