/**
 * kill -9 in the middle of a crawl loses only what was in flight; rerunning the job completes the
 * table without duplicates (idempotent upserts), as an orchestrator's retry would.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';
import { adminConnection, mysqlUrl, uniqueName } from '../helpers/mysql-db.js';

const root = join(import.meta.dirname, '..', '..');
const PAGES = 40;
let server: TestServer;
let admin: Connection;
const table = uniqueName('killed');

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const n = Number(req.path.split('/').pop());
    await new Promise((resolve) => setTimeout(resolve, 40));
    sendJson(res, Array.from({ length: 5 }, (_, i) => ({ id: n * 5 + i, name: `店 ${n}-${i} 🍣` })));
  });
  admin = await adminConnection();
  await admin.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL) CHARACTER SET utf8mb4`);
});

afterAll(async () => {
  await admin.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.end();
  await server.close();
});

const count = async () => Number((await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`))[0][0]!.n);

function job(url: string) {
  return spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'fixtures', 'jobs', 'mysql-job.ts'), server.url, url, table, String(PAGES)], { cwd: root, stdio: 'ignore' });
}

it('a job killed with SIGKILL mid-crawl and rerun leaves the complete table, without duplicates', async () => {
  const url = await mysqlUrl();
  const first = job(url);
  const exited = new Promise<string | null>((resolve) => first.on('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 30_000;
  while ((await count()) < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  first.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const afterKill = await count();
  expect(afterKill).toBeGreaterThanOrEqual(20);
  expect(afterKill).toBeLessThan(PAGES * 5);

  const second = job(url);
  expect(await new Promise((resolve) => second.on('exit', resolve))).toBe(0);
  const [rows] = await admin.query<RowDataPacket[]>(`SELECT id, name FROM ${table} ORDER BY id`);
  expect(rows.map((r) => r.id)).toEqual(Array.from({ length: PAGES * 5 }, (_, i) => i));
  expect(rows[7]!.name).toBe('店 1-2 🍣');
});
