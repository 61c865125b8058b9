// The documents every section stores: small sensor readings with two tags, the shape MoteDB is for.
// Generated from the index alone, so any section can rebuild the same data without keeping it.

export interface Reading {
  id: number;
  room: string;
  t: number;
  ok: boolean;
}

export interface Item {
  key: string;
  doc: Reading;
  tags: string[];
}

export function key(i: number): string {
  return "k" + String(i).padStart(6, "0");
}

export function reading(i: number): Reading {
  return { id: i, room: "room-" + (i % 50), t: 15 + (i % 200) / 10, ok: i % 2 === 0 };
}

export function tagsOf(i: number): string[] {
  return ["s" + (i % 10), "f" + (i % 7)];
}

export function item(i: number): Item {
  return { key: key(i), doc: reading(i), tags: tagsOf(i) };
}

export function items(n: number): Item[] {
  const out: Item[] = [];
  for (let i = 0; i < n; i++) out.push(item(i));
  return out;
}

/**
 * The three queries, each with one meaning for every contender: equality on a field (1 in 50),
 * a numeric range (1 in 20), and membership of a tag (1 in 10). No contender has a secondary
 * index, so each one scans.
 */
export const QUERIES = ["eq", "range", "tag"] as const;
export type QueryKind = (typeof QUERIES)[number];

export const MOTE_QUERY: Record<QueryKind, object> = {
  eq: { room: "room-7" },
  range: { t: { $gte: 20, $lt: 21 } },
  tag: { tags: "s3" },
};
export const LOKI_QUERY: Record<QueryKind, object> = {
  eq: { room: "room-7" },
  // LokiJS applies only the first operator of { $gte, $lt }: the range takes an $and.
  range: { $and: [{ t: { $gte: 20 } }, { t: { $lt: 21 } }] },
  tag: { tags: { $contains: "s3" } },
};
export const NEDB_QUERY: Record<QueryKind, object> = {
  eq: { room: "room-7" },
  range: { t: { $gte: 20, $lt: 21 } },
  tag: { tags: "s3" },
};
