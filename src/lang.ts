// The few places where JavaScript and Lua (through TypeScriptToLua) differ in meaning, decided once.

/**
 * Runs of the codec and the query engine never nest deeper than this: small stacks survive.
 * First in the file: esbuild inlines the constants that open a module with no imports.
 */
export const MAX_DEPTH = 32;

// In Lua `null` and `undefined` are both `nil`, so this comparison is true there and false in every
// JavaScript engine. It is a value, not a build flag, so one compiled core serves both languages.
export const LUA = (null as unknown) === (undefined as unknown);

/**
 * What a stored JSON `null` reads back as. JavaScript has `null`; a Lua table cannot hold nil,
 * so Lua gets a unique sentinel table (as lua-cjson's `cjson.null`), exported as `motedb.null`.
 */
export const NULL: unknown = LUA ? {} : null;

export function isNull(v: unknown): boolean {
  // In JavaScript NULL is null: the build keeps one comparison.
  return LUA ? v === null || v === NULL : v === null;
}

/**
 * Whether an object is a plain JSON-like object (not a Date, Map, typed array or class instance).
 * A plain object's constructor is Object, or a data field named "constructor" that is no function.
 * Every Lua table that is not an array counts as plain.
 */
export function isPlainObject(v: object): boolean {
  if (LUA) return true;
  const c = (v as { constructor?: unknown }).constructor;
  return c === Object || typeof c !== "function";
}

/**
 * A field of a stored object, or undefined. Stored values are never functions, so a function found
 * here is inherited (`constructor`, `toString`...) and means the field is absent.
 */
export function field(o: unknown, name: string): unknown {
  const v = (o as Record<string, unknown>)[name];
  return typeof v === "function" ? undefined : v;
}
