// The Lua side of the cross-runtime image test: write the dataset into an image file, or dump the
// image file's contents, through the release entry and NodeMCU's file API (on the test shim).
// test-entry.ts runs it.
// The runner script sets the globals IMAGE_MODE ("write" or "dump"), IMAGE_NAME and, for a new
// image, IMAGE_PAGE_SIZE, IMAGE_PAGE_COUNT and IMAGE_GRANULARITY.

import * as motedb from "../../src/ports/lua-entry";
import { dump, ImageDb, writeDataset } from "./image-data";

declare function print(this: void, line: string): void;
declare const IMAGE_MODE: string;
declare const IMAGE_NAME: string;
declare const IMAGE_PAGE_SIZE: number | undefined;
declare const IMAGE_PAGE_COUNT: number | undefined;
declare const IMAGE_GRANULARITY: number | undefined;

const env = {
  open: function (options: Record<string, unknown>): ImageDb {
    return motedb.new(options) as unknown as ImageDb;
  },
  nil: motedb.null,
  print: function (line: string): void {
    print(line);
  },
};
export function runImage(): void {
  const flash = motedb.flash({ name: IMAGE_NAME, pageSize: IMAGE_PAGE_SIZE, pageCount: IMAGE_PAGE_COUNT, granularity: IMAGE_GRANULARITY });
  if (IMAGE_MODE === "write") writeDataset(env, flash);
  else dump(env, flash);
}
