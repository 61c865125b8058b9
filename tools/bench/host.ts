// Host, in memory: MoteDB against LokiJS and @seald-io/nedb on the same documents, in the same run.
// Each round builds a fresh store per contender (put one at a time), reads every key in a shuffled
// order, runs each query, and builds another fresh store with one batch; the contenders take turns
// in a rotating order. Figures are medians over rounds; ratios are medians of per-round ratios
// (MoteDB / other: above 1 means MoteDB is faster), which cancels drift on a shared machine.
//
// Fairness notes: LokiJS keeps the objects you insert and returns them by reference (no copy);
// NeDB copies in and out and runs every call through its async queue (awaited one at a time, as
// an application would); MoteDB encodes on put and decodes on every read. All three scan for queries.

import Loki from "lokijs";
import Datastore from "@seald-io/nedb";
import { MoteDB } from "../../src/index";
import { hostMemory } from "../../src/ports/host";
import { Item, items, LOKI_QUERY, MOTE_QUERY, NEDB_QUERY, QUERIES, QueryKind } from "./data";
import { collect, median, rotate, shuffled, timeMs } from "./measure";

export const CONTENDERS = ["MoteDB", "LokiJS", "NeDB"] as const;
export type ContenderName = (typeof CONTENDERS)[number];
export const HOST_OPS = ["put", "get", "query:eq", "query:range", "query:tag", "batch"] as const;

/** What one contender does, each step a whole loop (so no per-operation await distorts the sync stores). */
interface Runner {
  /** Untimed set-up before each build: fresh input objects for stores that keep what they are given. */
  prepare(): void;
  putAll(): unknown;
  getAll(order: number[]): unknown;
  query(kind: QueryKind): number | Promise<number>;
  batchAll(): unknown;
}

const FIXED_CLOCK = { now: () => 1_700_000_000 };
/** No background timers: the databases a round builds are dropped, not closed. */
export const NO_TIMERS = { every: () => 0, cancel: () => undefined };

function moteRunner(data: Item[]): Runner {
  let db: MoteDB | undefined;
  const fresh = () => new MoteDB({ memory: hostMemory(1e12), clock: FIXED_CLOCK, scheduler: NO_TIMERS });
  return {
    prepare() {
      // MoteDB copies what it is given (it encodes it), so the shared input serves every build.
    },
    putAll() {
      db = fresh();
      for (let i = 0; i < data.length; i++) db.put(data[i].key, data[i].doc, 0, data[i].tags);
    },
    getAll(order) {
      const d = db as MoteDB;
      for (let i = 0; i < order.length; i++) d.get(data[order[i]].key);
    },
    query(kind) {
      return (db as MoteDB).query(MOTE_QUERY[kind]).length;
    },
    batchAll() {
      const pairs: [string, unknown][] = [];
      const tags: string[][] = [];
      for (let i = 0; i < data.length; i++) {
        pairs.push([data[i].key, data[i].doc]);
        tags.push(data[i].tags);
      }
      fresh().putBatch(pairs, 0, tags);
    },
  };
}

interface Flat {
  key?: string;
  _id?: string;
  id: number;
  room: string;
  t: number;
  ok: boolean;
  tags: string[];
}

/** Plain copies for a store that keeps (LokiJS) or re-copies (NeDB) the objects it is given, made before the clock starts. */
function flat(data: Item[], keyField: "key" | "_id"): Flat[] {
  const out: Flat[] = [];
  for (let i = 0; i < data.length; i++) {
    const d = data[i].doc;
    const o: Flat = { id: d.id, room: d.room, t: d.t, ok: d.ok, tags: data[i].tags.slice() };
    o[keyField] = data[i].key;
    out.push(o);
  }
  return out;
}

function lokiRunner(data: Item[]): Runner {
  let coll: Collection<Flat> | undefined;
  let copies: Flat[] = [];
  const fresh = () => new Loki("bench.db").addCollection<Flat>("docs", { unique: ["key"], disableMeta: true });
  return {
    prepare() {
      copies = flat(data, "key");
    },
    putAll() {
      const c = fresh();
      for (let i = 0; i < copies.length; i++) c.insert(copies[i]);
      coll = c;
    },
    getAll(order) {
      const c = coll as Collection<Flat>;
      for (let i = 0; i < order.length; i++) c.by("key", data[order[i]].key);
    },
    query(kind) {
      return (coll as Collection<Flat>).find(LOKI_QUERY[kind] as LokiQuery<Flat>).length;
    },
    batchAll() {
      fresh().insert(copies);
    },
  };
}

