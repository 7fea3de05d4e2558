/**
 * Builds multi-row `INSERT … ON DUPLICATE KEY UPDATE col = VALUES(col)` statements, as text with
 * client-side escaping (mysql2's `execute()` cannot expand a list of rows; `query()` sends text),
 * split so that no statement exceeds a byte budget under the server's `max_allowed_packet`.
 * `VALUES(col)` is the form MySQL (deprecated but accepted since 8.0.20) and MariaDB both take.
 */
import { quoteIdentifier } from './identifiers.js';
import type { Row, SqlValue } from './rows.js';

/** How statements are built for one table. */
export interface UpsertSqlOptions {
  /** The table, already quoted (quoteTableName). */
  table: string;
  /** Key columns: left out of the update list. */
  key: readonly string[];
  /** Escapes one value as an SQL literal. */
  escape: (value: SqlValue) => string;
  /** Largest statement in bytes (UTF-8); a single row over it still goes alone (the server then rejects it). */
  maxBytes: number;
}

/**
 * The statements that upsert `rows`, in order. Consecutive rows with the same columns share a
 * statement, so a later row for the same key still wins, as it would row by row.
 */
export function buildUpserts(rows: readonly Row[], options: UpsertSqlOptions): string[] {
  const statements: string[] = [];
  let start = 0;
  while (start < rows.length) {
    const columns = Object.keys(rows[start]!);
    const signature = columns.join(',');
    let end = start + 1;
    while (end < rows.length && Object.keys(rows[end]!).join(',') === signature) end++;
    appendRun(statements, rows.slice(start, end), columns, options);
    start = end;
  }
  return statements;
}

function appendRun(statements: string[], rows: readonly Row[], columns: readonly string[], options: UpsertSqlOptions): void {
  const quoted = columns.map((c) => quoteIdentifier(c));
  const head = `INSERT INTO ${options.table} (${quoted.join(', ')}) VALUES `;
  const tail = ` ON DUPLICATE KEY UPDATE ${updateList(columns, options.key)}`;
  const fixedBytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  let tuples: string[] = [];
  let bytes = fixedBytes;
  for (const row of rows) {
    const tuple = `(${columns.map((c) => options.escape(row[c] ?? null)).join(', ')})`;
    const tupleBytes = Buffer.byteLength(tuple) + (tuples.length > 0 ? 1 : 0);
    if (tuples.length > 0 && bytes + tupleBytes > options.maxBytes) {
      statements.push(head + tuples.join(',') + tail);
      tuples = [];
      bytes = fixedBytes;
    }
    tuples.push(tuple);
    bytes += Buffer.byteLength(tuple) + (tuples.length > 1 ? 1 : 0);
  }
  if (tuples.length > 0) statements.push(head + tuples.join(',') + tail);
}

/** `a = VALUES(a), b = VALUES(b)` for the non-key columns; `k = k` when every column is a key. */
export function updateList(columns: readonly string[], key: readonly string[]): string {
  const keySet = new Set(key);
  const updates = columns.filter((c) => !keySet.has(c)).map((c) => `${quoteIdentifier(c)} = VALUES(${quoteIdentifier(c)})`);
  if (updates.length > 0) return updates.join(', ');
  const first = quoteIdentifier(key[0] ?? columns[0]!);
  return `${first} = ${first}`;
}
