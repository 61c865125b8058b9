// SimFlash: NOR flash in RAM that enforces what real chips enforce, and fails as they fail.
//
// Rules: an erase sets a whole page to 0xFF; a program may only clear bits (turning a 0 back into
// a 1 throws), at an address and of a length that are multiples of the granularity, within one
// page. It counts programs and erases per page, and it can lose power: powerCut(n, tear) lets n
// more programs or erases happen, then tears the next one (a program writes only a prefix of its
// bytes and half of the next byte's bits; an erase erases only a prefix or a suffix of the page), throws
// E_POWER, and refuses everything until revive(). failNext(n) makes the next n operations throw
// E_FAULT without effect, like a chip that is busy or a bus error, to exercise retries.
// With a journal, every program and erase is recorded, so a test can run a workload once and
// rebuild the image after any number of operations (replay), torn or not.
//
// Written in the core's dialect (byte strings, arithmetic, no typed arrays), so it also runs on a
// device, as a RAM-backed flash for trying MoteDB out.

import { bxor } from "../bits";
import { fill } from "../bytes";
import { E_FLASH, fail } from "../errors";
import { Flash } from "../ports";

/** Thrown by the operation that loses power, and by every operation after it. */
export const E_POWER = "E_POWER";
/** Thrown by an operation failNext() made fail; nothing changed. */
export const E_FAULT = "E_FAULT";

/** One operation of the journal: a program (page -1: data at addr) or an erase (of page). */
export interface FlashOp {
  page: number;
  addr: number;
  data: string;
}

/** Whether programming byte d over byte o only clears bits: d's bits are a subset of o's. */
export function clearsOnly(o: number, d: number): boolean {
  return o === 255 || o === d || bxor(o, d) + d === o;
}

export class SimFlash implements Flash {
  pageSize: number;
  pageCount: number;
  granularity: number;
  pages: string[];
  /** Programs and erases done on each page. */
  programs: number[];
  erases: number[];
  /** Programs and erases done in all (the operation count power cuts refer to). */
  ops: number;
  /** Bytes programmed in all. */
  programmed: number;
  journal: FlashOp[] | undefined;
  private cutAt: number;
  private tear: number;
  private dead: boolean;
  private faults: number;

  constructor(pageSize: number, pageCount: number, granularity: number, image?: string) {
    if (granularity !== 1 && granularity !== 4 && granularity !== 8 && granularity !== 16) {
      fail(E_FLASH, "granularity is 1, 4, 8 or 16 bytes, got " + granularity);
    }
    if (pageSize % granularity !== 0 || pageSize < 64) fail(E_FLASH, "a page is at least 64 bytes and a multiple of the granularity");
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.granularity = granularity;
    this.pages = [];
    this.programs = [];
    this.erases = [];
    const blank = fill(255, pageSize);
    for (let p = 0; p < pageCount; p++) {
      this.pages.push(image === undefined ? blank : image.substring(p * pageSize, (p + 1) * pageSize));
      this.programs.push(0);
      this.erases.push(0);
    }
    this.ops = 0;
    this.programmed = 0;
    this.journal = undefined;
    this.cutAt = -1;
    this.tear = 0;
    this.dead = false;
    this.faults = 0;
  }

  read(addr: number, len: number): string {
    if (this.dead) fail(E_POWER, "the flash has no power");
    if (addr < 0 || len < 0 || addr + len > this.pageSize * this.pageCount) fail(E_FLASH, "read past the flash: " + addr + "+" + len);
    const P = this.pageSize;
    const p = Math.floor(addr / P);
    const off = addr - p * P;
    if (off + len <= P) return this.pages[p].substring(off, off + len);
    let out = this.pages[p].substring(off);
    let q = p + 1;
    while (out.length < len) {
      out += this.pages[q].substring(0, len - out.length);
      q++;
    }
    return out;
  }

  program(addr: number, data: string): void {
    const g = this.granularity;
    const P = this.pageSize;
    if (addr % g !== 0 || data.length % g !== 0) fail(E_FLASH, "a program at " + addr + " of " + data.length + " bytes is not aligned to " + g);
    const p = Math.floor(addr / P);
    const off = addr - p * P;
    if (addr < 0 || p >= this.pageCount || off + data.length > P) fail(E_FLASH, "a program at " + addr + " of " + data.length + " bytes crosses a page or the end");
    const old = this.pages[p];
    for (let i = 0; i < data.length; i++) {
      if (!clearsOnly(old.charCodeAt(off + i), data.charCodeAt(i))) {
        fail(E_FLASH, "NOR rule broken: programming address " + (addr + i) + " would turn a 0 bit into 1");
      }
    }
    const keep = this.begin();
    if (keep < 0) {
      this.pages[p] = old.substring(0, off) + data + old.substring(off + data.length);
      this.programs[p]++;
      this.programmed += data.length;
      if (this.journal !== undefined) this.journal.push({ page: -1, addr: addr, data: data });
      return;
    }
    this.pages[p] = tornProgram(old, off, data, keep);
    this.programs[p]++;
    fail(E_POWER, "power lost while programming " + data.length + " bytes at " + addr);
  }

