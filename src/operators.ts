// The query operators' numbers: their places in compileQuery's list of names (query.ts, OPS), by
// which it compiles them; ranges of numbers are groups (comparisons, list operators, combinators).
// A module of constants only, so that esbuild inlines them: the names cost the Espruino bundle nothing.

// A field's condition.
export const Q_EQ = 0;
export const Q_NE = 1;
export const Q_EXISTS = 2;
/** $gt, $gte, $lt, $lte: the comparisons, Q_GT to Q_LTE; the even ones ($gte, $lte) also hold when equal. */
export const Q_GT = 3;
export const Q_LT = 5;
export const Q_LTE = 6;
export const Q_SIZE = 7;
export const Q_CONTAINS = 8;
export const Q_ELEM_MATCH = 9;
/** $in, $nin, $all: a list of values, Q_IN and after. */
export const Q_IN = 10;
export const Q_NIN = 11;
export const Q_ALL = 12;
/** $not: in both a field's condition and a query document. */
export const Q_NOT = 13;
// A query document.
export const Q_AND = 14;
export const Q_NOR = 16;
/** $limit and $skip: the window of results, Q_LIMIT and after. */
export const Q_LIMIT = 17;

