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
// On the way too, the code only flash mode runs is put into one function called on first use
// (lazify), and shrink() makes the rewrites esbuild's minifier does not.

import { build, transform, type Plugin } from "esbuild";
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import ts from "typescript";
import { join } from "node:path";
import { checkJs, ESPRUINO_RESERVED, formatProblems } from "./dialect";

import { ROOT } from "./build-node";
export { ROOT };

export type EspruinoBuild = "full" | "kv";

/**
 * Core modules the Espruino build replaces: an import of "./<name>" from src/ resolves to the file
 * given instead. The native versions do in the interpreter's C what the core does in JavaScript.
 */
export const NATIVE: Record<string, string> = {
  crc32: "src/ports/espruino-native.ts",
  float: "src/ports/espruino-native.ts",
  utf8: "src/ports/espruino-native.ts",
};

/** The kv build also replaces src/query.ts by firmware/query-none.ts, which refuses queries. */
const NO_QUERY: Record<string, string> = { query: "firmware/query-none.ts" };

function substitute(map: Record<string, string>): Plugin {
  return {
    name: "motedb-substitute",
    setup(b) {
      b.onResolve({ filter: /^\.\/[a-z0-9]+$/ }, (args) => {
        const to = map[args.path.substring(2)];
        return to !== undefined && args.importer.startsWith(join(ROOT, "src")) ? { path: join(ROOT, to) } : undefined;
      });
    },
  };
}

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
 * Modules only flash mode runs. In the Espruino build their code is defined the first time flash
 * mode needs it, not when the module loads (lazify): on Espruino every function costs RAM (about 8
 * variables, one more a parameter) from when it is defined, whatever its length.
 */
export const FLASH_ONLY = ["src/bits.ts", "src/crc32.ts", "src/page.ts", "src/frame.ts", "src/retry.ts", "src/log.ts", "src/store.ts"];

/** What esbuild may emit: never what Espruino cannot run (the dialect check proves the result). */
const SUPPORTED = {
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
};

/**
 * Bundle `entry` into Espruino module source: minified, no top-level names, `exports.X = ...`.
 * The code of the `lazy` modules (paths from the repository's root) is defined on first use.
 */
export async function bundleForEspruino(entry: string, plugins: Plugin[], minify: boolean, lazy?: string[]): Promise<string> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2020",
    // Names and whitespace are minified afterwards: lazify() finds each module's code by the
    // comments of a bundle whose whitespace is kept. Constants are inlined here, across modules.
    minifySyntax: minify,
    legalComments: "none",
    external: ["Storage", "Flash"],
    plugins: plugins,
    mangleProps: minify ? new RegExp("^(" + privateNames().join("|") + ")$|" + INTERNAL.source) : undefined,
    // Mangled names never become words Espruino's parser reserves (a method `in()` would not parse).
    reserveProps: new RegExp("^(" + ESPRUINO_RESERVED.join("|") + ")$"),
    logLevel: "warning",
    supported: SUPPORTED,
  });
  let code = lazify(r.outputFiles[0].text, lazy === undefined ? [] : lazy);
  if (minify) {
    code = arrows(code);
    code = (await transform(code, { format: "esm", target: "es2020", minify: true, legalComments: "none", supported: SUPPORTED, logLevel: "warning" })).code;
  }
  const text = toModule(code);
  return minify ? shrink(text) : text;
}

/**
 * Move the top-level code of the `lazy` modules of an unminified esbuild bundle (ESM, each module's
 * code after a `// path` comment) into one function, run the first time code outside them uses one
 * of their names: there `name` becomes `(L || (L = defineL())).name`. A top-level function (or a
 * constant) of another module joins them when only their code uses it, as record.ts's encoders do.
 * Names resolve through TypeScript's checker, so a local that shadows a top-level name is no use.
 */
