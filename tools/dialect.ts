// The dialect check: what the core may be written in, so one source runs on Espruino, in Lua
// (through TypeScriptToLua) and on Node. The rules come from ../shared/espruino-dialect.md
// (measured on the real interpreter) and from what TypeScriptToLua's Lua runtime lacks.
//
// It parses JavaScript into an ESTree AST with acorn; TypeScript sources are first stripped of their
// types by esbuild with target "esnext", which changes no syntax, so the AST is what was written.
// `espruino` rules apply to everything that runs there (the core and the bundle); `lua` rules add
// what the Lua runtime cannot do (regular expressions, JSON, Date, typed arrays) for the core.

import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { transformSync } from "esbuild";

export interface Problem {
  file: string;
  line: number;
  rule: string;
  message: string;
}

export type Level = "espruino" | "lua";

const ESPRUINO_GLOBALS = ["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "TextEncoder", "TextDecoder", "BigInt", "globalThis"];
const LUA_GLOBALS = ["JSON", "Date", "RegExp", "Uint8Array", "Uint16Array", "Uint32Array", "Int8Array", "Int16Array", "Int32Array", "Float32Array", "Float64Array", "ArrayBuffer", "DataView", "Promise"];

/** Espruino's lexer reserves these words: a class member so named does not parse (measured on 2v29). */
export const ESPRUINO_RESERVED = ["if", "else", "do", "while", "for", "break", "continue", "function", "return", "var", "let", "const", "this", "throw", "try", "catch", "finally", "true", "false", "null", "undefined", "new", "in", "instanceof", "switch", "case", "default", "delete", "typeof", "void", "debugger", "class", "extends", "super", "static", "of"];
/** Static members that Espruino lacks ("Function not found"). */
const MISSING_STATICS: Record<string, string[]> = {
  Array: ["from", "of"],
  Object: ["freeze", "seal", "is", "isFrozen", "getOwnPropertyNames", "getOwnPropertySymbols"],
  Number: ["isInteger", "isFinite", "isNaN", "isSafeInteger", "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER", "EPSILON", "parseFloat", "parseInt"],
  Math: ["trunc", "imul", "clz32", "log2", "log10", "hypot", "sign", "cbrt", "expm1", "log1p", "fround"],
  String: ["fromCodePoint", "raw"],
  Promise: ["race", "allSettled", "any"],
};
/** Methods Espruino lacks on arrays and strings (checked by name: any receiver). */
const MISSING_METHODS = ["flat", "flatMap", "at", "findLast", "findLastIndex", "lastIndexOf", "finally", "codePointAt", "normalize", "matchAll", "toSorted", "toReversed", "toSpliced", "with"];

export function checkJs(code: string, file: string, level: Level): Problem[] {
  const problems: Problem[] = [];
  let ast: acorn.Program;
  try {
    ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module", locations: true });
  } catch (e) {
    return [{ file, line: 0, rule: "parse", message: (e as Error).message }];
  }
  const lua = level === "lua";
  const add = (node: acorn.Node, rule: string, message: string) =>
    problems.push({ file, line: node.loc ? node.loc.start.line : 0, rule, message });

  const fnCheck = (node: acorn.Function) => {
    if (node.generator) add(node, "generator", "generators do not run on Espruino");
    if (node.async) add(node, "async", "async functions do not run on Espruino");
    for (const p of node.params) {
      if (p.type === "AssignmentPattern") add(p, "default-param", "default parameters do not run on Espruino: test for undefined");
      if (p.type === "RestElement") add(p, "rest-param", "rest parameters do not run on Espruino");
      if (p.type === "ObjectPattern" || p.type === "ArrayPattern") add(p, "destructuring", "destructuring does not run on Espruino");
    }
  };

  walk.full(ast, (node: acorn.AnyNode) => {
    switch (node.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        fnCheck(node);
        break;
      case "ObjectPattern":
      case "ArrayPattern":
        add(node, "destructuring", "destructuring does not run on Espruino");
        break;
      case "SpreadElement":
        add(node, "spread", "spread does not run on Espruino");
        break;
      case "RestElement":
        add(node, "rest", "rest elements do not run on Espruino");
        break;
      case "TaggedTemplateExpression":
        add(node, "tagged-template", "tagged templates do not run on Espruino");
        break;
      case "LabeledStatement":
        add(node, "label", "labeled statements do not run on Espruino");
        break;
      case "ChainExpression":
        add(node, "optional-chaining", "?. does not run on Espruino");
        break;
      case "AwaitExpression":
      case "YieldExpression":
        add(node, "async", node.type + " does not run on Espruino");
        break;
      case "PrivateIdentifier":
        add(node, "private", "#private names do not run on Espruino");
        break;
      case "StaticBlock":
        add(node, "static-block", "static blocks do not run on Espruino");
        break;
      case "BinaryExpression":
        if (node.operator === "**") add(node, "exponent", "** does not run on Espruino: use Math.pow");
        break;
      case "AssignmentExpression":
        if (node.operator === "**=" || node.operator === "??=" || node.operator === "||=" || node.operator === "&&=") {
          add(node, "assign-op", node.operator + " does not run on Espruino");
        }
        if (node.left.type === "MemberExpression" && !node.left.computed && node.left.property.type === "Identifier" && node.left.property.name === "length") {
          add(node, "length-assign", "assigning .length throws on Espruino: make a new array");
        }
        break;
      case "Literal":
        if (typeof node.value === "bigint" || (node as acorn.Literal).bigint !== undefined) add(node, "bigint", "BigInt does not run on Espruino");
        if (lua && (node as acorn.Literal).regex !== undefined) add(node, "regexp", "Lua has no regular expressions");
        break;
      case "Property":
      case "MethodDefinition":
      case "PropertyDefinition":
        if (node.computed) add(node, "computed-key", "computed property names do not run on Espruino");
        if (node.type !== "Property" && !node.computed && node.key.type === "Identifier" && ESPRUINO_RESERVED.indexOf(node.key.name) >= 0) {
          add(node, "reserved-name", "a class member named '" + node.key.name + "' does not parse on Espruino, which reserves the word");
        }
        break;
      case "ClassDeclaration":
      case "ClassExpression":
        if (node.superClass) add(node, "extends", "keep classes flat: Espruino breaks Error subclasses, super calls on grandchildren and static inheritance");
        break;
      case "ContinueStatement":
        if (lua) add(node, "continue", "continue becomes goto in TypeScriptToLua's output, which Lua 5.1 lacks: use if/else");
        break;
      case "VariableDeclaration":
        if (lua && node.kind === "var") add(node, "var", "use let/const: Espruino does not hoist var out of a branch that did not run");
        break;
      case "MetaProperty":
      case "ImportExpression":
        if (lua) add(node, "module-meta", "the core has no import.meta or dynamic import");
        break;
      case "Identifier": {
        if (node.name === "of") add(node, "reserved-name", "Espruino reserves 'of': it cannot name a variable");
        if (ESPRUINO_GLOBALS.indexOf(node.name) >= 0) add(node, "global", node.name + " does not exist on Espruino");
        if (lua && LUA_GLOBALS.indexOf(node.name) >= 0) add(node, "global", node.name + " does not exist in TypeScriptToLua's Lua runtime: the core reaches the platform through ports");
        break;
      }
      case "MemberExpression": {
        if (node.computed || node.property.type !== "Identifier") break;
        const prop = node.property.name;
        if (node.object.type === "Identifier") {
          const missing = MISSING_STATICS[node.object.name];
          if (missing && missing.indexOf(prop) >= 0) add(node, "missing-builtin", node.object.name + "." + prop + " does not exist on Espruino");
        }
        if (prop === "prototype" && node.object.type === "Identifier" && ["Array", "Object", "String", "Number", "Function", "Error"].indexOf(node.object.name) >= 0) {
          add(node, "builtin-prototype", node.object.name + ".prototype methods are undefined on Espruino: call them on an instance ([].slice.call)");
        }
        break;
      }
      case "CallExpression": {
        const c = node.callee;
        if (c.type === "MemberExpression" && !c.computed && c.property.type === "Identifier" && MISSING_METHODS.indexOf(c.property.name) >= 0) {
          add(node, "missing-method", "." + c.property.name + "() does not exist on Espruino");
        }
        break;
      }
    }
  });

  checkLoopClosures(ast, add);
  if (lua) {
    checkBreakInTry(ast, add);
    // The one place bit operators may be: bits.ts makes their results the same on every runtime.
    if (!/(^|\/)bits\.ts$/.test(file)) checkBitOperators(ast, add);
  }
  checkHoisting(ast, add);
  return problems;
}

type Add = (node: acorn.Node, rule: string, message: string) => void;

const LOOPS = ["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"];

/** TypeScriptToLua turns a try block into a function: a break inside it that leaves a loop around the try emits invalid Lua. */
function checkBreakInTry(ast: acorn.Program, add: Add): void {
  walk.fullAncestor(ast, (node: acorn.AnyNode, _st: unknown, ancestors: acorn.AnyNode[]) => {
    if (node.type !== "BreakStatement") return;
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i];
      if (LOOPS.indexOf(a.type) >= 0 || a.type === "SwitchStatement" || a.type.indexOf("Function") >= 0) return;
      if (a.type === "TryStatement" && ancestors[i + 1] !== a.finalizer) {
        add(node, "break-in-try", "break inside try: TypeScriptToLua emits invalid Lua; set a flag and break after the try");
        return;
      }
    }
  });
}

