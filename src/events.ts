// What a database tells the world: its events, and the operations stats().ops counts. Both are
// numbered here, and MoteDB refers to them by these names (the Espruino build inlines the numbers).
//
// Events are a fixed set of names, each with its listeners (MoteDB's on/off). Fixed, so that a name
// from outside (say "__proto__") can never reach an object's prototype.

export type Listener = (a?: unknown, b?: unknown) => void;

/** The events (EVENTS, at the end), each by its number. expire(key): a record's time ran out.
 *  flush(count): buffered changes went to the store. write(count): they are durably on flash.
 *  error(err): a background task failed. close(). */
export const EXPIRE = 0;
export const FLUSH = 1;
export const WRITE = 2;
export const ERROR = 3;
export const CLOSE = 4;

/** The operations stats().ops counts (OPS, at the end), each by its number. */
export const OP_PUT = 0;
export const OP_GET = 1;
export const OP_HAS = 2;
export const OP_DELETE = 3;
export const OP_PURGE = 4;
export const OP_PUT_BATCH = 5;
export const OP_DELETE_BATCH = 6;
export const OP_QUERY = 7;
export const OP_COUNT = 8;
export const OP_KEYS = 9;
export const OP_CLEANUP = 10;
export const OP_FLUSH = 11;

/**
 * Why the database flushes and works (tick() in MoteDB): flush() was called (a failure is thrown);
 * in the background, after a write or on the TTL timer (a failure is an 'error' event); the
 * housekeeping timer (also compacts the TTL heap and collects garbage when that gains much).
 */
export const ON_CALL = -1;
export const IN_BACKGROUND = 1;
export const HOUSEKEEPING = 2;

// Last: the numbers above are inlined only while nothing before them runs code.
export const EVENTS = "expire flush write error close".split(" ");
export const OPS = "put,get,has,delete,purge,putBatch,deleteBatch,query,count,keys,cleanup,flush".split(",");
