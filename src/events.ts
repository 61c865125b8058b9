// Events: a fixed set of names, each with its listeners. Fixed, so that a name from outside
// (say "__proto__") can never reach an object's prototype.

import { E_ARG, moteError } from "./errors";

export type Listener = (a?: unknown, b?: unknown) => void;

/** expire(key): a record's time ran out. flush(count): buffered changes went to the store.
 *  write(count): they are durably on flash. error(err): a background task failed. close(). */
export const EVENTS = ["expire", "flush", "write", "error", "close"];

export class Events {
  lists_: Listener[][];
  constructor() {
    this.lists_ = [];
    for (let i = 0; i < EVENTS.length; i++) this.lists_.push([]);
  }
  private list_(name: unknown): Listener[] {
    const i = EVENTS.indexOf(name as string);
    if (i < 0) throw moteError(E_ARG, "unknown event " + String(name));
    return this.lists_[i];
  }
  on_(name: string, fn: Listener): void {
    if (typeof fn !== "function") throw moteError(E_ARG, "a listener is a function");
    this.list_(name).push(fn);
  }
  off_(name: string, fn: Listener): void {
    const l = this.list_(name);
    const i = l.indexOf(fn);
    if (i >= 0) l.splice(i, 1);
  }
  /** Call the listeners. One that throws does not stop the others; it is reported as an 'error'. */
  emit_(name: string, a?: unknown, b?: unknown): void {
    const l = this.list_(name).slice();
    for (let i = 0; i < l.length; i++) {
      try {
        l[i](a, b);
      } catch (e) {
        if (name !== "error") this.emit_("error", e);
      }
    }
  }
}
