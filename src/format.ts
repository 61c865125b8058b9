// The numbers of the flash format (docs/FORMAT.md), named once. They sit in a module of their own,
// with no imports and nothing but constants, because esbuild inlines such a module's constants into
// the code that uses them: the names cost the Espruino bundle nothing.

/** Bytes of a page header: magic, version, granularity, reserved, page size, page count, sequence, erase count, CRC. */
export const PAGE_HEADER = 28;
/** Bytes of a frame header: kind, flags, index, record count, records' length, flush id, time, CRC. */
export const FRAME_HEADER = 20;
/** A frame's kind byte ("F"). */
export const FRAME_KIND = 0x46;
/** The most bytes of records one frame holds: their length is a u16. */
export const FRAME_MAX = 65535;
/** Bytes of a record header: type, key length, tags length, value length, expiry, CRC. */
export const RECORD_HEADER = 14;

/** Record types: a document stored under a key, a key deleted, every key deleted. */
export const T_PUT = 0x50;
export const T_DEL = 0x44;
export const T_PURGE = 0x58;

/** Page states as recovery sees them. */
export const P_BLANK = 0; // header bytes all 0xFF: erased, or erased and cut before its header
export const P_BAD = 1; // a header that fails its CRC: a torn header or erase, or damage
export const P_OBSOLETE = 2; // a good header and the obsolete mark: garbage collection was erasing it
export const P_GOOD = 3;

/** The latest expiry a record can hold: seconds, unsigned 32-bit (early 2106). */
export const MAX_EXPIRY = 4294967295;
/** Page sizes the format allows: at least 128 bytes, so page headers sit at multiples of it (an
 *  image is found by its headers); the header's field is 32-bit, but 2^24 is far past any NOR page. */
export const MIN_PAGE_SIZE = 128;
export const MAX_PAGE_SIZE = 16777216;

export const FORMAT_VERSION = 1;
export const MAGIC = "MOTE";
