/**
 * MySqlPipeline against a real MariaDB (test/setup/mariadb.ts starts one, or MYSQL_URL): batching,
 * flushes, idempotent reruns, keyword columns, Japanese text, invalid items, and a real crawl.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from '../../src/http/response.js';
import { MySqlPipeline, type MySqlPipelineOptions } from '../../src/pipelines/mysql.js';
import { Spider } from '../../src/spiders/spider.js';
import { adminConnection, itemsSpider, mysqlUrl, selectAll, uniqueName } from '../helpers/mysql-db.js';
import { messages, runSpider, sendJson, sleep, startServer } from '../helpers/server.js';

let db: Connection;
let url: string;
let spoolDir: string;

beforeAll(async () => {
  url = await mysqlUrl();
  db = await adminConnection();
  spoolDir = await mkdtemp(path.join(os.tmpdir(), 'teinei-spool-'));
});
afterAll(async () => {
  await db?.end();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});


/** Runs a spider with one MySqlPipeline. */
async function crawlInto(spider: ReturnType<typeof itemsSpider>, options: Omit<MySqlPipelineOptions, 'url'>) {
  const pipeline = new MySqlPipeline({ url, spoolDir, flushInterval: 0, ...options });
  return runSpider(spider, { settings: { itemPipelines: { mysql: { component: pipeline, order: 300 } } } });
}

async function createItemsTable(extra = ''): Promise<string> {
  const table = uniqueName('items');
  await db.query(`CREATE TABLE \`${table}\` (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, price DECIMAL(10,2) NULL ${extra}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  return table;
}

const items = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: from + i, name: `item ${from + i}`, price: (from + i) * 1.5 }));

describe('batching', () => {
  it('batchSize 3 with 7 items: 3 batches (3, 3, and the last 1 when idle), all rows', async () => {
    const table = await createItemsTable();
    const { result, crawler } = await crawlInto(itemsSpider(items(7)), { table, key: 'id', batchSize: 3 });
    expect(result.closeReason).toBe('finished');
    expect(result.stats['mysql/batches']).toBe(3);
    expect(result.stats['mysql/rows_written']).toBe(7);
    expect(crawler.stats.count('mysql/retries')).toBe(0);
    const rows = await selectAll(db, table, 'id');
    expect(rows.map((r) => [r.id, r.name, r.price])).toEqual(items(7).map((i) => [i.id, i.name, i.price.toFixed(2)]));
  });

  it('a full batch is written before process() returns (backpressure), exactly at batchSize', async () => {
    const table = await createItemsTable();
    const seen: number[] = [];
    const spider = itemsSpider(items(6), async (i) => {
      const [[row]] = (await db.query(`SELECT COUNT(*) AS n FROM \`${table}\``)) as unknown as [[{ n: number }]];
      seen[i] = Number(row.n);
    });
    const { result } = await crawlInto(spider, { table, key: 'id', batchSize: 2 });
    expect(result.stats['mysql/batches']).toBe(3);
    // Before item i is yielded, the batches completed by the earlier items are in the table.
    expect(seen).toEqual([0, 0, 2, 2, 4, 4]);
  });

  it('a batch larger than the statement budget is split into several statements, one transaction', async () => {
    const table = await createItemsTable();
    const { result } = await crawlInto(itemsSpider(items(40)), { table, key: 'id', batchSize: 40, maxStatementBytes: 1024 });
    expect(result.stats['mysql/batches']).toBe(1);
    expect(result.stats['mysql/rows_written']).toBe(40);
    expect(await selectAll(db, table, 'id')).toHaveLength(40);
  });

  it('flushes a partial batch every flushInterval seconds', async () => {
    const table = await createItemsTable();
    let countDuringPause = -1;
    const spider = itemsSpider(items(4), async (i) => {
      if (i !== 2) return;
      await sleep(700);
      const [[row]] = (await db.query(`SELECT COUNT(*) AS n FROM \`${table}\``)) as unknown as [[{ n: number }]];
      countDuringPause = Number(row.n);
    });
    const { result } = await crawlInto(spider, { table, key: 'id', batchSize: 100, flushInterval: 0.2 });
    expect(countDuringPause).toBe(2);
    expect(result.stats['mysql/rows_written']).toBe(4);
  });

  it('flushes on close, used directly without a crawler', async () => {
    const table = await createItemsTable();
    const pipeline = new MySqlPipeline({ url, table, key: 'id', batchSize: 100, flushInterval: 0, spoolDir });
    const spider = {} as Spider;
    await pipeline.open(spider);
    for (const item of items(5)) await pipeline.process(item, spider);
    expect(await selectAll(db, table, 'id')).toHaveLength(0);
    await pipeline.close(spider, 'finished');
    expect(await selectAll(db, table, 'id')).toHaveLength(5);
  });
});

