/**
 * The examples/ nightly job on a real MariaDB: both partners crawled in parallel by one
 * CrawlerProcess into their tables, partner shops mapped onto ours by normalised phone number,
 * and a rerun leaves every table as it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { runNightly, schema } from '../../examples/jobs/nightly.js';
import { normalizePhone } from '../../examples/jobs/phone.js';
import { partnerBShop, startMockPartner } from '../../examples/mock-partner/server.js';
import { adminConnection, mysqlUrl, uniqueName } from '../helpers/mysql-db.js';

let admin: Connection;
let mock: Awaited<ReturnType<typeof startMockPartner>>;
const database = uniqueName('nightly');

beforeAll(async () => {
  admin = await adminConnection();
  mock = await startMockPartner();
  await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.end();
  await mock.close();
});

const rows = async (sql: string) => (await admin.query<RowDataPacket[]>(sql))[0];
const checksum = async (table: string) => (await rows(`CHECKSUM TABLE ${database}.${table}`))[0]!.Checksum as string;

it('normalises phone numbers typed in any of the partners\' styles', () => {
  for (const raw of ['03-1234-5678', '(03) 1234 5678', '+81 3 1234 5678', '+81-3-1234-5678', '０３－１２３４－５６７８', '0312345678']) {
    expect(normalizePhone(raw)).toBe('0312345678');
  }
});

it('crawls both partners into MySQL, maps shops by phone, and a rerun yields the same tables', async () => {
  const url = (await mysqlUrl()).replace(/\/[^/?]*(\?.*)?$/, `/${database}`);
  // Our own shops, with phone numbers typed our way: four are partnerB shops, one is not.
  await admin.query(`USE ${database}`);
  await admin.query(schema[2]!);
  const ours = [3, 10, 57, 118].map((i) => {
    const digits = normalizePhone(partnerBShop(i).phone);
    return [`our shop ${i}`, `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`];
  });
  await admin.query('INSERT INTO shops (name, phone) VALUES ?', [[...ours, ['not a partner', '099-000-0000']]]);

  const first = await runNightly({ mysqlUrl: url, partnerUrl: mock.url, settings: { downloadDelay: 0 } });
  expect(first.results.map((r) => [r.spiderName, r.closeReason, r.stats.item_scraped_count])).toEqual([
    ['partnerA', 'finished', 250],
    ['partnerB', 'finished', 120],
  ]);
  expect(Number((await rows(`SELECT COUNT(*) AS n FROM ${database}.partner_a_events`))[0]!.n)).toBe(250);
  expect(Number((await rows(`SELECT COUNT(*) AS n FROM ${database}.partner_b_shops`))[0]!.n)).toBe(120);
  expect(first.matchedShops).toBe(4);
  const mapped = await rows(`SELECT name, partner_b_id FROM ${database}.shops ORDER BY id`);
  expect(mapped.map((r) => r.partner_b_id)).toEqual(['B00003', 'B00010', 'B00057', 'B00118', null]);
  // The keyword column came through the field → column mapping.
  expect(Number((await rows(`SELECT COUNT(*) AS n FROM ${database}.partner_a_events WHERE \`limit\` > 0`))[0]!.n)).toBe(250);

  const before = await Promise.all(['partner_a_events', 'partner_b_shops', 'shops'].map(checksum));
  const second = await runNightly({ mysqlUrl: url, partnerUrl: mock.url, settings: { downloadDelay: 0 } });
  expect(second.results.every((r) => r.closeReason === 'finished')).toBe(true);
  expect(await Promise.all(['partner_a_events', 'partner_b_shops', 'shops'].map(checksum))).toEqual(before);
});
