/**
 * A `where` expression applied to raw CSV records: the header names the columns, and each record
 * is tested on its bytes, decoding only the columns the expression reads (see `pickFields`). Used
 * by `splitCsv --where` and by the `processChunks` workers, which both see records as byte ranges.
 */
import { parseRecordFields, pickFields } from './fields.js';
import { compileWhere } from './filter.js';

/** Tests the record `bytes[start, end)`. */
export type RecordFilter = (bytes: Buffer, start: number, end: number) => boolean;

/** Compiles `where` against the header record's column names. @throws on syntax errors and unknown columns */
export function compileRecordFilter(where: string, header: Buffer, decode: (bytes: Buffer) => string): RecordFilter {
  const names = parseRecordFields(decode(header));
  const predicate = compileWhere(where, names);
  const indexes = predicate.columns.map((c) => names.indexOf(c));
  const wanted = Array.from({ length: Math.max(-1, ...indexes) + 1 }, (_, i) => indexes.includes(i));
  return (bytes, start, end) => {
    const values = pickFields(bytes, start, end, wanted, decode);
    const row: Record<string, string> = {};
    for (const i of indexes) row[names[i]!] = values[i]!;
    return predicate(row);
  };
}
