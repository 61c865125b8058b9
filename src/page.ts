// A page of the flash log: its header, programmed right after the page is erased, and its
// "obsolete" mark, programmed before garbage collection erases it. docs/FORMAT.md, "Page".

import { readU32, u16, u32, u8 } from "./bytes";
import { crc32 } from "./crc32";
import { E_CORRUPT, moteError } from "./errors";

export const MAGIC = "MOTE";
export const FORMAT_VERSION = 1;
/** magic[4], version u8, granularity u8, reserved u16, page size u32, page count u32, sequence u32, erase count u32, CRC u32. */
export const PAGE_HEADER = 28;

export interface PageHeader {
  seq_: number;
  erases_: number;
}

/** n rounded up to a multiple of g. */
export function align(n: number, g: number): number {
  return Math.ceil(n / g) * g;
}

/** Offset of the obsolete mark in a page: right after the header, padded to the granularity. */
export function markAt(g: number): number {
  return align(PAGE_HEADER, g);
}

/** Offset of the first frame in a page: after the mark, which is one granule. */
export function dataAt(g: number): number {
  return markAt(g) + g;
}

/** Whether every byte of s is 0xFF: erased flash. */
export function blank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 255) return false;
  return true;
}

/** The header bytes, padded with 0xFF to the mark's offset. */
export function encodePageHeader(seq: number, erases: number, pageSize: number, pageCount: number, g: number): string {
  const h = MAGIC + u8(FORMAT_VERSION) + u8(g) + u16(0) + u32(pageSize) + u32(pageCount) + u32(seq) + u32(erases);
  let s = h + u32(crc32(h));
  while (s.length < markAt(g)) s += u8(255);
  return s;
}

/** Pages are at least this large, so page headers sit at multiples of it. */
export const MIN_PAGE_SIZE = 128;

/** The geometry a good page header records, and where it was found. */
export interface ImageGeometry {
  pageSize: number;
  pageCount: number;
  granularity: number;
  version: number;
  at: number;
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
    if (h.substring(0, 4) === MAGIC && crc32(h.substring(0, 24)) === readU32(h, 24)) {
      const pageSize = readU32(h, 8);
      if (pageSize >= MIN_PAGE_SIZE && at % pageSize === 0) {
        return { pageSize: pageSize, pageCount: readU32(h, 12), granularity: h.charCodeAt(5), version: h.charCodeAt(4), at: at };
      }
    }
  }
  return undefined;
}

/** Page states as recovery sees them. */
export const P_BLANK = 0; // header bytes all 0xFF: erased, or erased and cut before its header
export const P_BAD = 1; // a header that fails its CRC: a torn header or erase, or damage
export const P_OBSOLETE = 2; // a good header and the obsolete mark: garbage collection was erasing it
export const P_GOOD = 3;

/**
 * The state of a page from its first dataAt(g) bytes, and its header when the header is good.
 * A good header of a newer format version, or of another geometry, is an image this code must not
 * touch: E_CORRUPT.
 */
export function readPageHeader(s: string, pageSize: number, pageCount: number, g: number): { state: number; h: PageHeader | undefined } {
  const head = s.substring(0, PAGE_HEADER);
  if (blank(head)) return { state: P_BLANK, h: undefined };
  if (head.substring(0, 4) !== MAGIC || crc32(head.substring(0, 24)) !== readU32(head, 24)) return { state: P_BAD, h: undefined };
  const version = head.charCodeAt(4);
  if (version > FORMAT_VERSION) throw moteError(E_CORRUPT, "the flash image has format version " + version + ": update MoteDB");
  if (head.charCodeAt(5) !== g || readU32(head, 8) !== pageSize || readU32(head, 12) !== pageCount) {
    throw moteError(
      E_CORRUPT,
      "image of " + readU32(head, 8) + "x" + readU32(head, 12) + " bytes, granularity " + head.charCodeAt(5) + ": pass that geometry",
    );
  }
  const h = { seq_: readU32(head, 16), erases_: readU32(head, 20) };
  return { state: obsolete(s.substring(markAt(g), markAt(g) + g)) ? P_OBSOLETE : P_GOOD, h: h };
}

/**
 * Whether the mark granule says obsolete: at least half its bits are 0. A torn mark that cleared
 * fewer bits leaves the page live, which is safe (the page is intact until its erase starts, and
 * the erase starts only after the mark is complete); a single flipped bit changes nothing.
 */
export function obsolete(mark: string): boolean {
  let zeros = 0;
  for (let i = 0; i < mark.length; i++) {
    let b = mark.charCodeAt(i);
    for (let k = 0; k < 8; k++) {
      if (b % 2 === 0) zeros++;
      b = Math.floor(b / 2);
    }
  }
  return zeros * 2 >= mark.length * 8;
}
