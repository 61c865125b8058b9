// A binary min-heap of (expiry, key): the order in which records' time runs out.
//
// Two parallel arrays instead of an object a node: on Espruino every object costs variables.
// Overwrites and deletes do not search the heap; their old entries stay and are recognised as stale
// when they surface (the caller compares the expiry with the record's own). When stale entries
// outnumber live ones the caller rebuilds the heap, so it never holds more than twice what it must.

/** Bytes the budget counts for each heap entry. */
export const HEAP_ENTRY_BYTES = 16;

export class TtlHeap {
  at_: number[];
  keys_: string[];

  constructor() {
    this.at_ = [];
    this.keys_ = [];
  }

  size_(): number {
    return this.at_.length;
  }

  bytes_(): number {
    return this.at_.length * HEAP_ENTRY_BYTES;
  }

  push_(at: number, key: string): void {
    this.at_.push(at);
    this.keys_.push(key);
    let i = this.at_.length - 1;
    while (i > 0) {
      const p = Math.floor((i - 1) / 2);
      if (this.at_[p] <= at) break;
      this.swap_(i, p);
      i = p;
    }
  }

  /** The earliest expiry, or Infinity when empty. */
  peekAt_(): number {
    return this.at_.length > 0 ? this.at_[0] : Infinity;
  }

  peekKey_(): string {
    return this.keys_[0];
  }

  pop_(): void {
    const last = this.at_.length - 1;
    this.swap_(0, last);
    this.at_.pop();
    this.keys_.pop();
    let i = 0;
    const n = this.at_.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.at_[l] < this.at_[m]) m = l;
      if (r < n && this.at_[r] < this.at_[m]) m = r;
      if (m === i) break;
      this.swap_(i, m);
      i = m;
    }
  }

  clear_(): void {
    this.at_ = [];
    this.keys_ = [];
  }

  private swap_(i: number, j: number): void {
    const a = this.at_[i];
    this.at_[i] = this.at_[j];
    this.at_[j] = a;
    const k = this.keys_[i];
    this.keys_[i] = this.keys_[j];
    this.keys_[j] = k;
  }
}
