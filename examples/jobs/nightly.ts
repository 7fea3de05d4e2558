/**
 * The nightly backend job, as the seed system ran it: one CrawlerProcess crawls partnerA and
 * partnerB into MySQL in parallel (batched, idempotent upserts), then a mapping step joins the
 * partner shops onto our own `shops` table by normalised phone number. It is an ordinary async
 * function, so an orchestrator (cron, a DAG task, a queue worker) awaits it and may rerun it at
 * any time: the tables come out the same.
 */
import mysql from 'mysql2/promise';
import { CrawlerProcess, MySqlPipeline, type CrawlResult } from 'teinei';
import PartnerA from '../spiders/partnerA.js';
import PartnerB from '../spiders/partnerB.js';
import { normalizePhone } from './phone.js';

/** Where the job reads from and writes to. */
export interface NightlyOptions {
  /** e.g. mysql://root@127.0.0.1:3306/backend */
  mysqlUrl: string;
  /** The partners' API base URL (the bundled mock in development). */
  partnerUrl: string;
  /** Extra settings, e.g. `{ downloadDelay: 0 }` against the local mock. */
  settings?: Record<string, unknown>;
}

/** What one run did. */
export interface NightlyReport {
  results: CrawlResult[];
  /** Our shops that now point at a partnerB shop. */
  matchedShops: number;
}

/** The tables this job owns; `shops` is the project's own and only gains a column here. */
export const schema = [
  `CREATE TABLE IF NOT EXISTS partner_a_events (
     event_id INT PRIMARY KEY, title VARCHAR(255) NOT NULL, started_at VARCHAR(40), place VARCHAR(255),
     address VARCHAR(255), accepted INT, \`limit\` INT, owner VARCHAR(255), url VARCHAR(512)
   ) CHARACTER SET utf8mb4`,
  `CREATE TABLE IF NOT EXISTS partner_b_shops (
     id VARCHAR(16) PRIMARY KEY, name VARCHAR(255) NOT NULL, phone VARCHAR(40), phone_norm VARCHAR(20),
     prefecture VARCHAR(16), updated_at VARCHAR(40), INDEX (phone_norm)
   ) CHARACTER SET utf8mb4`,
  `CREATE TABLE IF NOT EXISTS shops (
     id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL, phone VARCHAR(40) NOT NULL,
     partner_b_id VARCHAR(16) NULL
   ) CHARACTER SET utf8mb4`,
];

/** Crawls both partners into MySQL, then maps partner shops onto ours. */
export async function runNightly({ mysqlUrl, partnerUrl, settings = {} }: NightlyOptions): Promise<NightlyReport> {
  const db = await mysql.createConnection({ uri: mysqlUrl, charset: 'utf8mb4' });
  try {
    for (const statement of schema) await db.query(statement);

    const crawlerProcess = new CrawlerProcess({ contact: 'mailto:data-team@example.com', logstatsInterval: 0 });
    const events = new MySqlPipeline({ url: mysqlUrl, table: 'partner_a_events', key: 'event_id', columns: { eventId: 'event_id', title: 'title', startedAt: 'started_at', place: 'place', address: 'address', accepted: 'accepted', limit: 'limit', owner: 'owner', url: 'url' } });
    const shops = new MySqlPipeline({
      url: mysqlUrl,
      table: 'partner_b_shops',
      key: 'id',
      toRow: (shop: { id: string; name: string; phone: string; prefecture: string; updatedAt: string }) => ({
        id: shop.id, name: shop.name, phone: shop.phone, phone_norm: normalizePhone(shop.phone), prefecture: shop.prefecture, updated_at: shop.updatedAt,
      }),
    });
    // Per-crawl settings: each spider writes its own table, and `settings` win over customSettings.
    crawlerProcess.crawl(PartnerA, { baseUrl: partnerUrl }, { settings: { ...settings, itemPipelines: { mysql: { component: events, order: 300 } } } });
    crawlerProcess.crawl(PartnerB, { baseUrl: partnerUrl }, { settings: { ...settings, itemPipelines: { mysql: { component: shops, order: 300 } } } });
    const results = await crawlerProcess.start();
    const failed = results.filter((r) => r.closeReason !== 'finished');
    if (failed.length) throw new Error(`nightly: ${failed.map((r) => `${r.spiderName} closed ${r.closeReason}`).join(', ')}; mapping skipped`);

    // Our phone numbers are typed by hand too: normalise them the same way before joining.
    const [ours] = await db.query<mysql.RowDataPacket[]>('SELECT id, phone FROM shops');
    const [partner] = await db.query<mysql.RowDataPacket[]>('SELECT id, phone_norm FROM partner_b_shops');
    const byPhone = new Map(partner.map((row) => [row.phone_norm as string, row.id as string]));
    let matchedShops = 0;
    for (const shop of ours) {
      const partnerId = byPhone.get(normalizePhone(shop.phone as string)) ?? null;
      if (partnerId) matchedShops++;
      await db.query('UPDATE shops SET partner_b_id = ? WHERE id = ?', [partnerId, shop.id]);
    }
    return { results, matchedShops };
  } finally {
    await db.end();
  }
}