/** Bit operators mean different things in JavaScript, Lua 5.1's bit library and Lua 5.3: use bits.ts. */
function checkBitOperators(ast: acorn.Program, add: Add): void {
  const ops = ["&", "|", "^", "<<", ">>", ">>>"];
  walk.full(ast, (node: acorn.AnyNode) => {
    const op =
      node.type === "BinaryExpression"
        ? node.operator
        : node.type === "AssignmentExpression"
          ? node.operator.slice(0, -1)
          : node.type === "UnaryExpression" && node.operator === "~"
            ? "~"
            : "";
    if (op === "~" || ops.indexOf(op) >= 0) add(node, "bit-operator", op + " differs across runtimes: use bits.ts, or arithmetic");
  });
}

/** `let` in a for loop is function-scoped on Espruino: a closure made in the loop must not capture it. */
function checkLoopClosures(ast: acorn.Program, add: Add): void {
  walk.full(ast, (node: acorn.AnyNode) => {
    if (node.type !== "ForStatement" && node.type !== "ForInStatement" && node.type !== "ForOfStatement") return;
    const init = node.type === "ForStatement" ? node.init : node.left;
    if (!init || init.type !== "VariableDeclaration" || init.kind === "var") return;
    const names = init.declarations.map((d) => (d.id.type === "Identifier" ? d.id.name : "")).filter((n) => n);
    walk.full(node.body, (inner: acorn.AnyNode) => {
      if (inner.type !== "FunctionExpression" && inner.type !== "ArrowFunctionExpression" && inner.type !== "FunctionDeclaration") return;
      walk.full(inner.body, (id: acorn.AnyNode) => {
        if (id.type === "Identifier" && names.indexOf(id.name) >= 0) {
          add(id, "loop-closure", "a closure captures the loop variable '" + id.name + "': Espruino shares one binding for the whole loop");
        }
      });
    });
  });
}