function nedbRunner(data: Item[]): Runner {
  let store: Datastore<Flat> | undefined;
  let copies: Flat[] = [];
  return {
    prepare() {
      copies = flat(data, "_id");
    },
    async putAll() {
      const s = new Datastore<Flat>();
      for (let i = 0; i < copies.length; i++) await s.insertAsync(copies[i]);
      store = s;
    },
    async getAll(order) {
      const s = store as Datastore<Flat>;
      for (let i = 0; i < order.length; i++) await s.findOneAsync({ _id: data[order[i]].key });
    },
    async query(kind) {
      return (await (store as Datastore<Flat>).findAsync(NEDB_QUERY[kind])).length;
    },
    async batchAll() {
      await new Datastore<Flat>().insertAsync(copies);
    },
  };
}

export interface HostRow {
  n: number;
  op: string;
  unit: string;
  /** Median operations (or queries, or documents for batch) per second. */
  perSec: Record<ContenderName, number>;
  /** Median over rounds of MoteDB's rate divided by the other's. */
  ratio: { LokiJS: number; NeDB: number };
  /** Documents a query returned (the same for every contender, checked). */
  results?: number;
}

export interface HostSection {
  rounds: number;
  queryRepeats: number;
  sizes: number[];
  contenders: string[];
  rows: HostRow[];
}

export async function hostSection(sizes: number[], rounds: number, queryRepeats: number, log: (s: string) => void): Promise<HostSection> {
  // A warm-up at the first size, thrown away: the first thousands of calls run in V8's interpreter
  // and its lower tiers, and would count against whichever contender happens to go first.
  log("host warm-up");
  await measureSize(sizes[0], 2, queryRepeats, () => undefined);
  const rows: HostRow[] = [];
  for (const n of sizes) rows.push(...(await measureSize(n, rounds, queryRepeats, log)));
  return { rounds, queryRepeats, sizes, contenders: CONTENDERS.slice(), rows };
}

async function measureSize(n: number, rounds: number, queryRepeats: number, log: (s: string) => void): Promise<HostRow[]> {
  const rows: HostRow[] = [];
  const data = items(n);
  const order = shuffled(n, 7 + n);
  const runners: Record<ContenderName, Runner> = { MoteDB: moteRunner(data), LokiJS: lokiRunner(data), NeDB: nedbRunner(data) };
  // rates[op][contender][round]
  const rates: Record<string, Record<string, number[]>> = {};
  for (const op of HOST_OPS) {
    rates[op] = {};
    for (const c of CONTENDERS) rates[op][c] = [];
  }
  const results: Record<string, Record<string, number>> = {};
  for (let r = 0; r < rounds; r++) {
    for (const c of rotate(CONTENDERS.slice(), r)) {
      log("host n=" + n + " round " + (r + 1) + "/" + rounds + ": " + c);
      const run = runners[c];
      run.prepare();
      collect();
      rates.put[c].push(n / ((await timeMs(() => run.putAll())) / 1000));
      rates.get[c].push(n / ((await timeMs(() => run.getAll(order))) / 1000));
      for (const q of QUERIES) {
        let found = 0;
        const ms = await timeMs(async () => {
          for (let i = 0; i < queryRepeats; i++) found = await run.query(q);
        });
        rates["query:" + q][c].push(queryRepeats / (ms / 1000));
        results[q] = results[q] || {};
        results[q][c] = found;
      }
      run.prepare();
      collect();
      rates.batch[c].push(n / ((await timeMs(() => run.batchAll())) / 1000));
    }
    // Let this round's stores go before the next round builds new ones.
    collect();
  }
  for (const q of QUERIES) {
    const got = results[q];
    if (got.MoteDB !== got.LokiJS || got.MoteDB !== got.NeDB) {
      throw new Error("query " + q + " disagrees between contenders: " + JSON.stringify(got));
    }
  }
  for (const op of HOST_OPS) {
    const perSec = {} as Record<ContenderName, number>;
    for (const c of CONTENDERS) perSec[c] = median(rates[op][c]);
    const ratio = { LokiJS: 0, NeDB: 0 };
    for (const other of ["LokiJS", "NeDB"] as const) {
      const rs: number[] = [];
      for (let r = 0; r < rounds; r++) rs.push(rates[op].MoteDB[r] / rates[op][other][r]);
      ratio[other] = median(rs);
    }
    const row: HostRow = { n, op, unit: op === "batch" ? "docs/s" : op.startsWith("query") ? "queries/s" : "ops/s", perSec, ratio };
    if (op.startsWith("query:")) row.results = results[op.slice(6)].MoteDB;
    rows.push(row);
  }
  return rows;
}
