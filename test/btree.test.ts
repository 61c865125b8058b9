import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BTree, NODE_BYTES, SLOT_BYTES } from "../src/btree";
import { TtlHeap } from "../src/heap";

type Node = { keys_: string[]; vals_?: unknown[]; kids_?: Node[] };

/** Check the B+tree's invariants; returns the leaf depth and the number of nodes. */
function check(tree: BTree<number>): { nodes: number } {
  let nodes = 0;
  let leafDepth = -1;
  const visit = (n: Node, lo: string | undefined, hi: string | undefined, depth: number, isRoot: boolean) => {
    nodes++;
    if (!isRoot) expect(n.keys_.length).toBeGreaterThanOrEqual(tree.min_);
    expect(n.keys_.length).toBeLessThanOrEqual(tree.fanout_);
    for (let i = 1; i < n.keys_.length; i++) expect(n.keys_[i - 1] < n.keys_[i]).toBe(true);
    for (const k of n.keys_) {
      if (lo !== undefined) expect(k >= lo).toBe(true);
      if (hi !== undefined) expect(k < hi).toBe(true);
    }
    if (n.kids_ === undefined) {
      expect(n.vals_!.length).toBe(n.keys_.length);
      if (leafDepth < 0) leafDepth = depth;
      expect(depth).toBe(leafDepth);
    } else {
      expect(n.kids_.length).toBe(n.keys_.length + 1);
      n.kids_.forEach((kid, i) => visit(kid, i === 0 ? lo : n.keys_[i - 1], i === n.keys_.length ? hi : n.keys_[i], depth + 1, false));
    }
  };
  visit(tree.root_ as unknown as Node, undefined, undefined, 0, true);
  return { nodes };
}

// Keys from a small alphabet, so that removes hit keys that are there.
const key = fc.string({ unit: fc.constantFrom("a", "b", "c", "d"), maxLength: 4 });
const op = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), k: key, v: fc.nat(1000) }),
  fc.record({ kind: fc.constant("remove" as const), k: key, v: fc.constant(0) }),
);

describe("B-tree", () => {
  it("behaves as a sorted map and keeps its invariants and byte count", () => {
    let merges = 0; // removes that took a node away: proof the runs reach borrowing and merging
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 9 }), fc.array(op, { maxLength: 400, size: "max" }), (fanout, ops) => {
        const sizeOf = (k: string, v: number) => k.length + (v % 7);
        const tree = new BTree<number>(fanout, sizeOf);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === "set") {
            expect(tree.set_(o.k, o.v)).toBe(model.get(o.k));
            model.set(o.k, o.v);
          } else {
            const nodes = tree.nodes_;
            expect(tree.remove_(o.k)).toBe(model.get(o.k));
            model.delete(o.k);
            if (tree.nodes_ < nodes) merges++;
          }
        }
        const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const seen: [string, number][] = [];
        tree.each_((k, v) => {
          seen.push([k, v]);
        });
        expect(seen).toEqual(sorted.map((k) => [k, model.get(k)]));
        for (const k of sorted) expect(tree.get_(k)).toBe(model.get(k));
        expect(tree.size_).toBe(model.size);
        expect(tree.last_()).toBe(sorted[sorted.length - 1]);
        const { nodes } = check(tree);
        expect(tree.nodes_).toBe(nodes);
        // The budget is charged for the bound on nodes, which the real tree never passes.
        const bound = 1 + Math.ceil((2 * model.size) / tree.min_);
        expect(nodes).toBeLessThanOrEqual(bound);
        let entries = 0;
        for (const [k, v] of model) entries += sizeOf(k, v);
        expect(tree.bytes_()).toBe(bound * NODE_BYTES + model.size * SLOT_BYTES + entries);
      }),
      { numRuns: 300 },
    );
    expect(merges).toBeGreaterThan(100);
  });

  it("walks from a key, and stops when told", () => {
    const tree = new BTree<number>(4, () => 0);
    for (let i = 0; i < 100; i++) tree.set_("k" + String(i).padStart(3, "0"), i);
    const out: number[] = [];
    tree.each_((k, v) => {
      out.push(v);
      return out.length < 5;
    }, "k050");
    expect(out).toEqual([50, 51, 52, 53, 54]);
  });

  it("knows what a write will cost before it is made", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.nat(50)), { maxLength: 300 }), (pairs) => {
        const tree = new BTree<number>(4, (k, v) => k.length + v);
        for (const [k, v] of pairs) {
          const old = tree.get_(k);
          const size = tree.size_ + (old === undefined ? 1 : 0);
          const entries = tree.entryBytes_ - (old === undefined ? 0 : k.length + old) + k.length + v;
          const predicted = tree.bytesAt_(size, entries);
          tree.set_(k, v);
          expect(tree.bytes_()).toBe(predicted);
        }
      }),
    );
  });
});

describe("TTL heap", () => {
  it("pops in expiry order", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 300 }), (ats) => {
        const h = new TtlHeap();
        ats.forEach((a, i) => h.push_(a, "k" + i));
        const out: number[] = [];
        while (h.size_() > 0) {
          out.push(h.peekAt_());
          h.pop_();
        }
        expect(out).toEqual([...ats].sort((a, b) => a - b));
        expect(h.peekAt_()).toBe(Infinity);
      }),
    );
  });
});