/**
 * Espruino does not hoist: a function declared further down a body is undefined when code above
 * it runs. Flag a reference, from code that runs at that point (not from inside a function body),
 * to a function, class or variable declared later in the same body.
 */
function checkHoisting(ast: acorn.Program, add: Add): void {
  const bodies: acorn.AnyNode[][] = [];
  walk.full(ast, (node: acorn.AnyNode) => {
    if (node.type === "Program") bodies.push(node.body as acorn.AnyNode[]);
    if ((node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression") && node.body.type === "BlockStatement") {
      bodies.push(node.body.body as acorn.AnyNode[]);
    }
  });
  for (const body of bodies) {
    const declaredAt: Record<string, number> = {};
    body.forEach((st, i) => {
      const s = (st.type === "ExportNamedDeclaration" && st.declaration ? st.declaration : st) as acorn.AnyNode;
      if ((s.type === "FunctionDeclaration" || s.type === "ClassDeclaration") && s.id) declaredAt["$" + s.id.name] = i;
      if (s.type === "VariableDeclaration") for (const d of s.declarations) if (d.id.type === "Identifier") declaredAt["$" + d.id.name] = i;
    });
    body.forEach((st, i) => {
      const s = (st.type === "ExportNamedDeclaration" && st.declaration ? st.declaration : st) as acorn.AnyNode;
      if (s.type === "FunctionDeclaration" || s.type === "ClassDeclaration") return;
      walkRunning(s, (id) => {
        const at = declaredAt["$" + id.name];
        if (at !== undefined && at > i) add(id, "hoisting", "'" + id.name + "' is used before its declaration runs: Espruino does not hoist");
      });
    });
  }
}

/** Identifiers read by code that runs now: skips the bodies of nested functions and classes' methods. */
function walkRunning(node: acorn.AnyNode, fn: (id: acorn.Identifier) => void): void {
  walk.recursive(node, null, {
    Function() {},
    Class() {},
    Identifier(id: acorn.Identifier) {
      fn(id);
    },
    MemberExpression(m: acorn.MemberExpression, st: null, c: walk.WalkerCallback<null>) {
      c(m.object, st);
      if (m.computed) c(m.property, st);
    },
    Property(p: acorn.Property | acorn.AssignmentProperty, st: null, c: walk.WalkerCallback<null>) {
      if (p.computed) c(p.key, st);
      c(p.value, st);
    },
  });
}

/** Check a TypeScript source file: strip its types (no syntax lowering), then check the JavaScript. */
export function checkTs(source: string, file: string, level: Level): Problem[] {
  const js = transformSync(source, { loader: "ts", target: "esnext", format: "esm", sourcefile: file }).code;
  return checkJs(js, file, level);
}

export function formatProblems(ps: Problem[]): string {
  return ps.map((p) => p.file + ":" + p.line + " [" + p.rule + "] " + p.message).join("\n");
}
