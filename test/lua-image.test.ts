// One format on every runtime: a flash image written on Node opens in Lua (5.1 and 5.3) with
// identical contents, and an image written in Lua opens on Node. Images travel as plain files of
// raw flash bytes, page after page: FileFlash on Node, the NodeMCU adapter's image file in Lua.

import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MoteDB } from "../src/index";
import { FileFlash } from "../src/ports/fileflash";
import { dump, ImageDb, ImageEnv, writeDataset } from "./lua/image-data";
import { bundle, runLua, tempDir, VERSIONS } from "./lua/lua";

const ENTRY = join(__dirname, "lua/test-entry.ts");

function nodeEnv(lines: string[]): ImageEnv {
  return {
    open: (options) => new MoteDB(options) as unknown as ImageDb,
    nil: null,
    print: (line) => {
      lines.push(line);
    },
  };
}

/** Write the dataset on Node into a new image file of this geometry. */
function writeOnNode(path: string, pageSize: number, pageCount: number, granularity: number): void {
  const f = new FileFlash(path, { pageSize, pageCount, granularity });
  writeDataset(nodeEnv([]), f);
  f.close();
}

/** Open an image file on Node (geometry from its headers) and dump it. */
function dumpOnNode(path: string): string[] {
  const lines: string[] = [];
  const f = new FileFlash(path);
  dump(nodeEnv(lines), f);
  f.close();
  return lines;
}

function runImage(version: "5.1" | "5.3", cwd: string, globals: string): string[] {
  // The entry reads its globals when the bundle runs: set them before loading it.
  const r = runLuaWith(version, cwd, globals);
  expect(r.stderr).toBe("");
  return r.lines;
}

function runLuaWith(version: "5.1" | "5.3", cwd: string, globals: string) {
  return runLua(version, bundle(version, ENTRY), "", cwd, 'LUA_TEST = "image"; ' + globals);
}

/** The dataset as a database in RAM holds it, dumped: what every image must contain. */
let expected: string[] = [];

beforeAll(() => {
  const dir = tempDir("image-expected");
  const path = join(dir, "expected.img");
  writeOnNode(path, 4096, 16, 4);
  expected = dumpOnNode(path);
  for (const version of VERSIONS) bundle(version, ENTRY);
}, 120000);

describe("flash images cross between Node and Lua", () => {
  it("the dataset survives a reopen on Node", () => {
    expect(expected.length).toBeGreaterThan(100);
    expect(expected[0]).toBe("at T0+0: 67 records, count 67");
    expect(expected).toContain("6e756c6c 00"); // "null": a JSON null document
    expect(expected).toContain("at T0+31: 66 records, count 66");
    expect(expected).toContain("at T0+3601: 65 records, count 65");
  });

  for (const version of VERSIONS) {
    it("Node -> Lua " + version + ": an image written on Node opens in Lua with identical contents", () => {
      const dir = tempDir("node-to-lua");
      writeOnNode(join(dir, "node.img"), 4096, 16, 4);
      // The Lua side passes no geometry: it reads the image's own page headers.
      const lines = runImage(version, dir, 'IMAGE_MODE = "dump"; IMAGE_NAME = "node.img"');
      expect(lines).toEqual(expected);
    });

    it("Lua " + version + " -> Node: an image written in Lua opens on Node with identical contents", () => {
      const dir = tempDir("lua-to-node");
      const own = runImage(version, dir, 'IMAGE_MODE = "write"; IMAGE_NAME = "lua.img"; IMAGE_PAGE_SIZE = 4096; IMAGE_PAGE_COUNT = 12; IMAGE_GRANULARITY = 1');
      expect(own).toEqual([]);
      // Opening and closing writes (the clock's high-water mark): keep the image as Lua left it.
      copyFileSync(join(dir, "lua.img"), join(dir, "pristine.img"));
      copyFileSync(join(dir, "lua.img"), join(dir, "copy.img"));
      expect(dumpOnNode(join(dir, "lua.img"))).toEqual(expected);
      // Lua reads back its own image the same way.
      expect(runImage(version, dir, 'IMAGE_MODE = "dump"; IMAGE_NAME = "copy.img"')).toEqual(expected);
      // Byte for byte: the same operations make the same image on both runtimes.
      writeOnNode(join(dir, "node.img"), 4096, 12, 1);
      expect(readFileSync(join(dir, "pristine.img")).equals(readFileSync(join(dir, "node.img")))).toBe(true);
    });
  }
});
