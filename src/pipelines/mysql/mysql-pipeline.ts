/**
 * MySqlPipeline: upserts items into a MySQL or MariaDB table in batches, one transaction per batch.
 */
import mysql, { type Pool, type PoolConnection, type PoolOptions, type RowDataPacket } from 'mysql2/promise';
import type { Crawler } from '../../core/crawler.js';
import { TeineiError } from '../../core/errors.js';
import { Logger, stderrSink } from '../../core/log.js';
import type { ItemPipeline } from '../../middlewares/types.js';
import type { Spider } from '../../spiders/spider.js';
import { defaultPoolOptions, redactUrl, resolveOptions, type MySqlPipelineOptions, type ResolvedOptions } from './options.js';
import { backoffSeconds, describeError, isRetryable } from './retry.js';
import { RowMapper, type Row, type SqlValue } from './rows.js';
import { Spool } from './spool.js';
import { buildUpserts } from './upsert-sql.js';

/**
 * Writes items to a MySQL/MariaDB table with multi-row `INSERT … ON DUPLICATE KEY UPDATE`, so
 * rerunning a job updates rows instead of duplicating them.
 *
 * - Batches of `batchSize` rows (split further to stay under `max_allowed_packet`), flushed when
 *   full (process() waits for it: backpressure), every `flushInterval` seconds, when the spider goes
 *   idle and on close. One transaction per batch.
 * - A lost or killed connection, a deadlock or a lock wait timeout retries the batch on a fresh
 *   connection with exponential backoff (`mysql/retries`). When retries run out, or on any other
 *   error, the batch and every later row go to a spool file named in an ERROR, and the spider closes
 *   with reason `mysql_error`.
 * - An item that cannot become a row (no key value, a field that is not a valid column name, NaN)
 *   is dropped with MySqlItemError.
 * Stats: `mysql/rows_written`, `mysql/batches`, `mysql/retries`, `mysql/rows_spooled`.
 */
