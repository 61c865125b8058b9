// An ordered B+tree of string keys that accounts for its own bytes.
//
// Leaves hold keys and values; inner nodes hold separator keys and children, where every key in
// kids[i] is below keys[i] and every key in kids[i+1] is at or above it. A node holds at most
// `fanout` keys and, except the root, at least half as many (`min`). Operations recurse once a
// level: a tree of fan-out 32 is 4 levels deep at a million keys.
//
// The tree's bytes are the RAM budget's view of it: what `sizeOf` says each entry holds, a fixed
// cost a key slot, and a fixed cost for each node it may need. Nodes are counted by their bound,
// not their number: with at least `min` keys in every node but the root, n keys never need more
// than 1 + 2n/min nodes. So the count depends on the number of keys alone, a write's cost is known
// exactly before it is made, and the real structure never outgrows what the budget was charged.

/** Bytes counted for a node and for each key slot in it (arrays, pointers, interpreter overhead). */
export const NODE_BYTES = 48;
export const SLOT_BYTES = 16;

class BNode<V> {
  keys: string[];
  vals: V[] | undefined; // a leaf's values, parallel to keys
  kids: BNode<V>[] | undefined; // an inner node's children: keys.length + 1 of them
  constructor(keys: string[], vals: V[] | undefined, kids: BNode<V>[] | undefined) {
    this.keys = keys;
    this.vals = vals;
    this.kids = kids;
  }
}

interface Split<V> {
  sep: string;
  right: BNode<V>;
}

