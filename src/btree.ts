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
  keys_: string[];
  vals_: V[] | undefined; // a leaf's values, parallel to keys
  kids_: BNode<V>[] | undefined; // an inner node's children: keys.length + 1 of them
  constructor(keys: string[], vals: V[] | undefined, kids: BNode<V>[] | undefined) {
    this.keys_ = keys;
    this.vals_ = vals;
    this.kids_ = kids;
  }
}

interface Split<V> {
  sep_: string;
  right_: BNode<V>;
}

/**
 * First index whose key is >= k, or with `upper` the first whose key is > k: the child of an inner
 * node that may hold k.
 */
function bound(keys: string[], k: string, upper: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (keys[mid] < k || (upper && keys[mid] === k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class BTree<V> {
  fanout_: number;
  min_: number;
  root_: BNode<V>;
  size_: number;
  nodes_: number;
  entryBytes_: number;
  sizeOf_: (this: void, key: string, v: V) => number;

  constructor(fanout: number, sizeOf: (this: void, key: string, v: V) => number) {
    this.fanout_ = fanout < 4 ? 4 : fanout;
    this.min_ = Math.floor(this.fanout_ / 2);
    this.sizeOf_ = sizeOf;
    this.root_ = new BNode<V>([], [], undefined);
    this.size_ = 0;
    this.nodes_ = 1;
    this.entryBytes_ = 0;
  }

  /** The bytes the tree holds: its entries, their slots and the nodes they may need. */
  bytes_(): number {
    return this.bytesAt_(this.size_, this.entryBytes_);
  }

  /** What bytes() would be with `size` keys whose entries hold `entryBytes`. */
  bytesAt_(size: number, entryBytes: number): number {
    return (1 + Math.ceil((2 * size) / this.min_)) * NODE_BYTES + size * SLOT_BYTES + entryBytes;
  }

  get_(key: string): V | undefined {
    let n = this.root_;
    while (n.kids_ !== undefined) n = n.kids_[bound(n.keys_, key, true)];
    const i = bound(n.keys_, key, false);
    return i < n.keys_.length && n.keys_[i] === key ? (n.vals_ as V[])[i] : undefined;
  }

  /** Store v under key; returns the value it replaced. */
  set_(key: string, v: V): V | undefined {
    const r = this.insert_(this.root_, key, v);
    if (r.split !== undefined) {
      this.root_ = new BNode<V>([r.split.sep_], undefined, [this.root_, r.split.right_]);
      this.nodes_++;
    }
    const old = r.old;
    if (old === undefined) this.size_++;
    else this.entryBytes_ -= this.sizeOf_(key, old);
    this.entryBytes_ += this.sizeOf_(key, v);
    return old;
  }

  private insert_(n: BNode<V>, key: string, v: V): { old: V | undefined; split: Split<V> | undefined } {
    if (n.kids_ === undefined) {
      const vals = n.vals_ as V[];
      const i = bound(n.keys_, key, false);
      if (i < n.keys_.length && n.keys_[i] === key) {
        const old = vals[i];
        vals[i] = v;
        return { old: old, split: undefined };
      }
      n.keys_.splice(i, 0, key);
      vals.splice(i, 0, v);
      return { old: undefined, split: n.keys_.length > this.fanout_ ? this.splitLeaf_(n) : undefined };
    }
    const i = bound(n.keys_, key, true);
    const r = this.insert_(n.kids_[i], key, v);
    if (r.split !== undefined) {
      n.keys_.splice(i, 0, r.split.sep_);
      n.kids_.splice(i + 1, 0, r.split.right_);
      r.split = n.keys_.length > this.fanout_ ? this.splitInner_(n) : undefined;
    }
    return r;
  }

  private splitLeaf_(n: BNode<V>): Split<V> {
    const mid = Math.floor(n.keys_.length / 2);
    const right = new BNode<V>(n.keys_.slice(mid), (n.vals_ as V[]).slice(mid), undefined);
    n.keys_ = n.keys_.slice(0, mid);
    n.vals_ = (n.vals_ as V[]).slice(0, mid);
    this.nodes_++;
    return { sep_: right.keys_[0], right_: right };
  }

  private splitInner_(n: BNode<V>): Split<V> {
    const kids = n.kids_ as BNode<V>[];
    const mid = Math.floor(n.keys_.length / 2);
    const sep = n.keys_[mid];
    const right = new BNode<V>(n.keys_.slice(mid + 1), undefined, kids.slice(mid + 1));
    n.keys_ = n.keys_.slice(0, mid);
    n.kids_ = kids.slice(0, mid + 1);
    this.nodes_++;
    return { sep_: sep, right_: right };
  }

  /** Remove key; returns the value it held, or undefined. */
  remove_(key: string): V | undefined {
    const old = this.drop_(this.root_, key);
    if (old === undefined) return undefined;
    const r = this.root_;
    if (r.kids_ !== undefined && r.keys_.length === 0) {
      this.root_ = r.kids_[0];
      this.nodes_--;
    }
    this.size_--;
    this.entryBytes_ -= this.sizeOf_(key, old);
    return old;
  }

  private drop_(n: BNode<V>, key: string): V | undefined {
    if (n.kids_ === undefined) {
      const i = bound(n.keys_, key, false);
      if (i >= n.keys_.length || n.keys_[i] !== key) return undefined;
      const old = (n.vals_ as V[])[i];
      n.keys_.splice(i, 1);
      (n.vals_ as V[]).splice(i, 1);
      return old;
    }
    const i = bound(n.keys_, key, true);
    const old = this.drop_(n.kids_[i], key);
    if (old !== undefined && n.kids_[i].keys_.length < this.min_) this.rebalance_(n, i);
    return old;
  }

  /** Child i of parent p has too few keys: borrow one from a sibling that can spare it, else merge. */
  private rebalance_(p: BNode<V>, i: number): void {
    const kids = p.kids_ as BNode<V>[];
    const c = kids[i];
    const left = i > 0 ? kids[i - 1] : undefined;
    const right = i + 1 < kids.length ? kids[i + 1] : undefined;
    if (left !== undefined && left.keys_.length > this.min_) {
      if (c.kids_ === undefined) {
        c.keys_.unshift(left.keys_.pop() as string);
        (c.vals_ as V[]).unshift((left.vals_ as V[]).pop() as V);
        p.keys_[i - 1] = c.keys_[0];
      } else {
        c.keys_.unshift(p.keys_[i - 1]);
        c.kids_.unshift((left.kids_ as BNode<V>[]).pop() as BNode<V>);
        p.keys_[i - 1] = left.keys_.pop() as string;
      }
    } else if (right !== undefined && right.keys_.length > this.min_) {
      if (c.kids_ === undefined) {
        c.keys_.push(right.keys_.shift() as string);
        (c.vals_ as V[]).push((right.vals_ as V[]).shift() as V);
        p.keys_[i] = right.keys_[0];
      } else {
        c.keys_.push(p.keys_[i]);
        c.kids_.push((right.kids_ as BNode<V>[]).shift() as BNode<V>);
        p.keys_[i] = right.keys_.shift() as string;
      }
    } else if (left !== undefined) {
      this.merge(p, i - 1);
    } else if (right !== undefined) {
      this.merge(p, i);
    }
  }

  /** Merge child i + 1 of p into child i. */
  private merge(p: BNode<V>, i: number): void {
    const kids = p.kids_ as BNode<V>[];
    const a = kids[i];
    const b = kids[i + 1];
    if (a.kids_ === undefined) {
      a.keys_ = a.keys_.concat(b.keys_);
      a.vals_ = (a.vals_ as V[]).concat(b.vals_ as V[]);
    } else {
      a.keys_ = a.keys_.concat([p.keys_[i]], b.keys_);
      a.kids_ = a.kids_.concat(b.kids_ as BNode<V>[]);
    }
    p.keys_.splice(i, 1);
    kids.splice(i + 1, 1);
    this.nodes_--;
  }

  /**
   * Visit entries in key order from the first key >= `from` (or the first key); stop when `fn`
   * returns false. The tree must not change during the walk.
   */
  each_(fn: (key: string, v: V) => boolean | void, from?: string): void {
    this.walk(this.root_, fn, from);
  }

  private walk(n: BNode<V>, fn: (key: string, v: V) => boolean | void, from: string | undefined): boolean {
    if (n.kids_ === undefined) {
      const vals = n.vals_ as V[];
      for (let i = from === undefined ? 0 : bound(n.keys_, from, false); i < n.keys_.length; i++) {
        if (fn(n.keys_[i], vals[i]) === false) return false;
      }
      return true;
    }
    for (let i = from === undefined ? 0 : bound(n.keys_, from, true); i < n.kids_.length; i++) {
      if (!this.walk(n.kids_[i], fn, from)) return false;
    }
    return true;
  }

  /** The greatest key, or undefined when empty. */
  last_(): string | undefined {
    let n = this.root_;
    while (n.kids_ !== undefined) n = n.kids_[n.kids_.length - 1];
    return n.keys_.length > 0 ? n.keys_[n.keys_.length - 1] : undefined;
  }

  clear_(): void {
    this.root_ = new BNode<V>([], [], undefined);
    this.size_ = 0;
    this.nodes_ = 1;
    this.entryBytes_ = 0;
  }
}
