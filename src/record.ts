// A record: what the index holds for a key, and the bytes a record takes on flash.
// A put makes a new record; what the budget counts of it (recBytes: its key, value and tags) never
// changes in place, so the index's byte count stays true. Flash mode does update in place what the
// budget does not count: its place (`at`, when garbage collection moves it), its size on flash
// (`s`, when admitted), and the cached value (store.ts, counted by the cache itself).

import { readU16, readU32, u16, u32, u8 } from "./bytes";
import { utf8 } from "./utf8";
import { crc32 } from "./crc32";
import { encode } from "./codec";
import { RECORD_HEADER, T_DEL, T_PURGE, T_PUT } from "./format";

export interface Rec {
  // v and g are left out rather than set to undefined when absent: on Espruino even a property
  // that holds undefined takes a variable, and a record takes about 11.
  /** The document's canonical bytes, when the index holds them: always in memory mode; in flash mode while buffered (a cached value is store.ts's c_). */
  v?: string;
  /** Expiry in whole seconds of the database's clock; 0 when the record never expires. */
  x: number;
  /** Tags given at put(), or undefined. */
  g?: string[];
  /** Where the record sits on flash (address of its header), or -1 while it is only in RAM. */
  at: number;
  /** The document's byte length. */
  n: number;
  /** Bytes the record takes on flash (header, key, tags, value); 0 in memory mode. */
  s: number;
}

/** A record; v and g only when they are there. */
export function rec(v: string | undefined, x: number, g: string[] | undefined, at: number, n: number, s: number): Rec {
  const r: Rec = { x: x, at: at, n: n, s: s };
  if (v !== undefined) r.v = v;
  if (g !== undefined) r.g = g;
  return r;
}

/**
 * Bytes the budget counts for a record: its fields, its key and the bytes it keeps in RAM; for
 * tags, 16 for the list, 8 and its length for each tag.
 */
export function recBytes(key: string, r: Rec): number {
  // A local constant: esbuild inlines it (a top-level one of a module with imports stays a variable).
  const REC_BYTES = 40;
  const g = r.g;
  return REC_BYTES + key.length + (r.v || "").length + (g === undefined ? 0 : 16 + 8 * g.length + g.join("").length);
}

// ---- on flash (docs/FORMAT.md, "Record") ---------------------------------------------------------
// type u8, key length u8, tags length u16, value length u16, expiry u32, CRC-32 u32 (14 bytes),
// then the key (UTF-8), the tags and the value.

/** Record types: a document stored under a key, a key deleted, every key deleted. */
export { T_DEL, T_PURGE, T_PUT };

/** The bytes that encode a tag list on flash: none, or the codec's encoding of the array. */
export function tagBytes(g: string[] | undefined): string {
  return g === undefined ? "" : encode(g, Infinity);
}

/**
 * The bytes of a record of `type` under `key`: a put of r (its expiry, tags and value), or with no
 * r a delete or a purge. The CRC covers every byte of the record but the CRC field itself.
 */
export function encodeRecord(type: number, key: string, r?: Rec): string {
  const k = utf8(key);
  const t = tagBytes(r && r.g);
  const v = r ? (r.v as string) : "";
  const head = u8(type) + u8(k.length) + u16(t.length) + u16(v.length) + u32(r ? r.x : 0);
  const body = k + t + v;
  return head + u32(crc32(head + body)) + body;
}

/** The size of the record whose header starts s (at least RECORD_HEADER bytes), or 0 when its type is unknown. */
export function recordSize(s: string): number {
  return [T_PUT, T_DEL, T_PURGE].indexOf(s.charCodeAt(0)) < 0 ? 0 : RECORD_HEADER + s.charCodeAt(1) + readU16(s, 2) + readU16(s, 4);
}

/** Whether r is exactly the bytes of one record whose CRC holds. */
export function recordOk(r: string): boolean {
  return recordSize(r) === r.length && crc32(r.substring(0, 10) + r.substring(RECORD_HEADER)) === readU32(r, 10);
}
