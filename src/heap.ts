// The TTL heap: which records' time runs out first. A binary min-heap of (expiry, key) in two
// parallel arrays that MoteDB keeps (its at_ and atKey), since on Espruino every object costs
// variables. MoteDB pushes and pops with sift(). Overwrites and deletes do not search it: their
// entries stay, and are recognised as stale when they surface (the record's expiry differs).
// MoteDB rebuilds it from the index when stale entries outnumber live ones, so it never holds
// more than twice what it must.

/** Bytes the RAM budget counts for each entry. */
export const HEAP_ENTRY_BYTES = 16;

/** When MoteDB's rebuild() makes the heap anew: when stale entries outnumber live ones (amortised O(1)
 *  a write), when there are any (a write needs room, housekeeping), or always. */
export const IF_MOSTLY_STALE = 0;
export const IF_STALE = 1;
export const ALWAYS = 2;

/**
 * Put (at, k) into slot i of the heap, a free one: its end (a push) or its root (a pop, the last
 * entry taken out), and move it up or down to its place.
 */
export function sift(A: number[], K: string[], at: number, k: string, i: number): void {
  const n = A.length;
  for (;;) {
    const p = Math.floor((i - 1) / 2);
    let c = 2 * i + 1;
    if (c + 1 < n && A[c + 1] < A[c]) c++;
    if (i > 0 && A[p] > at) c = p;
    else if (!(c < n && A[c] < at)) break;
    A[i] = A[c];
    K[i] = K[c];
    i = c;
  }
  A[i] = at;
  K[i] = k;
}
