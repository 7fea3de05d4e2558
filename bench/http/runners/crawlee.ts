/**
 * Crawlee 3 HttpCrawler over the same URLs, all enqueued up front.
 *
 * Storage goes to a throw-away directory: CRAWLEE_STORAGE_DIR from the
 * environment (the harness sets one per run) or a fresh mkdtemp dir, purged on
 * start and removed at the end. Persistence is off unless
 * CRAWLEE_PERSIST_STORAGE is set in the environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countItems, fail, finish, pageUrls, parseArgs, startClock } from './common.js';

const RUNNER = 'crawlee';
const args = parseArgs();
const urls = pageUrls(args.baseUrl, args.pages);

// Must be set before Crawlee's global Configuration is first read.
const ownStorageDir = process.env.CRAWLEE_STORAGE_DIR ? undefined : mkdtempSync(join(tmpdir(), 'teinei-bench-crawlee-'));
if (ownStorageDir) process.env.CRAWLEE_STORAGE_DIR = ownStorageDir;
process.env.CRAWLEE_PURGE_ON_START = 'true';
// No persistence: keep the request queue in memory instead of writing one JSON
// file per request. Set CRAWLEE_PERSIST_STORAGE=true to measure Crawlee's
// out-of-the-box default (several times slower here).
process.env.CRAWLEE_PERSIST_STORAGE ??= 'false';

const { HttpCrawler, log } = await import('@crawlee/http');
log.setLevel(log.LEVELS.WARNING);

let items = 0;
let failed = 0;

const crawler = new HttpCrawler({
  // fixed concurrency, like the other contenders (the autoscaled pool would
  // otherwise start at 1 and ramp up)
  minConcurrency: args.concurrency,
  maxConcurrency: args.concurrency,
  maxRequestRetries: 0,
  // connection errors count as session errors, which are retried separately
  maxSessionRotations: 0,
  useSessionPool: false,
  persistCookiesPerSession: false,
  additionalMimeTypes: ['application/json'],
  statusMessageLoggingInterval: 3600,
  requestHandler({ body }) {
    items += countItems(JSON.parse(typeof body === 'string' ? body : body.toString('utf8')));
  },
  failedRequestHandler({ request }, error) {
    failed++;
    process.stderr.write(`${RUNNER}: ${request.url} failed: ${error.message}\n`);
  },
});

try {
  const elapsed = startClock();
  await crawler.run(urls);
  const seconds = elapsed();
  if (ownStorageDir) rmSync(ownStorageDir, { recursive: true, force: true });
  if (failed > 0) process.stderr.write(`${RUNNER}: ${failed} failed requests\n`);
  await finish(RUNNER, args, items, seconds);
} catch (err) {
  fail(RUNNER, err);
}
