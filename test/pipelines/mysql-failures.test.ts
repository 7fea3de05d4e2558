/**
 * MySqlPipeline when the database misbehaves, on a real MariaDB: a connection killed mid-batch
 * (KILL CONNECTION from a second session) or between batches, transient deadlocks, retries running
 * out (the rows go to a spool file named in an ERROR and the crawl closes with `mysql_error`),
 * an error that is not retried, and a server that cannot be reached at open.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MySqlPipeline, type MySqlPipelineOptions } from '../../src/pipelines/mysql.js';
import { Spider } from '../../src/spiders/spider.js';
import { freePort } from '../helpers/mariadb.js';
import { adminConnection, createUser, itemsSpider, mysqlUrl, selectAll, uniqueName } from '../helpers/mysql-db.js';
import { messages, runSpider, sleep } from '../helpers/server.js';

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


async function crawlInto(spider: ReturnType<typeof itemsSpider>, options: Partial<MySqlPipelineOptions> & Pick<MySqlPipelineOptions, 'table' | 'key'>) {
  const pipeline = new MySqlPipeline({ url, spoolDir, flushInterval: 0, retryBackoffBase: 0.01, ...options });
  return runSpider(spider, { settings: { itemPipelines: { mysql: { component: pipeline, order: 300 } } } });
}

async function createItemsTable(): Promise<string> {
  const table = uniqueName('items');
  await db.query(`CREATE TABLE \`${table}\` (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  return table;
}

const items = (n: number, slow?: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, name: i + 1 === slow ? 'slow' : `item ${i + 1}` }));

async function connectionIds(user: string, where = ''): Promise<number[]> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? ${where}`, [user]);
  return rows.map((r) => Number(r.id));
}

describe('lost connections', () => {
  it('a connection killed mid-batch (KILL CONNECTION from a second session): the batch is retried, every row arrives', async () => {
    const table = await createItemsTable();
    // Row 5 makes its INSERT take 400 ms, long enough for a second session to find and kill it. Inside
    // the trigger PROCESSLIST shows the trigger's definer as USER and the trigger's statement as INFO,
    // so the statement names the table, and the killer looks for that.
    const marker = `DO SLEEP(0.4) OR '${table}'`;
    await db.query(`CREATE TRIGGER \`${table}_slow\` BEFORE INSERT ON \`${table}\` FOR EACH ROW BEGIN IF NEW.name = 'slow' THEN ${marker}; END IF; END`);
    const { url: userUrl } = await createUser(db);
    let killed: number | undefined;
    let stop = false;
    const killer = (async () => {
      while (!stop && killed === undefined) {
        const [rows] = await db.query<RowDataPacket[]>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO = ?', [marker]);
        const id = rows[0]?.id as number | undefined;
        if (id !== undefined) {
          await db.query(`KILL CONNECTION ${id}`);
          killed = id;
        } else await sleep(10);
      }
    })();
    try {
      const { result, logs } = await crawlInto(itemsSpider(items(9, 5)), { url: userUrl, table, key: 'id', batchSize: 3 });
      expect(killed).toBeDefined();
      expect(result.closeReason).toBe('finished');
      expect(result.stats['mysql/retries']).toBeGreaterThanOrEqual(1);
      expect(result.stats['mysql/rows_written']).toBe(9);
      expect(result.stats['mysql/rows_spooled']).toBeUndefined();
      expect(messages(logs, 'WARNING').join('\n')).toMatch(/Retrying a batch of 3 rows .*(ER_CONNECTION_KILLED|PROTOCOL_CONNECTION_LOST|Connection was killed)/);
      expect(messages(logs, 'ERROR')).toEqual([]);
      expect((await selectAll(db, table, 'id')).map((r) => r.name)).toEqual(items(9, 5).map((i) => i.name));
    } finally {
      stop = true;
      await killer;
    }
  });

  it('pooled connections killed between batches: the next batch still arrives', async () => {
    const table = await createItemsTable();
    const { user, url: userUrl } = await createUser(db);
    let killedCount = 0;
    const spider = itemsSpider(items(9), async (i) => {
      if (i !== 3 && i !== 6) return;
      for (const id of await connectionIds(user)) {
        await db.query(`KILL CONNECTION ${id}`);
        killedCount++;
      }
    });
    const { result } = await crawlInto(spider, { url: userUrl, table, key: 'id', batchSize: 3 });
    expect(killedCount).toBeGreaterThanOrEqual(2);
    expect(result.closeReason).toBe('finished');
    expect(result.stats['mysql/rows_written']).toBe(9);
    expect(await selectAll(db, table, 'id')).toHaveLength(9);
  });

  it('transient deadlocks are retried with backoff', async () => {
    const table = await createItemsTable();
    // A non-transactional counter (MyISAM) survives the rollbacks: the first two attempts deadlock.
    await db.query(`CREATE TABLE \`${table}_n\` (n INT NOT NULL) ENGINE=MyISAM`);
    await db.query(`INSERT INTO \`${table}_n\` VALUES (0)`);
    await db.query(`CREATE TRIGGER \`${table}_dl\` BEFORE INSERT ON \`${table}\` FOR EACH ROW BEGIN
      UPDATE \`${table}_n\` SET n = n + 1;
      IF (SELECT n FROM \`${table}_n\`) <= 2 THEN SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'simulated deadlock', MYSQL_ERRNO = 1213; END IF;
    END`);
    const { result } = await crawlInto(itemsSpider(items(4)), { table, key: 'id', batchSize: 4 });
    expect(result.closeReason).toBe('finished');
    expect(result.stats['mysql/retries']).toBe(2);
    expect(result.stats['mysql/batches']).toBe(1);
    expect(await selectAll(db, table, 'id')).toHaveLength(4);
  });
});

describe('when writing fails for good', () => {
  it('retries exhausted: the rows go to a spool file named in an ERROR, the crawl closes with mysql_error', async () => {
    const table = await createItemsTable();
    await db.query(`CREATE TRIGGER \`${table}_dl\` BEFORE INSERT ON \`${table}\` FOR EACH ROW SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'always deadlocks', MYSQL_ERRNO = 1213`);
    const { result, logs } = await crawlInto(itemsSpider(items(7)), { table, key: 'id', batchSize: 3, maxRetries: 2 });
    expect(result.closeReason).toBe('mysql_error');
    expect(result.stats['mysql/retries']).toBe(2);
    expect(result.stats['mysql/rows_written']).toBeUndefined();
    const processed = Number(result.stats['item_scraped_count']);
    expect(processed).toBeGreaterThanOrEqual(3);
    expect(result.stats['mysql/rows_spooled']).toBe(processed);

    const errors = messages(logs, 'ERROR');
    const first = errors.find((m) => m.startsWith('Could not write a batch of 3 rows'))!;
    expect(first).toMatch(/after 3 attempts: ER_LOCK_DEADLOCK \(1213\): always deadlocks; the 3 unwritten rows are saved in /);
    const file = first.slice(first.lastIndexOf(' in ') + 4);
    expect(path.dirname(file)).toBe(spoolDir);
    expect(path.basename(file)).toMatch(new RegExp(`^${table}-\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z\\.jsonl$`));
    expect(errors.at(-1)).toBe(`${processed} rows were not written to ${table}; they are saved in ${file}`);
    const spooled = (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(spooled).toEqual(items(processed));
    expect(await selectAll(db, table, 'id')).toHaveLength(0);
  });

  it('an error that is not retried (unknown column) at the last flush: spooled at once, mysql_error', async () => {
    const table = await createItemsTable();
    const { result, logs } = await crawlInto(itemsSpider([{ id: 1, name: 'a', nope: 1 }, { id: 2, name: 'b', nope: 2 }]), { table, key: 'id', batchSize: 100 });
    expect(result.closeReason).toBe('mysql_error');
    expect(result.stats['mysql/retries']).toBeUndefined();
    expect(result.stats['mysql/rows_spooled']).toBe(2);
    expect(messages(logs, 'ERROR')[0]).toMatch(/Could not write a batch of 2 rows to .*: ER_BAD_FIELD_ERROR \(1054\): Unknown column 'nope'.*saved in .*\.jsonl$/);
  });

  it('a server that cannot be reached fails the open, naming the URL without its password', async () => {
    const port = await freePort();
    const { result, logs } = await crawlInto(itemsSpider(items(1)), { url: `mysql://bob:s3cret@127.0.0.1:${port}/x`, table: 't', key: 'id' });
    expect(result.closeReason).toBe('error');
    const critical = messages(logs, 'CRITICAL').join('\n');
    expect(critical).toContain(`MySqlPipeline could not connect to mysql://bob:***@127.0.0.1:${port}/x: ECONNREFUSED`);
    expect(critical).not.toContain('s3cret');
  });
});
