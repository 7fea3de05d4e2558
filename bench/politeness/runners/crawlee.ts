/**
 * Crawlee 3 HttpCrawler over the strict partner, every page URL enqueued up front.
 *
 *   node --import tsx bench/politeness/runners/crawlee.ts '{"url":…,"pages":100,"items":10,"settings":{"maxConcurrency":2}}'
 *
 * `settings` are HttpCrawler options (maxConcurrency, minConcurrency, maxRequestsPerMinute, …),
 * laid over the base below. Storage is in memory, in a throw-away CRAWLEE_STORAGE_DIR (from the
 * environment, as the harness sets one per run, or a fresh mkdtemp dir), purged on start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpCrawlerOptions } from '@crawlee/http';
import { countItems, fail, finish, pageUrls, parseArgs, startClock } from './common.js';

const RUNNER = 'crawlee';
const args = parseArgs();
const urls = pageUrls(args);

// Must be set before Crawlee's global Configuration is first read.
const ownStorageDir = process.env.CRAWLEE_STORAGE_DIR ? undefined : mkdtempSync(join(tmpdir(), 'teinei-bench-crawlee-'));
if (ownStorageDir) process.env.CRAWLEE_STORAGE_DIR = ownStorageDir;
process.env.CRAWLEE_PURGE_ON_START = 'true';
process.env.CRAWLEE_PERSIST_STORAGE ??= 'false';

const { HttpCrawler, log } = await import('@crawlee/http');
log.setLevel(log.LEVELS.ERROR);

let items = 0;
let attempts = 0;
let giveUps = 0;

const crawler = new HttpCrawler({
  // No session pool (as in bench/http): with it, a 429 retires the session and throws, so the
  // retry count would be the same, but sessions would be rotated for nothing (no cookies, no proxy).
  useSessionPool: false,
  persistCookiesPerSession: false,
  // Without a session pool Crawlee hands a 429 to the request handler as a success (only ≥ 500
  // throws): the page would be lost silently. Declaring 429 an error makes Crawlee retry it under
  // its default maxRequestRetries (3), which is what the session pool would have done.
  additionalHttpErrorStatusCodes: [429],
  additionalMimeTypes: ['application/json'],
  statusMessageLoggingInterval: 3600,
  ...(args.settings as Partial<HttpCrawlerOptions>),
  preNavigationHooks: [
    () => {
      attempts++;
    },
  ],
  requestHandler({ body }) {
    items += countItems(JSON.parse(typeof body === 'string' ? body : body.toString('utf8')));
  },
  failedRequestHandler() {
    giveUps++;
  },
});

try {
  const elapsed = startClock();
  const final = await crawler.run(urls);
  const seconds = elapsed();
  if (ownStorageDir) rmSync(ownStorageDir, { recursive: true, force: true });
  const byStatus = crawler.stats.state.requestsWithStatusCode;
  await finish({
    runner: RUNNER,
    items,
    expectedItems: args.pages * args.items,
    seconds,
    giveUps,
    retries: crawler.stats.state.requestsRetries,
    responses429: byStatus['429'] ?? 0,
    requests: attempts,
    stats: {
      requestsFinished: final.requestsFinished,
      requestsFailed: final.requestsFailed,
      requestsRetries: crawler.stats.state.requestsRetries,
      requestsWithStatusCode: byStatus,
    },
  });
} catch (err) {
  fail(RUNNER, err);
}
