/**
 * Chunks to MySQL: processChunks runs the bundled MySQL task in worker threads; the filtered rows
 * of every chunk land in the table (batched upserts), and a rerun changes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { processChunks, splitCsv } from '../../src/archive/index.js';
import { mysqlChunkTask } from '../../src/archive/index.js';
import { adminConnection, mysqlUrl, uniqueName } from '../helpers/mysql-db.js';

const tmp = mkdtempSync(join(tmpdir(), 'teinei-chunks-mysql-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('writes the filtered rows of every chunk to MySQL from worker threads, idempotently', async () => {
  const source = join(tmp, 'plans.csv');
  const lines = Array.from({ length: 300 }, (_, i) => `${i},"プラン, ${i} 🍣",${20171220 + (i % 10)}\n`);
  writeFileSync(source, `id,name,date\n${lines.join('')}`);
  const split = await splitCsv({ source, chunkRows: 50, outDir: join(tmp, 'chunks') });
  const table = uniqueName('plans');
  const admin = await adminConnection();
  try {
    await admin.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, date INT NOT NULL) CHARACTER SET utf8mb4`);
    const options = { url: await mysqlUrl(), table, key: 'id', batchSize: 20 };
    const where = 'date >= 20171224 && date <= 20171225';
    for (let run = 0; run < 2; run++) {
      const result = await processChunks(split.chunks, { task: mysqlChunkTask, workers: 2, where, options });
      expect(result.results.map((r) => r.ok)).toEqual(Array(6).fill(true));
      expect(result.rowsKept).toBe(60);
    }
    const [rows] = await admin.query<RowDataPacket[]>(`SELECT id, name FROM ${table} ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 10 === 4 || i % 10 === 5));
    expect(rows[0]!.name).toBe('プラン, 4 🍣');
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  }
});
