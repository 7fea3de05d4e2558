/**
 * teinei: a Spider whose start() yields every page request up front and whose
 * parse() yields the 50 items of each page; every item goes through an item
 * pipeline (a counter) before it is counted as scraped.
 */
import { CrawlerProcess, Spider, type ItemPipeline, type Response, type SettingsInput } from '../../../src/index.js';
import { fail, finish, parseArgs, startClock } from './common.js';

const RUNNER = 'teinei';
const args = parseArgs();
const { baseUrl, pages, concurrency } = args;

class CountPipeline implements ItemPipeline<object> {
  count = 0;
  process(item: object): object {
    this.count++;
    return item;
  }
}

const countPipeline = new CountPipeline();

// ---------------------------------------------------------------------------
// The one place where the crawl is configured, item pipeline included. If the
// settings shape changes in src/settings.ts, adjust it here.
const settings: SettingsInput = {
  concurrentRequests: concurrency,
  concurrentRequestsPerDomain: concurrency,
  downloadDelay: 0,
  retryEnabled: false,
  logLevel: 'WARNING',
  contact: 'https://example.invalid/teinei-bench', // silences the no-contact warning
  itemPipelines: { count: { component: countPipeline, order: 300 } },
};
// ---------------------------------------------------------------------------

class BenchSpider extends Spider {
  static override spiderName = 'bench';

  override async *start() {
    for (let i = 0; i < pages; i++) yield this.request(`${baseUrl}/page/${i}`, { callback: this.parse });
  }

  override async *parse(response: Response) {
    const page = response.json<{ items: object[] }>();
    yield* page.items;
  }
}

try {
  const crawlerProcess = new CrawlerProcess(settings);
  crawlerProcess.crawl(BenchSpider);
  const elapsed = startClock();
  const [result] = await crawlerProcess.start();
  const seconds = elapsed();
  if (result?.closeReason !== 'finished') {
    process.stderr.write(`${RUNNER}: spider closed with reason ${result?.closeReason}\n`);
    process.exit(1);
  }
  const scraped = Number(result.stats['item_scraped_count'] ?? Number.NaN);
  if (scraped !== countPipeline.count) {
    process.stderr.write(`${RUNNER}: stats item_scraped_count=${scraped} but the pipeline saw ${countPipeline.count}\n`);
    process.exit(1);
  }
  await finish(RUNNER, args, countPipeline.count, seconds);
} catch (err) {
  fail(RUNNER, err);
}