/** First index whose key is >= k. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > k: the child of an inner node that may hold k. */
function upperBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class BTree<V> {
  fanout: number;
  min: number;
  root: BNode<V>;
  size: number;
  nodes: number;
  entryBytes: number;
  sizeOf: (this: void, key: string, v: V) => number;

  constructor(fanout: number, sizeOf: (this: void, key: string, v: V) => number) {
    this.fanout = fanout < 4 ? 4 : fanout;
    this.min = Math.floor(this.fanout / 2);
    this.sizeOf = sizeOf;
    this.root = new BNode<V>([], [], undefined);
    this.size = 0;
    this.nodes = 1;
    this.entryBytes = 0;
  }

  /** The bytes the tree holds: its entries, their slots and the nodes they may need. */
  bytes(): number {
    return this.bytesAt(this.size, this.entryBytes);
  }

  /** What bytes() would be with `size` keys whose entries hold `entryBytes`. */
  bytesAt(size: number, entryBytes: number): number {
    return (1 + Math.ceil((2 * size) / this.min)) * NODE_BYTES + size * SLOT_BYTES + entryBytes;
  }

  get(key: string): V | undefined {
    let n = this.root;
    while (n.kids !== undefined) n = n.kids[upperBound(n.keys, key)];
    const i = lowerBound(n.keys, key);
    return i < n.keys.length && n.keys[i] === key ? (n.vals as V[])[i] : undefined;
  }

  /** Store v under key; returns the value it replaced. */
  set(key: string, v: V): V | undefined {
    const r = this.insert(this.root, key, v);
    if (r.split !== undefined) {
      this.root = new BNode<V>([r.split.sep], undefined, [this.root, r.split.right]);
      this.nodes++;
    }
    const old = r.old;
    if (old === undefined) this.size++;
    else this.entryBytes -= this.sizeOf(key, old);
    this.entryBytes += this.sizeOf(key, v);
    return old;
  }

  private insert(n: BNode<V>, key: string, v: V): { old: V | undefined; split: Split<V> | undefined } {
    if (n.kids === undefined) {
      const vals = n.vals as V[];
      const i = lowerBound(n.keys, key);
      if (i < n.keys.length && n.keys[i] === key) {
        const old = vals[i];
        vals[i] = v;
        return { old: old, split: undefined };
      }
      n.keys.splice(i, 0, key);
      vals.splice(i, 0, v);
      return { old: undefined, split: n.keys.length > this.fanout ? this.splitLeaf(n) : undefined };
    }
    const i = upperBound(n.keys, key);
    const r = this.insert(n.kids[i], key, v);
    if (r.split !== undefined) {
      n.keys.splice(i, 0, r.split.sep);
      n.kids.splice(i + 1, 0, r.split.right);
      r.split = n.keys.length > this.fanout ? this.splitInner(n) : undefined;
    }
    return r;
  }

  private splitLeaf(n: BNode<V>): Split<V> {
    const mid = Math.floor(n.keys.length / 2);
    const right = new BNode<V>(n.keys.slice(mid), (n.vals as V[]).slice(mid), undefined);
    n.keys = n.keys.slice(0, mid);
    n.vals = (n.vals as V[]).slice(0, mid);
    this.nodes++;
    return { sep: right.keys[0], right: right };
  }

  private splitInner(n: BNode<V>): Split<V> {
    const kids = n.kids as BNode<V>[];
    const mid = Math.floor(n.keys.length / 2);
    const sep = n.keys[mid];
    const right = new BNode<V>(n.keys.slice(mid + 1), undefined, kids.slice(mid + 1));
    n.keys = n.keys.slice(0, mid);
    n.kids = kids.slice(0, mid + 1);
    this.nodes++;
    return { sep: sep, right: right };
  }

  /** Remove key; returns the value it held, or undefined. */
  remove(key: string): V | undefined {
    const old = this.drop(this.root, key);
    if (old === undefined) return undefined;
    const r = this.root;
    if (r.kids !== undefined && r.keys.length === 0) {
      this.root = r.kids[0];
      this.nodes--;
    }
    this.size--;
    this.entryBytes -= this.sizeOf(key, old);
    return old;
  }

  private drop(n: BNode<V>, key: string): V | undefined {
    if (n.kids === undefined) {
      const i = lowerBound(n.keys, key);
      if (i >= n.keys.length || n.keys[i] !== key) return undefined;
      const old = (n.vals as V[])[i];
      n.keys.splice(i, 1);
      (n.vals as V[]).splice(i, 1);
      return old;
    }
    const i = upperBound(n.keys, key);
    const old = this.drop(n.kids[i], key);
    if (old !== undefined && n.kids[i].keys.length < this.min) this.rebalance(n, i);
    return old;
  }

  /** Child i of parent p has too few keys: borrow one from a sibling that can spare it, else merge. */
  private rebalance(p: BNode<V>, i: number): void {
    const kids = p.kids as BNode<V>[];
    const c = kids[i];
    const left = i > 0 ? kids[i - 1] : undefined;
    const right = i + 1 < kids.length ? kids[i + 1] : undefined;
    if (left !== undefined && left.keys.length > this.min) {
      if (c.kids === undefined) {
        c.keys.unshift(left.keys.pop() as string);
        (c.vals as V[]).unshift((left.vals as V[]).pop() as V);
        p.keys[i - 1] = c.keys[0];
      } else {
        c.keys.unshift(p.keys[i - 1]);
        c.kids.unshift((left.kids as BNode<V>[]).pop() as BNode<V>);
        p.keys[i - 1] = left.keys.pop() as string;
      }
    } else if (right !== undefined && right.keys.length > this.min) {
      if (c.kids === undefined) {
        c.keys.push(right.keys.shift() as string);
        (c.vals as V[]).push((right.vals as V[]).shift() as V);
        p.keys[i] = right.keys[0];
      } else {
        c.keys.push(p.keys[i]);
        c.kids.push((right.kids as BNode<V>[]).shift() as BNode<V>);
        p.keys[i] = right.keys.shift() as string;
      }
    } else if (left !== undefined) {
      this.merge(p, i - 1);
    } else if (right !== undefined) {
      this.merge(p, i);
    }
  }

  /** Merge child i + 1 of p into child i. */
  private merge(p: BNode<V>, i: number): void {
    const kids = p.kids as BNode<V>[];
    const a = kids[i];
    const b = kids[i + 1];
    if (a.kids === undefined) {
      a.keys = a.keys.concat(b.keys);
      a.vals = (a.vals as V[]).concat(b.vals as V[]);
    } else {
      a.keys = a.keys.concat([p.keys[i]], b.keys);
      a.kids = a.kids.concat(b.kids as BNode<V>[]);
    }
    p.keys.splice(i, 1);
    kids.splice(i + 1, 1);
    this.nodes--;
  }

  /**
   * Visit entries in key order from the first key >= `from` (or the first key); stop when `fn`
   * returns false. The tree must not change during the walk.
   */
  each(fn: (key: string, v: V) => boolean | void, from?: string): void {
    this.walk(this.root, fn, from);
  }

  private walk(n: BNode<V>, fn: (key: string, v: V) => boolean | void, from: string | undefined): boolean {
    if (n.kids === undefined) {
      const vals = n.vals as V[];
      for (let i = from === undefined ? 0 : lowerBound(n.keys, from); i < n.keys.length; i++) {
        if (fn(n.keys[i], vals[i]) === false) return false;
      }
      return true;
    }
    for (let i = from === undefined ? 0 : upperBound(n.keys, from); i < n.kids.length; i++) {
      if (!this.walk(n.kids[i], fn, from)) return false;
    }
    return true;
  }

  /** The greatest key, or undefined when empty. */
  last(): string | undefined {
    let n = this.root;
    while (n.kids !== undefined) n = n.kids[n.kids.length - 1];
    return n.keys.length > 0 ? n.keys[n.keys.length - 1] : undefined;
  }

  clear(): void {
    this.root = new BNode<V>([], [], undefined);
    this.size = 0;
    this.nodes = 1;
    this.entryBytes = 0;
  }
}
