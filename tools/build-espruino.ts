// The Espruino build: dist/espruino/motedb.min.js and motedb-kv.min.js, minified modules that
// `require("motedb")` loads after the Web IDE or the espruino CLI uploads them, or from Storage.
//
// esbuild bundles and minifies an ES module; its CommonJS and IIFE wrappers are not used, because
// their helpers (__export with getters, Object.getOwnPropertyNames, hasOwnProperty on a
// prototype) are what Espruino lacks. Instead the bundle's final `export { a as MoteDB }` becomes
// `exports.MoteDB = a`, and everything is wrapped in one function: Espruino evaluates a module's
// top-level let and const into its exports object, so nothing else may sit at the top level.
// Two Espruino traps are fixed on the way: an identifier named `of` (a reserved word there, which
// esbuild's renamer may pick) is renamed, and the result is checked with the dialect checker.

import { build, type Plugin } from "esbuild";
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import ts from "typescript";
import { join } from "node:path";
import { checkJs, formatProblems } from "./dialect";

export const ROOT = join(import.meta.dirname, "..");

export type EspruinoBuild = "full" | "kv";

/** The kv build: src/query.ts is replaced by firmware/query-none.ts, which refuses queries. */
const noQuery: Plugin = {
  name: "motedb-no-query",
  setup(b) {
    b.onResolve({ filter: /^\.\/query$/ }, (args) =>
      args.importer.startsWith(join(ROOT, "src")) ? { path: join(ROOT, "firmware/query-none.ts") } : undefined,
    );
  },
};

/**
 * Private and protected class members of the core, which esbuild may rename (mangleProps): code
 * is RAM on a board. A name is left alone when anything else uses it as a property name: a public
 * member, an interface or object-literal key, or a built-in's method.
 */
export function privateNames(): string[] {
  const priv = new Set<string>();
  const pub = new Set<string>();
  const files = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  for (const f of files.map((x) => join(ROOT, "src", x)).concat([join(ROOT, "firmware/query-none.ts")])) {
    const sf = ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      const name = (n as { name?: ts.Node }).name;
      if (name !== undefined && ts.isIdentifier(name)) {
        if (ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n)) {
          const mods = ts.getCombinedModifierFlags(n as ts.Declaration);
          if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) priv.add(name.text);
          else pub.add(name.text);
        } else if (ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyAssignment(n)) {
          pub.add(name.text);
        }
      }
      if (ts.isShorthandPropertyAssignment(n)) pub.add(n.name.text);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  const builtins = [Object, Object.prototype, Array.prototype, String.prototype, Function.prototype, Math, Error.prototype, Number.prototype];
  return [...priv].filter((n) => !pub.has(n) && !builtins.some((b) => n in b)).sort();
}

/**
 * The core's naming convention for internal members: a trailing underscore (`tree_`, `flush_()`).
 * They are renamed in the bundle like private ones; everything else (the public API, options, port
 * members, stats() fields, record and image fields) keeps its name. `__proto__` is never one.
 */
export const INTERNAL = /^[A-Za-z$][\w$]*_$/;

/** Names Espruino's lexer reserves that JavaScript does not, so esbuild may use them. */
const ESPRUINO_ONLY_RESERVED = ["of"];

/**
 * Bundle `entry` into Espruino module source: minified, no top-level names, `exports.X = ...`.
 * Without `exportsTo`, the entry's exports are dropped (a script rather than a module).
 */
export async function bundleForEspruino(entry: string, plugins: Plugin[], minify: boolean): Promise<string> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2020",
    minify: minify,
    legalComments: "none",
    external: ["Storage", "Flash"],
    plugins: plugins,
    mangleProps: minify ? new RegExp("^(" + privateNames().join("|") + ")$|" + INTERNAL.source) : undefined,
    // Mangled names never become words Espruino's parser reserves (a method `in()` would not parse).
    reserveProps: /^(if|else|do|while|for|break|continue|function|return|var|let|const|this|throw|try|catch|finally|true|false|null|undefined|new|in|instanceof|switch|case|default|delete|typeof|void|debugger|class|extends|super|static|of)$/,
    logLevel: "warning",
    // Never emit what Espruino cannot run; the dialect check below proves the result.
    supported: {
      destructuring: false,
      "default-argument": false,
      "rest-argument": false,
      "object-rest-spread": false,
      "optional-chain": false,
      "exponent-operator": false,
      "nullish-coalescing": true,
      "logical-assignment": false,
      generator: false,
      "async-await": false,
    },
  });
  const text = toModule(r.outputFiles[0].text);
  return minify ? shrink(text) : text;
}

/**
 * Two rewrites esbuild's minifier does not make, for a module (toModule's output) whose every byte
 * is RAM on a board: `void 0` becomes a variable that is never assigned, and a function that says
 * `this.` often says it through a local instead (`let t=this`). Each uses a name that appears
 * nowhere in the module (for `this`, nowhere in that function), so it hides nothing it should not.
 */