describe('idempotency', () => {
  it('rerunning the same job yields the same rows; a changed value is updated, never duplicated', async () => {
    const table = await createItemsTable();
    await crawlInto(itemsSpider(items(5)), { table, key: 'id', batchSize: 2 });
    const first = await selectAll(db, table, 'id');
    await crawlInto(itemsSpider(items(5)), { table, key: 'id', batchSize: 2 });
    expect(await selectAll(db, table, 'id')).toEqual(first);
    const changed = items(6).map((i) => (i.id === 3 ? { ...i, name: 'renamed', price: 99 } : i));
    await crawlInto(itemsSpider(changed), { table, key: 'id', batchSize: 4 });
    const rows = await selectAll(db, table, 'id');
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.id === 3)).toMatchObject({ name: 'renamed', price: '99.00' });
    expect(rows.find((r) => r.id === 1)).toEqual(first.find((r) => r.id === 1));
  });

  it('a composite key: rows match on both columns', async () => {
    const table = uniqueName('composite');
    await db.query(`CREATE TABLE \`${table}\` (partner VARCHAR(20) NOT NULL, external_id INT NOT NULL, title TEXT, PRIMARY KEY (partner, external_id)) DEFAULT CHARSET=utf8mb4`);
    const job = [
      { partner: 'a', external_id: 1, title: 'a1' },
      { partner: 'b', external_id: 1, title: 'b1' },
      { partner: 'a', external_id: 2, title: 'a2' },
    ];
    for (let run = 0; run < 2; run++) await crawlInto(itemsSpider(job), { table, key: ['partner', 'external_id'], batchSize: 2 });
    await crawlInto(itemsSpider([{ partner: 'b', external_id: 1, title: 'b1 v2' }]), { table, key: ['partner', 'external_id'] });
    const rows = await selectAll(db, table, 'partner, external_id');
    expect(rows.map((r) => [r.partner, r.external_id, r.title])).toEqual([
      ['a', 1, 'a1'],
      ['a', 2, 'a2'],
      ['b', 1, 'b1 v2'],
    ]);
  });
});

