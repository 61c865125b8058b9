// A record: what the index holds for a key. Records are never changed in place: a change makes a
// new record and stores it, so the index's byte count stays true.

export interface Rec {
  /** The document's canonical bytes, when they are in RAM (always in memory mode). */
  v: string | undefined;
  /** Expiry in whole seconds of the database's clock; 0 when the record never expires. */
  x: number;
  /** Tags given at put(), or undefined. */
  g: string[] | undefined;
  /** Where the record sits on flash (address of its header), or -1 while it is only in RAM. */
  at: number;
  /** The document's byte length. */
  n: number;
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
