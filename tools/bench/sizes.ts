// Sizes of what ships to devices: the Espruino bundles and the Lua files, raw and gzipped (the
// raw size is what costs RAM on a board; gzip shows how much is redundancy). A file that is not
// there is reported as not built, not as a failure: the builds may not have run.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export const SHIPPED = ["dist/espruino/motedb.min.js", "dist/espruino/motedb-kv.min.js", "dist/lua/motedb51.lua", "dist/lua/motedb53.lua"];

export interface SizeRow {
  file: string;
  status: "ok" | "not built";
  bytes: number | null;
  gzipBytes: number | null;
  /** When the file was built (ISO time), so a stale build shows. */
  builtAt: string | null;
}

export interface SizesSection {
  files: SizeRow[];
}

export function sizesSection(root: string): SizesSection {
  const files: SizeRow[] = [];
  for (const file of SHIPPED) {
    const path = join(root, file);
    try {
      const body = readFileSync(path);
      files.push({ file, status: "ok", bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length, builtAt: statSync(path).mtime.toISOString() });
    } catch {
      files.push({ file, status: "not built", bytes: null, gzipBytes: null, builtAt: null });
    }
  }
  return { files };
}
