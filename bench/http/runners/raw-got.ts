/**
 * Baseline: a bare got-scraping loop over all page URLs with a fixed-size
 * promise pool. No scheduler, no pipeline — the floor for CPU per request.
 */
import { gotScraping } from 'got-scraping';
import { countItems, fail, finish, pageUrls, parseArgs, startClock } from './common.js';

const RUNNER = 'raw-got';
const args = parseArgs();
const urls = pageUrls(args.baseUrl, args.pages);

const options = {
  useHeaderGenerator: false,
  http2: false,
  https: { rejectUnauthorized: true },
  retry: { limit: 0 },
} as const;

let items = 0;
let next = 0;

async function worker(): Promise<void> {
  while (next < urls.length) {
    const url = urls[next++]!;
    const response = await gotScraping.get(url, options);
    if (response.statusCode !== 200) throw new Error(`${url}: HTTP ${response.statusCode}`);
    items += countItems(JSON.parse(response.body));
  }
}

try {
  const elapsed = startClock();
  await Promise.all(Array.from({ length: Math.min(args.concurrency, urls.length) }, () => worker()));
  await finish(RUNNER, args, items, elapsed());
} catch (err) {
  fail(RUNNER, err);
}
