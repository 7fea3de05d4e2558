/**
 * A plain script to step through partnerA with breakpoints, offline: runs the spider on the
 * responses recorded in fixtures/partnerA (no mock, no network) and prints what it yields.
 *   node --import tsx jobs/debug-partnerA.ts             (or "run current script" in VS Code)
 * Set a breakpoint in spiders/partnerA.ts → parse() and it stops there on each recorded page.
 */
import { fileURLToPath } from 'node:url';
import { runSpider } from 'teinei';
import PartnerA from '../spiders/partnerA.js';

const replay = fileURLToPath(new URL('../fixtures/partnerA', import.meta.url));
const { items, requests, stats, closeReason } = await runSpider(PartnerA, {
  args: { baseUrl: 'http://127.0.0.1:8080', count: 100 },
  replay,
});
for (const request of requests) console.log(`${request.method} ${request.url}`);
console.log(`${closeReason}: ${items.length} items from ${stats['httpcache/hit'] ?? 0} recorded responses`);
console.log(JSON.stringify(items[0], null, 2));
