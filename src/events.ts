// Events: a fixed set of names, each with its listeners (MoteDB's on/off). Fixed, so that a name
// from outside (say "__proto__") can never reach an object's prototype.

export type Listener = (a?: unknown, b?: unknown) => void;

/** expire(key): a record's time ran out. flush(count): buffered changes went to the store.
 *  write(count): they are durably on flash. error(err): a background task failed. close(). */
export const EVENTS = ["expire", "flush", "write", "error", "close"];
