// A binary min-heap of (expiry, key): the order in which records' time runs out.
//
// Two parallel arrays instead of an object a node: on Espruino every object costs variables.
// Overwrites and deletes do not search the heap; their old entries stay and are recognised as stale
// when they surface (the caller compares the expiry with the record's own). When stale entries
// outnumber live ones the caller rebuilds the heap, so it never holds more than twice what it must.

/** Bytes the budget counts for each heap entry. */
export const HEAP_ENTRY_BYTES = 16;

export class TtlHeap {
  at: number[];
  keys: string[];

  constructor() {
    this.at = [];
    this.keys = [];
  }

  size(): number {
    return this.at.length;
  }

  bytes(): number {
    return this.at.length * HEAP_ENTRY_BYTES;
  }

  push(at: number, key: string): void {
    this.at.push(at);
    this.keys.push(key);
    let i = this.at.length - 1;
    while (i > 0) {
      const p = Math.floor((i - 1) / 2);
      if (this.at[p] <= at) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** The earliest expiry, or Infinity when empty. */
  peekAt(): number {
    return this.at.length > 0 ? this.at[0] : Infinity;
  }

  peekKey(): string {
    return this.keys[0];
  }

  pop(): void {
    const last = this.at.length - 1;
    this.swap(0, last);
    this.at.pop();
    this.keys.pop();
    let i = 0;
    const n = this.at.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.at[l] < this.at[m]) m = l;
      if (r < n && this.at[r] < this.at[m]) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  clear(): void {
    this.at = [];
    this.keys = [];
  }

  private swap(i: number, j: number): void {
    const a = this.at[i];
    this.at[i] = this.at[j];
    this.at[j] = a;
    const k = this.keys[i];
    this.keys[i] = this.keys[j];
    this.keys[j] = k;
  }
}
