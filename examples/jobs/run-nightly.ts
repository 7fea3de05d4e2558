/**
 * Runs the nightly job once against the bundled mock partner API:
 *   MYSQL_URL=mysql://root@127.0.0.1:3306/backend node --import tsx jobs/run-nightly.ts
 * In production the orchestrator calls runNightly() with the real partner URL instead.
 */
import { startMockPartner } from '../mock-partner/server.js';
import { runNightly } from './nightly.js';

const mysqlUrl = process.env.MYSQL_URL;
if (!mysqlUrl) {
  console.error('Set MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/backend');
  process.exit(2);
}
const mock = await startMockPartner();
try {
  const report = await runNightly({ mysqlUrl, partnerUrl: mock.url, settings: { downloadDelay: 0 } });
  for (const r of report.results) console.log(`${r.spiderName}: ${r.closeReason}, ${r.stats.item_scraped_count ?? 0} items`);
  console.log(`shops matched to partnerB: ${report.matchedShops}`);
} finally {
  await mock.close();
}
