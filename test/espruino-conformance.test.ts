// The conformance script (firmware/conformance.ts) on Node with the host ports and SimFlash: every
// case must pass here before it means anything on a device (npm run test:device).
import { expect, it } from "vitest";
import { runOnNode } from "../tools/conformance";

it("passes every conformance case on Node", async () => {
  const r = await runOnNode();
  expect(r.lines.filter((l) => l.startsWith("FAIL"))).toEqual([]);
  expect(r.failed).toBe(0);
  expect(r.passed).toBeGreaterThanOrEqual(20);
  expect(r.lines[r.lines.length - 1]).toMatch(/^\d+ passed, 0 failed$/);
});
