/**
 * MySQL benchmark (prints numbers; not a test): rows/s into a local MariaDB through MySqlPipeline
 * (multi-row upserts, batch 500) versus one INSERT per item (the seed system's way), on the same
 * items, alternating, several rounds; then checks that both tables hold identical rows.
 *
 *   npm run bench:mysql                 (starts a throwaway MariaDB from Debian's mariadb-server)
 *   MYSQL_URL=mysql://… BENCH_ROWS=50000 BENCH_ROUNDS=3 npm run bench:mysql
 */
import mysql from 'mysql2/promise';
import { MySqlPipeline, type Spider } from '../../src/index.js';
import { freePort, startMariaDb, type MariaDbServer } from '../../test/helpers/mariadb.js';
import { median, positiveInt, table } from '../lib/harness.js';

const ROWS = positiveInt(process.env.BENCH_ROWS, 20_000, 'BENCH_ROWS');
const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 3, 'BENCH_ROUNDS');
const TARGET_SPEEDUP = 10;

interface Shop {
  id: number;
  name: string;
  phone: string;
  prefecture: string;
  limit: number;
  tags: string[];
}

const items: Shop[] = Array.from({ length: ROWS }, (_, i) => ({
  id: i + 1,
  name: `らーめん一番 ${i} 号店 𠮷`,
  phone: `03-${String(1000 + (i % 9000))}-${String(i % 10_000).padStart(4, '0')}`,
  prefecture: ['東京都', '大阪府', '愛知県'][i % 3]!,
  limit: i % 50,
  tags: ['ramen', `t${i % 7}`],
}));

const ddl = (name: string) => `CREATE TABLE ${name} (
  id INT PRIMARY KEY, name VARCHAR(255) NOT NULL, phone VARCHAR(40), prefecture VARCHAR(16), \`limit\` INT, tags JSON
) CHARACTER SET utf8mb4`;

async function batched(url: string, name: string): Promise<number> {
  const pipeline = new MySqlPipeline<Shop>({ url, table: name, key: 'id', batchSize: 500, flushInterval: 0 });
  const spider = {} as Spider;
  const started = performance.now();
  await pipeline.open(spider);
  for (const item of items) await pipeline.process(item, spider);
  await pipeline.close(spider, 'finished');
  return (performance.now() - started) / 1000;
}

async function perItem(url: string, name: string): Promise<number> {
  const conn = await mysql.createConnection({ uri: url, charset: 'utf8mb4' });
  const started = performance.now();
  for (const item of items) {
    await conn.execute(`INSERT INTO ${name} (id, name, phone, prefecture, \`limit\`, tags) VALUES (?, ?, ?, ?, ?, ?)`, [
      item.id, item.name, item.phone, item.prefecture, item.limit, JSON.stringify(item.tags),
    ]);
  }
  const seconds = (performance.now() - started) / 1000;
  await conn.end();
  return seconds;
}

async function main(): Promise<void> {
  let server: MariaDbServer | undefined;
  const url = process.env.MYSQL_URL ?? (server = await startMariaDb(await freePort())).url;
  const admin = await mysql.createConnection({ uri: url, charset: 'utf8mb4' });
  console.log(`teinei MySQL bench — ${ROWS} rows, ${ROUNDS} round(s), ${process.env.MYSQL_URL ? 'MYSQL_URL' : 'throwaway MariaDB'}\n`);
  const times: Record<'batched' | 'per-item', number[]> = { batched: [], 'per-item': [] };
  let identical = true;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? (['batched', 'per-item'] as const) : (['per-item', 'batched'] as const);
      for (const runner of order) {
        const name = `bench_${runner.replace('-', '_')}`;
        await admin.query(`DROP TABLE IF EXISTS ${name}`);
        await admin.query(ddl(name));
        const seconds = runner === 'batched' ? await batched(url, name) : await perItem(url, name);
        times[runner].push(seconds);
        console.log(`[r${round}] ${runner.padEnd(8)} ${(ROWS / seconds).toFixed(0).padStart(7)} rows/s  ${seconds.toFixed(2)} s`);
      }
      const digest = async (t: string) => {
        const [result] = await admin.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, name, phone, prefecture, \`limit\`, tags))) AS sum FROM ${t}`);
        return `${result[0]!.n}:${result[0]!.sum}`;
      };
      const [a, b] = [await digest('bench_batched'), await digest('bench_per_item')];
      const same = a === b && a.startsWith(`${ROWS}:`);
      identical &&= same;
    }
  } finally {
    await admin.end();
    await server?.stop();
  }
  const rate = (runner: 'batched' | 'per-item') => ROWS / median(times[runner]);
  console.log(`\n${table(['runner', 'median rows/s', 'median s'], (['batched', 'per-item'] as const).map((r) => [r, rate(r).toFixed(0), median(times[r]).toFixed(2)]))}`);
  const speedup = rate('batched') / rate('per-item');
  console.log(`\n${table(['check', 'value', 'target', 'result'], [
    ['batched ÷ per-item rows/s', speedup.toFixed(1), `≥ ${TARGET_SPEEDUP}`, speedup >= TARGET_SPEEDUP ? 'PASS' : 'FAIL'],
    ['tables identical (count + row checksum), every round', String(identical), 'true', identical ? 'PASS' : 'FAIL'],
  ])}`);
}

await main();
