// Every error MoteDB throws is a plain Error with a stable string `code`.
// Espruino breaks `instanceof` on Error subclasses, so callers identify errors by `code`, never by class.

export const E_KEY = "E_KEY"; // a key that is not a non-empty string within maxKeyLength
export const E_VALUE = "E_VALUE"; // a document, TTL or tag list that cannot be stored
export const E_TOO_LARGE = "E_TOO_LARGE"; // an encoded value past maxValueSize (or a flash page)
export const E_BUDGET = "E_BUDGET"; // the write would take the database past its RAM budget
export const E_QUERY = "E_QUERY"; // a malformed query or an unknown operator
export const E_CLOSED = "E_CLOSED"; // the database was closed
export const E_OPTION = "E_OPTION"; // a bad constructor option or a missing port
export const E_ARG = "E_ARG"; // arguments of the wrong shape (a batch that is not an array...)
export const E_FULL = "E_FULL"; // flash holds no room for more live data
export const E_FLASH = "E_FLASH"; // a flash operation kept failing after its retries
export const E_CORRUPT = "E_CORRUPT"; // a flash region that is not a MoteDB image, or of a newer format
export const E_NO_QUERY = "E_NO_QUERY"; // a query given to the kv build, which has no query engine

export interface MoteError extends Error {
  code: string;
}

export function moteError(code: string, message: string): MoteError {
  const e = new Error(code + ": " + message) as MoteError;
  e.code = code;
  return e;
}

/** Throw the error of `code`: the one way MoteDB refuses (a call, where `throw` would be a statement). */
export function fail(code: string, message: string): never {
  throw moteError(code, message);
}

/** Refuse a bad option (or a port's): E_OPTION. */
export function failOption(message: string): never {
  fail(E_OPTION, message);
}

/** The `code` of anything thrown, or undefined when it carries none. */
export function errorCode(e: unknown): string | undefined {
  // Only an object is asked for its code: in Lua, indexing a number or a boolean throws.
  return e && typeof e === "object" && typeof (e as MoteError).code === "string" ? (e as MoteError).code : undefined;
}
