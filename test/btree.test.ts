import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BTree, NODE_BYTES, SLOT_BYTES } from "../src/btree";
import { MoteDB } from "../src/index";
import { hostMemory } from "../src/ports/host";
import { ManualClock } from "./helpers";

/** A node: its keys, and its values (a leaf: as many as keys) or its children (one more). */
type Node = { k_: string[]; c_: unknown[] };
const isLeaf = (n: Node) => n.c_.length === n.k_.length;

/** The number of nodes of the tree. */
function countNodes(tree: BTree<number>): number {
  const count = (n: Node): number => (isLeaf(n) ? 1 : (n.c_ as Node[]).reduce((a, kid) => a + count(kid), 1));
  return count(tree.root_ as unknown as Node);
}

/** Check the B+tree's invariants; returns the leaf depth and the number of nodes. */
function check(tree: BTree<number>, fanout: number): { nodes: number } {
  const min = Math.floor(fanout / 2);
  let nodes = 0;
  let leafDepth = -1;
  const visit = (n: Node, lo: string | undefined, hi: string | undefined, depth: number, isRoot: boolean) => {
    nodes++;
    if (!isRoot) expect(n.k_.length).toBeGreaterThanOrEqual(min);
    expect(n.k_.length).toBeLessThanOrEqual(fanout);
    for (let i = 1; i < n.k_.length; i++) expect(n.k_[i - 1] < n.k_[i]).toBe(true);
    for (const k of n.k_) {
      if (lo !== undefined) expect(k >= lo).toBe(true);
      if (hi !== undefined) expect(k < hi).toBe(true);
    }
    if (isLeaf(n)) {
      if (leafDepth < 0) leafDepth = depth;
      expect(depth).toBe(leafDepth);
    } else {
      // An inner node: one child more than keys (a leaf, as many values as keys).
      expect(n.c_.length).toBe(n.k_.length + 1);
      (n.c_ as Node[]).forEach((kid, i) => visit(kid, i === 0 ? lo : n.k_[i - 1], i === n.k_.length ? hi : n.k_[i], depth + 1, false));
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
            const nodes = countNodes(tree);
            expect(tree.remove_(o.k)).toBe(model.get(o.k));
            model.delete(o.k);
            if (countNodes(tree) < nodes) merges++;
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
        const { nodes } = check(tree, fanout);
        // The budget is charged for the bound on nodes, which the real tree never passes.
        const bound = 1 + Math.ceil((2 * model.size) / Math.floor(fanout / 2));
        expect(nodes).toBeLessThanOrEqual(bound);
        let entries = 0;
        for (const [k, v] of model) entries += sizeOf(k, v);
        expect(tree.bytesAt_(tree.size_, tree.entryBytes_)).toBe(bound * NODE_BYTES + model.size * SLOT_BYTES + entries);
      }),
      { numRuns: 300 },
    );
    expect(merges).toBeGreaterThan(100);
  });

  it("walks in key order, and stops when told", () => {
    const tree = new BTree<number>(4, () => 0);
    for (let i = 99; i >= 0; i--) tree.set_("k" + String(i).padStart(3, "0"), i);
    const out: number[] = [];
    expect(
      tree.each_((k, v) => {
        out.push(v);
        return out.length < 5;
      }),
    ).toBe(false);
    expect(out).toEqual([0, 1, 2, 3, 4]);
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
          expect(tree.bytesAt_(tree.size_, tree.entryBytes_)).toBe(predicted);
        }
      }),
    );
  });
});

describe("TTL heap", () => {
  // The heap is MoteDB's (at_, atKey_): records leave it, and emit 'expire', in expiry order.
  it("pops in expiry order", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 300 }), (ats) => {
        const clock = new ManualClock(0);
        const db = new MoteDB({ memory: hostMemory(10_000_000), clock });
        const at: Record<string, number> = {};
        ats.forEach((a, i) => {
          at["k" + i] = a + 1;
          db.put("k" + i, {}, a + 1);
        });
        const out: number[] = [];
        db.on("expire", (k) => out.push(at[k as string]));
        clock.t = 2000;
        expect(db.cleanup()).toBe(ats.length);
        expect(out).toEqual([...ats].map((a) => a + 1).sort((a, b) => a - b));
        expect((db as unknown as { at_: number[] }).at_).toEqual([]);
      }),
    );
  });
});