  erase(page: number): void {
    if (page < 0 || page >= this.pageCount || Math.floor(page) !== page) fail(E_FLASH, "no page " + page);
    const keep = this.begin();
    if (keep < 0) {
      this.pages[page] = fill(255, this.pageSize);
      this.erases[page]++;
      if (this.journal !== undefined) this.journal.push({ page: page, addr: 0, data: "" });
      return;
    }
    this.pages[page] = tornErase(this.pages[page], keep);
    this.erases[page]++;
    fail(E_POWER, "power lost while erasing page " + page);
  }

  /**
   * Account for one program or erase: -1 when it happens whole, else the tear fraction (0 <= t < 1)
   * of the operation that loses power. Throws when the flash is dead or a fault is due.
   */
  private begin(): number {
    if (this.dead) fail(E_POWER, "the flash has no power");
    if (this.faults > 0) {
      this.faults--;
      fail(E_FAULT, "the flash operation failed (injected fault)");
    }
    const n = this.ops;
    this.ops++;
    if (this.cutAt >= 0 && n >= this.cutAt) {
      this.dead = true;
      return this.tear;
    }
    return -1;
  }

  /** Let n more programs or erases happen whole, then tear the next by `tear` (0..1) and lose power. */
  powerCut(n: number, tear: number): void {
    this.cutAt = this.ops + n;
    this.tear = tear;
  }

  /** Power comes back: operations work again, and no cut is pending. */
  revive(): void {
    this.dead = false;
    this.cutAt = -1;
  }

  /** The next n programs or erases throw E_FAULT and change nothing. */
  failNext(n: number): void {
    this.faults = n;
  }

  /** Start recording every program and erase. */
  record(): FlashOp[] {
    this.journal = [];
    return this.journal;
  }

  /** Apply a journal operation; with tear (0..1) apply only that part of it, as a power cut would. */
  apply(op: FlashOp, tear?: number): void {
    if (op.page >= 0) {
      this.pages[op.page] = tear === undefined ? fill(255, this.pageSize) : tornErase(this.pages[op.page], tear);
      this.erases[op.page]++;
    } else {
      const p = Math.floor(op.addr / this.pageSize);
      const off = op.addr - p * this.pageSize;
      const old = this.pages[p];
      this.pages[p] = tear === undefined ? old.substring(0, off) + op.data + old.substring(off + op.data.length) : tornProgram(old, off, op.data, tear);
      this.programs[p]++;
      this.programmed += op.data.length;
    }
    this.ops++;
  }

  /** A copy of this flash: same bytes and counters, no journal, no pending cut. */
  clone(): SimFlash {
    const c = new SimFlash(this.pageSize, this.pageCount, this.granularity);
    c.pages = this.pages.slice();
    c.programs = this.programs.slice();
    c.erases = this.erases.slice();
    c.ops = this.ops;
    c.programmed = this.programmed;
    return c;
  }

  /** The whole flash as one byte string. */
  image(): string {
    return this.pages.join("");
  }

  /** Flip one bit (0..7) of the byte at addr, as wear or radiation would; not an operation. */
  flipBit(addr: number, bit: number): void {
    const p = Math.floor(addr / this.pageSize);
    const off = addr - p * this.pageSize;
    const s = this.pages[p];
    const b = s.charCodeAt(off);
    this.pages[p] = s.substring(0, off) + String.fromCharCode(bxor(b, Math.pow(2, bit))) + s.substring(off + 1);
  }

  /** The flash after the first n operations of a journal, and a part (tear) of operation n when given. */
  static replay(pageSize: number, pageCount: number, granularity: number, journal: FlashOp[], n: number, tear?: number): SimFlash {
    const f = new SimFlash(pageSize, pageCount, granularity);
    for (let i = 0; i < n && i < journal.length; i++) f.apply(journal[i]);
    if (tear !== undefined && n < journal.length) f.apply(journal[n], tear);
    return f;
  }
}

/** A program cut short: a prefix of the bytes written, and the upper half of the next byte's bits cleared. */
function tornProgram(old: string, off: number, data: string, tear: number): string {
  const n = Math.floor(tear * data.length);
  let out = old.substring(0, off) + data.substring(0, n);
  if (n < data.length) {
    const o = old.charCodeAt(off + n);
    const d = data.charCodeAt(n);
    // o - d are the bits to clear (d's bits are a subset of o's); clear only those of the upper nibble.
    out += String.fromCharCode(o - Math.floor((o - d) / 16) * 16) + old.substring(off + n + 1);
  } else {
    out += old.substring(off + n);
  }
  return out;
}

/**
 * An erase cut short. Chips erase in no documented order, so both ends are played: a tear below 0.5
 * erases a prefix of the page (2 * tear of it), a tear from 0.5 erases a suffix, leaving the header.
 */
function tornErase(old: string, tear: number): string {
  if (tear < 0.5) {
    const n = Math.floor(2 * tear * old.length);
    return fill(255, n) + old.substring(n);
  }
  const n = Math.floor((2 * tear - 1) * old.length);
  return old.substring(0, old.length - n) + fill(255, n);
}
