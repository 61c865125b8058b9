// A record: what the index holds for a key, and the bytes a record takes on flash.
// Records in the index are never changed in place: a change makes a new record and stores it, so
// the index's byte count stays true.

import { readU16, readU32, u16, u32, u8, utf8 } from "./bytes";
import { crc32 } from "./crc32";
import { encode } from "./codec";

export interface Rec {
  // v and g are left out rather than set to undefined when absent: on Espruino even a property
  // that holds undefined takes a variable, and a record takes about 11.
  /** The document's canonical bytes, when they are in RAM (always in memory mode; cached or buffered in flash mode). */
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

/** Bytes the budget counts for a record: its fields, its key and the bytes it keeps in RAM. */
export const REC_BYTES = 40;

export function recBytes(key: string, r: Rec): number {
  let n = REC_BYTES + key.length + (r.v === undefined ? 0 : r.v.length);
  if (r.g !== undefined) {
    n += 16;
    for (let i = 0; i < r.g.length; i++) n += 8 + r.g[i].length;
  }
  return n;
}

// ---- on flash (docs/FORMAT.md, "Record") ---------------------------------------------------------

/** Record types: a document stored under a key, a key deleted, every key deleted. */
export const T_PUT = 0x50;
export const T_DEL = 0x44;
export const T_PURGE = 0x58;

/** type u8, key length u8, tags length u16, value length u16, expiry u32, CRC-32 u32. */
export const RECORD_HEADER = 14;

/** The bytes that encode a tag list on flash: none, or the codec's encoding of the array. */
export function tagBytes(g: string[] | undefined): string {
  return g === undefined ? "" : encode(g, Infinity);
}

/** Bytes of the record of `value` (canonical bytes, "" for a delete) under key with tags bytes `tags`. */
export function recordSize(key: string, tags: string, value: string): number {
  return RECORD_HEADER + utf8(key).length + tags.length + value.length;
}

/** The bytes of a record. The CRC covers every byte of it but the CRC field itself. */
export function encodeRecord(type: number, key: string, x: number, tags: string, value: string): string {
  const k = utf8(key);
  const head = u8(type) + u8(k.length) + u16(tags.length) + u16(value.length) + u32(x);
  const rest = k + tags + value;
  return head + u32(crc32(rest, crc32(head))) + rest;
}

/** A record's header, read before its body. */
export interface RecordHead {
  type_: number;
  klen_: number;
  tlen_: number;
  vlen_: number;
  x: number;
  /** Bytes of the whole record. */
  size_: number;
}

/** Parse the header at `at` of s (RECORD_HEADER bytes there), or undefined when its type is unknown. */
export function readRecordHead(s: string, at: number): RecordHead | undefined {
  const type = s.charCodeAt(at);
  if (type !== T_PUT && type !== T_DEL && type !== T_PURGE) return undefined;
  const klen = s.charCodeAt(at + 1);
  const tlen = readU16(s, at + 2);
  const vlen = readU16(s, at + 4);
  return { type_: type, klen_: klen, tlen_: tlen, vlen_: vlen, x: readU32(s, at + 6), size_: RECORD_HEADER + klen + tlen + vlen };
}

/** Whether the whole record `r` (exactly its bytes) carries a CRC that matches. */
export function recordOk(r: string): boolean {
  return crc32(r.substring(RECORD_HEADER), crc32(r.substring(0, 10))) === readU32(r, 10);
}