export function lazify(code: string, lazy: string[]): string {
  if (lazy.length === 0) return code;
  const file = "/bundle.js";
  const opts: ts.CompilerOptions = { allowJs: true, noLib: true, noResolve: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext };
  const host = ts.createCompilerHost(opts);
  host.getSourceFile = (f, v) => (f === file ? ts.createSourceFile(f, code, v, true, ts.ScriptKind.JS) : undefined);
  host.fileExists = (f) => f === file;
  host.readFile = (f) => (f === file ? code : undefined);
  const program = ts.createProgram([file], opts, host);
  const checker = program.getTypeChecker();
  const statements = program.getSourceFile(file)!.statements;
  // Each statement's module: the last `// path` comment before it.
  const markers = [...code.matchAll(/^\/\/ (\S+)$/gm)].map((m) => ({ at: m.index as number, path: m[1] }));
  const moduleOf = (st: ts.Statement) => markers.filter((m) => m.at < st.getStart()).map((m) => m.path).pop();
  // Top-level names, and the statement that declares each.
  const declaredIn = new Map<ts.Symbol, number>();
  statements.forEach((st, i) => {
    const names: ts.Node[] = [];
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.push(st.name);
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) names.push(d.name);
    for (const n of names) {
      const sym = checker.getSymbolAtLocation(n);
      if (sym === undefined || !ts.isIdentifier(n)) throw new Error("lazify: an unnamed top-level declaration");
      declaredIn.set(sym, i);
    }
  });
  // Every use of a top-level name from another statement.
  const refs: { from: number; to: number; node: ts.Identifier; write: boolean }[] = [];
  statements.forEach((st, i) => {
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) {
        const p = n.parent;
        const sym = ts.isShorthandPropertyAssignment(p)
          ? checker.getShorthandAssignmentValueSymbol(p)
          : ts.isExportSpecifier(p)
            ? checker.getExportSpecifierLocalTargetSymbol(p)
            : checker.getSymbolAtLocation(n);
        const to = sym === undefined ? undefined : declaredIn.get(sym);
        const write = (ts.isBinaryExpression(p) && p.left === n && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment) || ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p);
        if (to !== undefined && to !== i) refs.push({ from: i, to: to, node: n, write: write || ts.isShorthandPropertyAssignment(p) });
      }
      ts.forEachChild(n, visit);
    };
    visit(st);
  });
  const isLazy = statements.map((st) => lazy.includes(moduleOf(st) as string));
  // A bundle whose lazy modules lost their `// path` comments would define everything at load.
  if (!isLazy.some((x) => x)) throw new Error("lazify: none of " + lazy.join(", ") + " found in the bundle");
  const joinable = (st: ts.Statement) =>
    ts.isFunctionDeclaration(st) || (ts.isVariableStatement(st) && st.declarationList.declarations.every((d) => d.initializer !== undefined && (ts.isNumericLiteral(d.initializer) || ts.isStringLiteral(d.initializer))));
  for (let changed = true; changed; ) {
    changed = false;
    statements.forEach((st, i) => {
      const users = refs.filter((r) => r.to === i);
      if (!isLazy[i] && joinable(st) && users.length > 0 && users.every((r) => isLazy[r.from])) changed = isLazy[i] = true;
    });
  }
  const outside = refs.filter((r) => isLazy[r.to] && !isLazy[r.from]);
  for (const r of outside) {
    if (r.write || ts.isExportDeclaration(statements[r.from])) throw new Error("lazify: " + r.node.text + " is used outside the lazy modules in a way that needs it at load");
  }
  const exported = [...new Set(outside.map((r) => r.node.text))];
  let n = 0;
  while (code.includes("lazy" + n)) n++;
  const L = "lazy" + n;
  const first = isLazy.indexOf(true);
  const body = statements.filter((_, i) => isLazy[i]).map((st) => st.getText()).join("\n");
  // The definer is a variable, dropped once it has run: where the interpreter keeps a copy of a
  // function's text in RAM (the Linux build, boards whose Storage is not memory-mapped), the
  // definer's text is all of the lazy code, which the functions it made already hold.
  const definer = "var " + L + ";\nvar define" + L + " = function () {\n" + body + "\nreturn {" + exported.map((x) => x + ": " + x).join(", ") + "};\n};\n";
  const edits: { start: number; end: number; text: string }[] = [];
  statements.forEach((st, i) => {
    if (isLazy[i]) edits.push({ start: st.getStart(), end: st.end, text: i === first ? definer : "" });
  });
  for (const r of outside) edits.push({ start: r.node.getStart(), end: r.node.end, text: "(" + L + " || (" + L + " = define" + L + "(), define" + L + " = null, " + L + "))." + r.node.text });
  return applyEdits(code, edits);
}

/**
 * Functions that need no `this` and no `arguments` as arrow functions: `function f(a){...}` becomes
 * `let f=(a)=>{...};` and `function(a){return x}` becomes `(a)=>x` once esbuild has minified it. On
 * Espruino that is the same function: it does not hoist declarations, and an arrow function that
 * does not mention `this` keeps no reference to it (jspeArrowFunction), so it costs no more RAM;
 * its text is shorter. Methods, getters and named function expressions stay as they are.
 */
