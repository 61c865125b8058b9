// An ordered B+tree of string keys that accounts for its own bytes.
//
// A node holds sorted keys and one array of items: in a leaf, the keys' values (as many as keys);
// in an inner node, its children (one more than keys), where every key in child i is below key i
// and every key in child i + 1 is at or above it. A node holds at most `fanout` keys and, except
// the root, at least half as many (`min`). A write recurses once a level and fixes each child on its
// way back: one that grew past `fanout` is split, one that fell below `min` is merged with a
// neighbour (and split again when that makes it too large). A tree of fan-out 32 is 4 levels deep at
// a million keys.
//
// The tree's bytes are the RAM budget's view of it: what `sizeOf` says each entry holds, a fixed
// cost a key slot, and a fixed cost for each node it may need. Nodes are counted by their bound,
// not their number: with at least `min` keys in every node but the root, n keys never need more
// than 1 + 2n/min nodes. So the count depends on the number of keys alone, a write's cost is known
// exactly before it is made, and the real structure never outgrows what the budget was charged.

/** Bytes counted for a node and for each key slot in it (arrays, pointers, interpreter overhead). */
export const NODE_BYTES = 48;
export const SLOT_BYTES = 16;

/** A node: its keys, and its values (a leaf) or its children (an inner node). */
interface BNode<V> {
  k_: string[];
  c_: (V | BNode<V>)[];
}

/** The first index whose key is above k: in an inner node, the child that may hold k. */
function bound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// A class for its callers (`new BTree(fanout, sizeOf)`), whose methods are closures made by the
// constructor: they share the fan-out, the minimum and sizeOf as locals rather than fields.
export class BTree<V> {
  // Every field is set by the constructor, through `self` (hence the !).
  root_!: BNode<V>;
  size_!: number;
  entryBytes_!: number;
  /** The bytes the tree holds with `size` keys whose entries hold `entryBytes`: its entries, their slots and the nodes they may need. */
  bytesAt_!: (this: void, size: number, entryBytes: number) => number;
  get_!: (this: void, key: string) => V | undefined;
  /** Store v under key, or with v undefined remove key; returns the value it replaced. */
  set_!: (this: void, key: string, v?: V) => V | undefined;
  /** Remove key; returns the value it held, or undefined. set_() itself: a function more would cost RAM. */
  remove_!: (this: void, key: string) => V | undefined;
  /**
   * Visit entries in key order (from node n, the root when n is left out); stop when `fn` returns
   * false (then return false). The tree must not change during the walk.
   */
  each_!: (this: void, fn: (this: void, key: string, v: V) => boolean | void, n?: BNode<V>) => boolean;
  clear_!: (this: void) => void;

  /** fanout: at least 4 (btreePagesize is at least 64). */
  constructor(fanout: number, sizeOf: (this: void, key: string, v: V) => number) {
    const self = this;
    /** Every node but the root holds at least this many keys. */
    const min = Math.floor(fanout / 2);

    self.bytesAt_ = function (size: number, entryBytes: number): number {
      return (1 + Math.ceil((2 * size) / min)) * NODE_BYTES + size * SLOT_BYTES + entryBytes;
    };

    self.get_ = function (key: string): V | undefined {
      let n = self.root_;
      let i = bound(n.k_, key);
      // Down the children that may hold key, to the leaf.
      for (; n.c_.length > n.k_.length; i = bound(n.k_, key)) n = n.c_[i] as BNode<V>;
      return n.k_[i - 1] === key ? (n.c_[i - 1] as V) : undefined;
    };

    /** set_() under node n. */
    const put = function (n: BNode<V>, key: string, v: V | undefined): V | undefined {
      const keys = n.k_;
      const items = n.c_;
      let i = bound(keys, key);
      let old: V | undefined = undefined;
      if (items.length === keys.length) {
        // A leaf: an overwrite is a removal and an insertion at the same place.
        if (keys[i - 1] === key) {
          old = items[--i] as V;
          keys.splice(i, 1);
          items.splice(i, 1);
        }
        if (v !== undefined) {
          keys.splice(i, 0, key);
          items.splice(i, 0, v);
        }
        return old;
      }
      old = put(items[i] as BNode<V>, key, v);
      let c = items[i] as BNode<V>;
      if (c.k_.length < min && items.length > 1) {
        // Too few keys: merge child i with a neighbour, the separator between them coming down
        // into an inner node.
        if (i > 0) i--;
        c = items[i] as BNode<V>;
        const b = items[i + 1] as BNode<V>;
        c.k_ = c.k_.concat(c.c_.length > c.k_.length ? [keys[i]] : [], b.k_);
        c.c_ = c.c_.concat(b.c_);
        keys.splice(i, 1);
        items.splice(i + 1, 1);
      }
      const len = c.k_.length;
      if (len > fanout) {
        // Too many: the upper half moves to a new right neighbour. An inner node's middle key
        // moves up as the separator; a leaf's right half starts with a copy of it.
        const inner = c.c_.length > len ? 1 : 0;
        const half = Math.floor(len / 2);
        const rk = c.k_.splice(half);
        const rc = c.c_.splice(half + inner);
        keys.splice(i, 0, inner > 0 ? (rk.shift() as string) : rk[0]);
        items.splice(i + 1, 0, { k_: rk, c_: rc });
      }
      return old;
    };

    self.set_ = self.remove_ = function (key: string, v?: V): V | undefined {
      // The root is the one child of a node above it, so that the root is split like any other node.
      let r: BNode<V> = { k_: [], c_: [self.root_] };
      const old = put(r, key, v);
      // Then the root is the highest node with a key (or the leaf, when the tree is empty).
      while (r.k_.length === 0 && r.c_.length > 0) r = r.c_[0] as BNode<V>;
      self.root_ = r;
      if (old !== undefined) {
        self.size_--;
        self.entryBytes_ -= sizeOf(key, old);
      }
      if (v !== undefined) {
        self.size_++;
        self.entryBytes_ += sizeOf(key, v);
      }
      return old;
    };

    const each = (self.each_ = function (fn: (this: void, key: string, v: V) => boolean | void, n?: BNode<V>): boolean {
      const m = n || self.root_;
      const leaf = m.c_.length === m.k_.length;
      return m.c_.every(function (c, i) {
        return leaf ? fn(m.k_[i], c as V) !== false : each(fn, c as BNode<V>);
      });
    });

    (self.clear_ = function (): void {
      self.root_ = { k_: [], c_: [] };
      self.size_ = self.entryBytes_ = 0;
    })();
  }
}
