import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // fast-check's default size keeps generated arrays to about ten items, whatever maxLength says:
    // too few to split and merge B-tree nodes or fill flash pages. See test/setup.ts.
    setupFiles: ["test/setup.ts"],
  },
});