export function arrows(code: string): string {
  const ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module" });
  const needsOwnThis = (fn: acorn.Function): boolean => {
    let found = false;
    walk.recursive(fn.body, null, {
      Function(n: acorn.Function, _st: unknown, c: walk.WalkerCallback<unknown>) {
        if (n.type === "ArrowFunctionExpression") c(n.body, _st);
      },
      Class() {
        // A class's methods have their own `this`, and esbuild's classes have no field initialisers.
      },
      ThisExpression() {
        found = true;
      },
      MetaProperty() {
        found = true;
      },
      Super() {
        found = true;
      },
      Identifier(n: acorn.Identifier) {
        if (n.name === "arguments") found = true;
      },
    });
    return found;
  };
  const edits: { start: number; end: number; text: string }[] = [];
  walk.fullAncestor(ast, (n: acorn.AnyNode, _st: unknown, ancestors: acorn.AnyNode[]) => {
    if (n.type !== "FunctionExpression" && n.type !== "FunctionDeclaration") return;
    if (n.generator || n.async || needsOwnThis(n)) return;
    const parent = ancestors[ancestors.length - 2];
    if (parent.type === "MethodDefinition" || (parent.type === "Property" && (parent.method || parent.kind !== "init"))) return;
    const params = n.params.length === 0 ? "" : code.slice(n.params[0].start, n.params[n.params.length - 1].end);
    if (n.type === "FunctionExpression") {
      if (n.id) return;
      edits.push({ start: n.start, end: n.body.start, text: "(" + params + ")=>" });
    } else {
      if (!n.id || parent.type === "ExportNamedDeclaration" || parent.type === "ExportDefaultDeclaration") return;
      edits.push({ start: n.start, end: n.body.start, text: "let " + n.id.name + "=(" + params + ")=>" });
      edits.push({ start: n.end, end: n.end, text: ";" });
    }
  });
  return applyEdits(code, edits);
}

/**
 * Rewrites esbuild's minifier does not make, for a module (toModule's output) whose every byte
 * is RAM on a board: `void 0` becomes a variable that is never assigned, a built-in function called
 * often (Math.floor) is called through a parameter, and a function that says `this.` often says it
 * through a local instead (`let t=this`). Each uses a name that appears nowhere in the module (for
 * `this`, nowhere in that function), so it hides nothing it should not.
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
  // Built-in functions that need no `this` (Math.floor, Array.isArray...), called often: each
  // becomes a parameter of the module's function, given the built-in as its argument.
  const calls = new Map<string, acorn.Node[]>();
  walk.full(ast, (n: acorn.AnyNode) => {
    if (n.type !== "MemberExpression" || n.computed || n.object.type !== "Identifier" || n.property.type !== "Identifier") return;
    const name = n.object.name + "." + n.property.name;
    if (!/^(Math\.[a-z]+|String\.fromCharCode|Array\.isArray|Object\.keys)$/.test(name) || typeof (globalThis as any)[n.object.name][n.property.name] !== "function") return;
    calls.set(name, (calls.get(name) || []).concat([n]));
  });
  const params: string[] = [];
  const args: string[] = [];
  for (const [name, list] of calls) {
    if (list.length * (name.length - 2) <= name.length + 4) continue;
    const alias = fresh();
    params.push(alias);
    args.push(name);
    for (const n of list) edits.push({ start: n.start, end: n.end, text: alias });
  }
  // The module is one call of a function with no parameters (toModule): the aliases become its
  // parameters, then `undef`, which no argument is given for.
  const open = "(function(){";
  const close = "})();\n";
  if (!code.startsWith(open) || !code.endsWith(close)) throw new Error("shrink: not a module made by toModule");
  if (voids > 0) params.push(undef);
  edits.push({ start: open.length - 2, end: open.length - 2, text: params.join(",") });
  edits.push({ start: code.length - close.length + 3, end: code.length - close.length + 3, text: args.join(",") });
  return applyEdits(code, edits);
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
  return "(function(){" + applyEdits(code, edits).trim() + assigns + "})();\n";
}

export async function bundleMoteDB(kind: EspruinoBuild): Promise<string> {
  const map = kind === "kv" ? Object.assign({}, NATIVE, NO_QUERY) : NATIVE;
  return bundleForEspruino(join(ROOT, "firmware/motedb.ts"), [substitute(map)], true, FLASH_ONLY);
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

/**
 * Replace text ranges of code, the last first so that earlier offsets stay true; at one offset, a
 * replacement goes before an insertion made there.
 */
function applyEdits(code: string, edits: { start: number; end: number; text: string }[]): string {
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
