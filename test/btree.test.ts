import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BTree, NODE_BYTES, SLOT_BYTES } from "../src/btree";
import { TtlHeap } from "../src/heap";

type Node = { keys: string[]; vals?: unknown[]; kids?: Node[] };

/** Check the B+tree's invariants; returns the leaf depth and the number of nodes. */
function check(tree: BTree<number>): { nodes: number } {
  let nodes = 0;
  let leafDepth = -1;
  const visit = (n: Node, lo: string | undefined, hi: string | undefined, depth: number, isRoot: boolean) => {
    nodes++;
    if (!isRoot) expect(n.keys.length).toBeGreaterThanOrEqual(tree.min);
    expect(n.keys.length).toBeLessThanOrEqual(tree.fanout);
    for (let i = 1; i < n.keys.length; i++) expect(n.keys[i - 1] < n.keys[i]).toBe(true);
    for (const k of n.keys) {
      if (lo !== undefined) expect(k >= lo).toBe(true);
      if (hi !== undefined) expect(k < hi).toBe(true);
    }
    if (n.kids === undefined) {
      expect(n.vals!.length).toBe(n.keys.length);
      if (leafDepth < 0) leafDepth = depth;
      expect(depth).toBe(leafDepth);
    } else {
      expect(n.kids.length).toBe(n.keys.length + 1);
      n.kids.forEach((kid, i) => visit(kid, i === 0 ? lo : n.keys[i - 1], i === n.keys.length ? hi : n.keys[i], depth + 1, false));
    }
  };
  visit(tree.root as unknown as Node, undefined, undefined, 0, true);
  return { nodes };
}

const op = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), k: fc.string({ maxLength: 3 }), v: fc.nat(1000) }),
  fc.record({ kind: fc.constant("remove" as const), k: fc.string({ maxLength: 3 }), v: fc.constant(0) }),
);

describe("B-tree", () => {
  it("behaves as a sorted map and keeps its invariants and byte count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 9 }), fc.array(op, { maxLength: 400 }), (fanout, ops) => {
        const sizeOf = (k: string, v: number) => k.length + (v % 7);
        const tree = new BTree<number>(fanout, sizeOf);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === "set") {
            expect(tree.set(o.k, o.v)).toBe(model.get(o.k));
            model.set(o.k, o.v);
          } else {
            expect(tree.remove(o.k)).toBe(model.get(o.k));
            model.delete(o.k);
          }
        }
        const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const seen: [string, number][] = [];
        tree.each((k, v) => {
          seen.push([k, v]);
        });
        expect(seen).toEqual(sorted.map((k) => [k, model.get(k)]));
        for (const k of sorted) expect(tree.get(k)).toBe(model.get(k));
        expect(tree.size).toBe(model.size);
        expect(tree.last()).toBe(sorted[sorted.length - 1]);
        const { nodes } = check(tree);
        expect(tree.nodes).toBe(nodes);
        // The budget is charged for the bound on nodes, which the real tree never passes.
        const bound = 1 + Math.ceil((2 * model.size) / tree.min);
        expect(nodes).toBeLessThanOrEqual(bound);
        let entries = 0;
        for (const [k, v] of model) entries += sizeOf(k, v);
        expect(tree.bytes()).toBe(bound * NODE_BYTES + model.size * SLOT_BYTES + entries);
      }),
      { numRuns: 300 },
    );
  });

  it("walks from a key, and stops when told", () => {
    const tree = new BTree<number>(4, () => 0);
    for (let i = 0; i < 100; i++) tree.set("k" + String(i).padStart(3, "0"), i);
    const out: number[] = [];
    tree.each((k, v) => {
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
          const old = tree.get(k);
          const size = tree.size + (old === undefined ? 1 : 0);
          const entries = tree.entryBytes - (old === undefined ? 0 : k.length + old) + k.length + v;
          const predicted = tree.bytesAt(size, entries);
          tree.set(k, v);
          expect(tree.bytes()).toBe(predicted);
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
        ats.forEach((a, i) => h.push(a, "k" + i));
        const out: number[] = [];
        while (h.size() > 0) {
          out.push(h.peekAt());
          h.pop();
        }
        expect(out).toEqual([...ats].sort((a, b) => a - b));
        expect(h.peekAt()).toBe(Infinity);
      }),
    );
  });
});
