/**
 * MySqlPipeline's options, checked once at construction so a bad table or column name stops the
 * run before any request.
 */
import type { PoolOptions } from 'mysql2/promise';
import { TeineiError } from '../../core/errors.js';
import { quoteIdentifier, quoteTableName } from './identifiers.js';
import type { ColumnsOption, ToRow } from './rows.js';

/**
 * The pool options the pipeline sets, before `options.pool`: utf8mb4; BIGINT and DECIMAL read back
 * as strings (exact); JSON columns as strings; Dates written in UTC (the session `time_zone` is set
 * to match); TCP keep-alive so idle connections between batches survive NAT and proxies.
 */
export const defaultPoolOptions: PoolOptions = {
  charset: 'utf8mb4',
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
  jsonStrings: true,
  timezone: 'Z',
  enableKeepAlive: true,
  keepAliveInitialDelay: 10_000,
  connectionLimit: 2,
  maxIdle: 2,
  idleTimeout: 60_000,
  connectTimeout: 10_000,
  waitForConnections: true,
  multipleStatements: false,
};

/** Options of `new MySqlPipeline({ … })`. */
export interface MySqlPipelineOptions<Item extends object = any> {
  /** `mysql://user:password@host:port/database` (mysql2's `uri`; its query parameters only fill options left unset: change defaults with `pool`). */
  url: string;
  /** Target table, optionally `database.table`. */
  table: string;
  /** The primary or unique key column(s) the upsert matches on; left out of the update list. */
  key: string | string[];
  /** Rows per batch (one transaction each); default 500. */
  batchSize?: number;
  /** Seconds between timed flushes of a partial batch; default 5, 0 disables the timer. */
  flushInterval?: number;
  /** Item fields → columns: a list of same-named fields, or `{ field: column }`. Default: every field of each item. */
  columns?: ColumnsOption;
  /** Builds the row (column → value) from an item, instead of `columns`. */
  toRow?: ToRow<Item>;
  /** Retries of a batch after a lost connection, a deadlock or a lock wait timeout; default 5. */
  maxRetries?: number;
  /** Backoff base in seconds: retry n waits a random time up to min(max, base × 2^(n-1)); default 0.5. */
  retryBackoffBase?: number;
  /** Longest backoff wait in seconds; default 30. */
  retryBackoffMax?: number;
  /** Where unwritten rows are saved as JSON lines; default `.teinei/spool`. */
  spoolDir?: string;
  /** Largest INSERT statement in bytes; default 80% of the server's `max_allowed_packet`. */
  maxStatementBytes?: number;
  /** mysql2 pool options, applied over the pipeline's defaults (see MySqlPipeline). */
  pool?: PoolOptions;
}

/** The options with their defaults applied and names validated. */
export interface ResolvedOptions {
  url: string;
  table: string;
  quotedTable: string;
  key: string[];
  batchSize: number;
  flushInterval: number;
  columns?: ColumnsOption | undefined;
  toRow?: ToRow | undefined;
  maxRetries: number;
  retryBackoffBase: number;
  retryBackoffMax: number;
  spoolDir: string;
  maxStatementBytes?: number | undefined;
  pool: PoolOptions;
}

/**
 * Applies defaults and checks every option.
 * @throws MySqlIdentifierError for an invalid table, key or column name; TeineiError for other bad options
 */
export function resolveOptions(options: MySqlPipelineOptions): ResolvedOptions {
  const fail = (message: string): never => {
    throw new TeineiError(`MySqlPipeline: ${message}`);
  };
  if (typeof options?.url !== 'string' || options.url === '') fail('`url` is required (mysql://user:password@host:port/database)');
  const quotedTable = quoteTableName(options.table);
  const key = typeof options.key === 'string' ? [options.key] : [...(options.key ?? [])];
  if (key.length === 0) fail('`key` needs at least one column');
  for (const column of key) quoteIdentifier(column, 'key column');
  if (options.columns && options.toRow) fail('give either `columns` or `toRow`, not both');
  if (options.columns) {
    const mapped = Array.isArray(options.columns) ? options.columns : Object.values(options.columns);
    for (const column of key) if (!mapped.includes(column)) fail(`key column "${column}" is not among \`columns\``);
  }
  const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min) fail(`\`${name}\` must be an integer ≥ ${min}, got ${v}`);
    return v;
  };
  const secs = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`\`${name}\` must be a number of seconds ≥ 0, got ${v}`);
    return v;
  };
  return {
    url: options.url,
    table: options.table,
    quotedTable,
    key,
    batchSize: int('batchSize', options.batchSize, 500, 1),
    flushInterval: secs('flushInterval', options.flushInterval, 5),
    columns: options.columns,
    toRow: options.toRow,
    maxRetries: int('maxRetries', options.maxRetries, 5, 0),
    retryBackoffBase: secs('retryBackoffBase', options.retryBackoffBase, 0.5),
    retryBackoffMax: secs('retryBackoffMax', options.retryBackoffMax, 30),
    spoolDir: options.spoolDir ?? '.teinei/spool',
    maxStatementBytes: options.maxStatementBytes === undefined ? undefined : int('maxStatementBytes', options.maxStatementBytes, 0, 1024),
    pool: options.pool ?? {},
  };
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