describe('columns and values', () => {
  it('columns named like SQL keywords (limit, order, key) work, mapped from item fields', async () => {
    const table = uniqueName('keywords');
    await db.query(`CREATE TABLE \`${table}\` (\`key\` VARCHAR(20) PRIMARY KEY, \`limit\` INT, \`order\` INT, \`select\` TEXT) DEFAULT CHARSET=utf8mb4`);
    const job = [{ key: 'k1', limit: 10, order: 2, select: 'x' }, { key: 'k2', limit: 20, order: 1, select: null }];
    await crawlInto(itemsSpider(job), { table, key: 'key' });
    await crawlInto(itemsSpider([{ key: 'k1', limit: 11, order: 2, select: 'y' }]), { table, key: 'key' });
    expect(await selectAll(db, table, '`key`')).toEqual([
      { key: 'k1', limit: 11, order: 2, select: 'y' },
      { key: 'k2', limit: 20, order: 1, select: null },
    ]);
    const mapped = uniqueName('mapped');
    await db.query(`CREATE TABLE \`${mapped}\` (\`key\` INT PRIMARY KEY, \`order\` VARCHAR(20)) DEFAULT CHARSET=utf8mb4`);
    await crawlInto(itemsSpider([{ sku: 5, sort: 'asc', ignored: true }]), { table: mapped, key: 'key', columns: { sku: 'key', sort: 'order' } });
    await crawlInto(itemsSpider([{ sku: 6, sort: 'desc' }]), { table: mapped, key: 'key', toRow: (item: { sku: number; sort: string }) => ({ key: item.sku, order: item.sort.toUpperCase() }) });
    expect(await selectAll(db, mapped, '`key`')).toEqual([{ key: 5, order: 'asc' }, { key: 6, order: 'DESC' }]);
  });

  it('Japanese text, 4-byte characters and emoji round-trip exactly (utf8mb4), in text and JSON columns', async () => {
    const table = uniqueName('ja');
    await db.query(`CREATE TABLE \`${table}\` (id INT PRIMARY KEY, name VARCHAR(50), body TEXT, meta JSON) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    const texts = ['𠮷野家 🍣', '東京都渋谷区道玄坂１－２－３', 'ｶﾀｶﾅ と ひらがな', '𩸽（ほっけ）の塩焼き🐟', "O'Reilly \\ 「引用」\n改行"];
    const job = texts.map((t, i) => ({ id: i + 1, name: t.slice(0, 20), body: t, meta: { 店名: t, tags: ['寿司', '🍣'] } }));
    const { result } = await crawlInto(itemsSpider(job), { table, key: 'id', batchSize: 2 });
    expect(result.stats['mysql/rows_written']).toBe(5);
    const rows = await selectAll(db, table, 'id');
    expect(rows.map((r) => r.body)).toEqual(texts);
    expect(rows.map((r) => JSON.parse(r.meta as string))).toEqual(job.map((j) => j.meta));
    const [[first]] = (await db.query(`SELECT HEX(body) AS hex, CHAR_LENGTH(body) AS chars FROM \`${table}\` WHERE id = 1`)) as unknown as [[{ hex: string; chars: number }]];
    expect(first.hex).toBe(Buffer.from('𠮷野家 🍣').toString('hex').toUpperCase());
    expect(first.chars).toBe(5);
  });

  it('dates are written in UTC; booleans as 1/0; bigints exact', async () => {
    const table = uniqueName('types');
    await db.query(`CREATE TABLE \`${table}\` (id BIGINT UNSIGNED PRIMARY KEY, at DATETIME(3), ts TIMESTAMP(3) NULL, ok TINYINT(1)) DEFAULT CHARSET=utf8mb4`);
    const at = new Date('2026-11-27T06:30:00.123Z');
    await crawlInto(itemsSpider([{ id: 18446744073709551615n, at, ts: at, ok: true }]), { table, key: 'id' });
    const [[row]] = (await db.query(`SELECT id, at, CONVERT_TZ(ts, @@session.time_zone, '+00:00') AS ts_utc, ok FROM \`${table}\``)) as unknown as [[Record<string, unknown>]];
    expect(row).toEqual({ id: '18446744073709551615', at: '2026-11-27 06:30:00.123', ts_utc: '2026-11-27 06:30:00.123', ok: 1 });
  });

  it('invalid items are dropped (MySqlItemError, a WARNING naming the problem); the valid ones are written', async () => {
    const table = await createItemsTable();
    const job = [{ id: 1, name: 'ok' }, { name: 'no id' }, { id: 3, 'bad name': 'x' }, { id: 4, name: 'n', price: Number.NaN }, { id: 5, name: 'also ok' }];
    const { result, logs, items: passed } = await crawlInto(itemsSpider(job), { table, key: 'id', batchSize: 2 });
    expect(result.closeReason).toBe('finished');
    expect(result.stats['item_dropped_reasons_count/MySqlItemError']).toBe(3);
    expect(result.stats['mysql/rows_written']).toBe(2);
    expect(passed).toHaveLength(2);
    const warnings = messages(logs, 'WARNING').join('\n');
    expect(warnings).toContain('no value for key column "id"');
    expect(warnings).toContain('"bad name"');
    expect(warnings).toContain('NaN');
    expect((await selectAll(db, table, 'id')).map((r) => r.id)).toEqual([1, 5]);
  });
});

describe('in a real crawl', () => {
  it('items from a paginated JSON API over HTTP go through the engine into the table', async () => {
    const table = await createItemsTable();
    const server = await startServer((req, res) => {
      const page = Number(new URL(req.path, 'http://x').searchParams.get('page') ?? 1);
      const events = Array.from({ length: 5 }, (_, i) => ({ id: (page - 1) * 5 + i + 1, name: `イベント${(page - 1) * 5 + i + 1} 🎫` }));
      sendJson(res, { events, next: page < 4 ? `/events?page=${page + 1}` : null });
    });
    try {
      class Partner extends Spider {
        static override spiderName = 'partner';
        override async *start() {
          yield this.request(`${server.url}/events?page=1`, { callback: this.parse });
        }
        async *parse(response: Response) {
          const body = response.json<{ events: object[]; next: string | null }>();
          yield* body.events;
          if (body.next) yield response.follow(body.next, { callback: this.parse });
        }
      }
      const pipeline = new MySqlPipeline({ url, table, key: 'id', batchSize: 6, flushInterval: 1, spoolDir });
      const { result, logs } = await runSpider(Partner, { settings: { itemPipelines: { mysql: { component: pipeline, order: 300 } } } });
      expect(result.closeReason).toBe('finished');
      expect(messages(logs, 'ERROR')).toEqual([]);
      expect(result.stats['item_scraped_count']).toBe(20);
      expect(result.stats['mysql/rows_written']).toBe(20);
      const rows = await selectAll(db, table, 'id');
      expect(rows.map((r) => r.name)).toEqual(Array.from({ length: 20 }, (_, i) => `イベント${i + 1} 🎫`));
    } finally {
      await server.close();
    }
  });
});
