// The query compiler of the kv build (motedb-kv.min.js), which leaves the query engine out to
// save RAM on tiny boards: the build puts this file where src/query.ts would be. An absent query
// still means every record, so query(), keys() and count() without one work as usual.

import { E_NO_QUERY, moteError } from "../src/errors";
import { isNull } from "../src/lang";
import type { Query } from "../src/query";

export type { Query };

function every(): boolean {
  return true;
}

export function compileQuery(q: unknown): Query {
  if (q === undefined || isNull(q)) return { test_: every, skip_: 0, limit_: Infinity };
  throw moteError(E_NO_QUERY, "kv build: use motedb.min.js to query");
}