export class MySqlPipeline<Item extends object = any> implements ItemPipeline<Item> {
  private readonly options: ResolvedOptions;
  private readonly mapper: RowMapper;
  private pool?: Pool;
  private buffer: Row[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private crawler?: Crawler;
  private logger: Logger = new Logger('teinei.mysql', 'INFO', stderrSink);
  private offIdle?: () => void;
  private spool?: Spool;
  private failure?: string;
  private maxBytes = 0;
  private noBackslashEscapes = false;
  private sessionTimeZone?: string;

  /** @throws MySqlIdentifierError naming an invalid table, key or column name; TeineiError for other bad options */
  constructor(options: MySqlPipelineOptions<Item>) {
    this.options = resolveOptions(options);
    this.mapper = new RowMapper(this.options);
  }

  /** Connects (the pool), reads `max_allowed_packet` and starts the flush timer. */
  async open(spider: Spider): Promise<void> {
    const { options } = this;
    this.crawler = spider.crawler as Crawler | undefined;
    if (this.crawler) this.logger = this.crawler.logger.child('mysql');
    this.buffer = [];
    this.chain = Promise.resolve();
    this.failure = undefined;
    this.spool = new Spool(options.spoolDir, options.table);
    const poolOptions: PoolOptions = { ...defaultPoolOptions, ...options.pool, uri: options.url };
    const tz = poolOptions.timezone;
    this.sessionTimeZone = tz === 'Z' ? '+00:00' : tz && /^[+-]\d\d:\d\d$/.test(tz) ? tz : undefined;
    const pool = mysql.createPool(poolOptions);
    try {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT @@max_allowed_packet AS maxPacket, @@sql_mode AS sqlMode');
      const maxPacket = Number(rows[0]?.maxPacket ?? 4 * 1024 * 1024);
      this.maxBytes = Math.min(options.maxStatementBytes ?? Math.floor(maxPacket * 0.8), maxPacket - 1024);
      this.noBackslashEscapes = /NO_BACKSLASH_ESCAPES/i.test(String(rows[0]?.sqlMode ?? ''));
    } catch (error) {
      await pool.end().catch(() => {});
      throw new TeineiError(`MySqlPipeline could not connect to ${redactUrl(options.url)}: ${describeError(error)}`, { cause: error });
    }
    this.pool = pool;
    if (options.flushInterval > 0) {
      this.timer = setInterval(() => void this.flush(true).catch(() => {}), options.flushInterval * 1000);
      this.timer.unref();
    }
    // Flushing when idle lets a failed last batch still close the spider with `mysql_error`.
    this.offIdle = this.crawler?.signals.on('spiderIdle', () => this.flush(true));
  }

  /** Buffers the item's row; waits for a flush when the batch is full. */
  async process(item: Item, _spider: Spider): Promise<Item> {
    this.buffer.push(this.mapper.map(item));
    if (this.failure) await this.flush(true);
    else if (this.buffer.length >= this.options.batchSize) await this.flush(false);
    return item;
  }

  /** Flushes what is left, then closes the pool. */
  async close(_spider: Spider, _reason: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.offIdle?.();
    try {
      await this.flush(true);
      if (this.spool?.path) {
        this.logger.error(`${this.stat('mysql/rows_spooled')} rows were not written to ${this.options.table}; they are saved in ${this.spool.path}`);
      }
    } finally {
      await this.pool?.end().catch(() => {});
      this.pool = undefined;
    }
  }

  /** Writes buffered rows: full batches only, or everything when `all`. Flushes run one at a time. */
  flush(all: boolean): Promise<void> {
    const job = this.chain.then(() => this.drain(all));
    this.chain = job.catch(() => {});
    return job;
  }

  private async drain(all: boolean): Promise<void> {
    const size = this.options.batchSize;
    while (this.buffer.length >= size || (all && this.buffer.length > 0)) {
      const rows = this.buffer.splice(0, size);
      if (this.failure) await this.spoolRows(rows);
      else await this.writeBatch(rows);
    }
  }

  private async writeBatch(rows: Row[]): Promise<void> {
    const { options } = this;
    const statements = buildUpserts(rows, { table: options.quotedTable, key: options.key, escape: this.escape, maxBytes: this.maxBytes });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transaction(statements);
        this.inc('mysql/rows_written', rows.length);
        this.inc('mysql/batches');
        return;
      } catch (error) {
        if (isRetryable(error) && attempt <= options.maxRetries && this.pool) {
          const wait = backoffSeconds(attempt, options.retryBackoffBase, options.retryBackoffMax);
          this.inc('mysql/retries');
          this.logger.warning(`Retrying a batch of ${rows.length} rows for ${options.table} (${attempt}/${options.maxRetries}) in ${wait.toFixed(2)} s: ${describeError(error)}`);
          await new Promise((resolve) => setTimeout(resolve, wait * 1000));
          continue;
        }
        const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
        this.failure = `${describeError(error)}${tries}`;
        const file = await this.spoolRows(rows);
        this.logger.error(`Could not write a batch of ${rows.length} rows to ${options.table}${tries}: ${describeError(error)}; the ${rows.length} unwritten rows are saved in ${file}`, error);
        this.crawler?.engine.closeSpider('mysql_error');
        return;
      }
    }
  }

  /** Runs the statements in one transaction on one pooled connection; a broken connection is destroyed. */
  private async transaction(statements: string[]): Promise<void> {
    if (!this.pool) throw new TeineiError('MySqlPipeline is not open');
    const conn: PoolConnection = await this.pool.getConnection();
    let broken = false;
    try {
      if (this.sessionTimeZone) await conn.query(`SET time_zone = '${this.sessionTimeZone}'`);
      await conn.beginTransaction();
      for (const sql of statements) await conn.query(sql);
      await conn.commit();
    } catch (error) {
      broken = (error as { fatal?: boolean }).fatal === true;
      if (!broken) await conn.rollback().catch(() => (broken = true));
      throw error;
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  /** Saves rows to the spool file and returns its path; only the first save is silent (its caller logs it). */
  private async spoolRows(rows: Row[]): Promise<string> {
    this.spool ??= new Spool(this.options.spoolDir, this.options.table);
    const first = this.spool.path === undefined;
    const file = await this.spool.write(rows);
    this.inc('mysql/rows_spooled', rows.length);
    if (!first) this.logger.warning(`Saved ${rows.length} more unwritten rows for ${this.options.table} to ${file} (writing stopped: ${this.failure})`);
    return file;
  }

  private readonly escape = (value: SqlValue): string =>
    mysql.escape(value, undefined, this.sessionTimeZone === '+00:00' ? 'Z' : (this.sessionTimeZone ?? 'local'), { noBackslashEscapes: this.noBackslashEscapes });

  private inc(key: string, by = 1): void {
    this.crawler?.stats.inc(key, by);
  }

  private stat(key: string): number {
    return this.crawler?.stats.count(key) ?? 0;
  }
}