export function shrink(code: string): string {
  const ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "script" });
  const taken = new Set<string>();
  walk.full(ast, (n: acorn.AnyNode) => {
    if (n.type === "Identifier") taken.add(n.name);
  });
  const fresh = (): string => {
    const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_";
    for (const a of [""].concat(letters.split(""))) {
      for (const b of letters) if (!taken.has(a + b) && !/^(do|if|in)$/.test(a + b)) return (taken.add(a + b), a + b);
    }
    throw new Error("shrink: no free name");
  };
  const edits: { start: number; end: number; text: string }[] = [];
  // `this` belongs to the nearest enclosing function that is not an arrow.
  const uses = new Map<acorn.Node, acorn.Node[]>();
  walk.fullAncestor(ast, (n: acorn.AnyNode, _st: unknown, ancestors: acorn.AnyNode[]) => {
    if (n.type !== "ThisExpression") return;
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i];
      if (a.type === "PropertyDefinition" || a.type === "StaticBlock") return;
      if ((a.type === "FunctionDeclaration" || a.type === "FunctionExpression") && a.body.type === "BlockStatement") {
        const list = uses.get(a) || [];
        list.push(n);
        uses.set(a, list);
        return;
      }
    }
  });
  const undef = fresh();
  // A function's alias is a name that appears nowhere inside it: it hides no outer name it uses.
  const ids: acorn.Identifier[] = [];
  walk.full(ast, (n: acorn.AnyNode) => {
    if (n.type === "Identifier") ids.push(n);
  });
  for (const [fn, list] of uses) {
    const body = (fn as acorn.Function).body as acorn.BlockStatement;
    const inside = new Set(ids.filter((i) => i.start >= fn.start && i.end <= fn.end).map((i) => i.name));
    const self = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split("").find((c) => !inside.has(c) && c !== undef);
    if (self === undefined) continue;
    const first = body.body[0];
    const merge = first !== undefined && first.type === "VariableDeclaration" && first.kind === "let";
    const cost = merge ? self.length + 6 : self.length + 10;
    if (list.length * (4 - self.length) <= cost) continue;
    if (merge) edits.push({ start: first.start + 4, end: first.start + 4, text: self + "=this," });
    else edits.push({ start: body.start + 1, end: body.start + 1, text: "let " + self + "=this;" });
    for (const t of list) edits.push({ start: t.start, end: t.end, text: self });
  }
  let voids = 0;
  walk.full(ast, (n: acorn.AnyNode) => {
    if (n.type === "UnaryExpression" && n.operator === "void" && n.argument.type === "Literal" && n.argument.value === 0) {
      edits.push({ start: n.start, end: n.end, text: undef });
      voids++;
    }
  });
  // The module is one call of a function with no parameters (toModule): `undef` becomes its parameter.
  const open = "(function(){";
  if (!code.startsWith(open)) throw new Error("shrink: not a module made by toModule");
  if (voids > 0) edits.push({ start: open.length - 2, end: open.length - 2, text: undef });
  // Last first; at one offset, a replacement before an insertion made there.
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** ESM bundle text -> Espruino module text (see the header comment). */
export function toModule(code: string): string {
  const ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module" });
  const edits: { start: number; end: number; text: string }[] = [];
  const exported: [string, string][] = [];
  for (const st of ast.body) {
    if (st.type === "ExportNamedDeclaration" && !st.declaration && !st.source) {
      for (const s of st.specifiers) {
        exported.push([s.exported.type === "Identifier" ? s.exported.name : String(s.exported.value), (s.local as acorn.Identifier).name]);
      }
      edits.push({ start: st.start, end: st.end, text: "" });
    } else if (st.type.startsWith("Export")) {
      throw new Error("the bundle has an export esbuild was expected to collect: " + st.type);
    }
  }
  // Rename identifiers Espruino reserves (never property names, which it accepts).
  const taken = new Set<string>();
  walk.full(ast, (n: acorn.AnyNode) => {
    if (n.type === "Identifier") taken.add(n.name);
  });
  const renamed: Record<string, string> = {};
  for (const word of ESPRUINO_ONLY_RESERVED) {
    let alt = "$" + word;
    while (taken.has(alt)) alt = "$" + alt;
    renamed[word] = alt;
  }
  walk.fullAncestor(ast, (n: acorn.AnyNode, _st: unknown, ancestors: acorn.AnyNode[]) => {
    if (n.type !== "Identifier" || renamed[n.name] === undefined) return;
    const parent = ancestors[ancestors.length - 2];
    if (parent && parent.type === "MemberExpression" && parent.property === n && !parent.computed) return;
    if (parent && parent.type === "Property" && parent.shorthand) {
      edits.push({ start: parent.start, end: parent.end, text: n.name + ":" + renamed[n.name] });
      return;
    }
    if (parent && (parent.type === "Property" || parent.type === "MethodDefinition" || parent.type === "PropertyDefinition") && parent.key === n && !parent.computed) return;
    edits.push({ start: n.start, end: n.end, text: renamed[n.name] });
  });
  let assigns = "";
  for (const [name, local] of exported) assigns += "exports." + name + "=" + (renamed[local] !== undefined ? renamed[local] : local) + ";";
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return "(function(){" + out.trim() + assigns + "})();\n";
}

export async function bundleMoteDB(kind: EspruinoBuild): Promise<string> {
  return bundleForEspruino(join(ROOT, "firmware/motedb.ts"), kind === "kv" ? [noQuery] : [], true);
}

/** Problems the dialect checker finds in a bundle, as text ("" when it runs on Espruino). */
export function checkBundle(code: string, file: string): string {
  return formatProblems(checkJs(code, file, "espruino"));
}

export async function buildEspruino(): Promise<void> {
  const dir = join(ROOT, "dist/espruino");
  mkdirSync(dir, { recursive: true });
  const builds: [string, EspruinoBuild][] = [
    ["motedb.min.js", "full"],
    ["motedb-kv.min.js", "kv"],
  ];
  for (const [file, kind] of builds) {
    const code = await bundleMoteDB(kind);
    const problems = checkBundle(code, file);
    if (problems !== "") throw new Error("dist/espruino/" + file + " would not run on Espruino:\n" + problems);
    writeFileSync(join(dir, file), code);
    console.log("dist/espruino/" + file + "  " + (code.length / 1024).toFixed(1) + " KB (" + code.length + " bytes)");
  }
}
