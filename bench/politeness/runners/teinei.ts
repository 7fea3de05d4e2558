/**
 * teinei over the strict partner: a Spider whose start() yields every page request up front and
 * whose parse() yields each page's items; every item goes through an item pipeline (a counter).
 *
 *   node --import tsx bench/politeness/runners/teinei.ts '{"url":…,"pages":100,"items":10,"settings":{"downloadDelay":0.1}}'
 *
 * `settings` are teinei settings (camelCase), laid over the base below; everything else keeps
 * teinei's defaults (retries: retryTimes 2 with 429 retried, Retry-After honoured, and so on).
 */
import { CrawlerProcess, Spider, type ItemPipeline, type Response, type SettingsInput } from '../../../src/index.js';
import { fail, finish, pageUrls, parseArgs, startClock } from './common.js';

const RUNNER = 'teinei';
const args = parseArgs();
const urls = pageUrls(args);

class CountPipeline implements ItemPipeline<object> {
  count = 0;
  process(item: object): object {
    this.count++;
    return item;
  }
}

const countPipeline = new CountPipeline();

// ---------------------------------------------------------------------------
// The base configuration; the scenario's settings (from the harness) go over it.
const settings: SettingsInput = {
  logLevel: 'WARNING',
  contact: 'https://example.invalid/teinei-bench', // silences the no-contact warning
  ...(args.settings as SettingsInput),
  itemPipelines: { count: { component: countPipeline, order: 300 } },
};
// ---------------------------------------------------------------------------

class PartnerSpider extends Spider {
  static override spiderName = 'politeness-bench';

  override async *start() {
    for (const url of urls) yield this.request(url, { callback: this.parse });
  }

  override *parse(response: Response) {
    yield* response.json<{ items: object[] }>().items;
  }
}

const num = (value: number | string | undefined): number => (typeof value === 'number' ? value : 0);

try {
  const crawlerProcess = new CrawlerProcess(settings);
  crawlerProcess.crawl(PartnerSpider);
  const elapsed = startClock();
  const [result] = await crawlerProcess.start();
  const seconds = elapsed();
  if (!result) throw new Error('no crawl result');
  const stats = Object.fromEntries(
    Object.entries(result.stats).filter(([key]) =>
      /^(retry\/|ratelimit\/|downloader\/(request_count|response_count|response_status_count\/|exception_count)|item_scraped_count|log_count\/(WARNING|ERROR))/.test(key),
    ),
  );
  await finish({
    runner: RUNNER,
    items: countPipeline.count,
    expectedItems: args.pages * args.items,
    seconds,
    giveUps: num(result.stats['retry/max_reached']) + num(result.stats['ratelimit/refused_count']),
    retries: num(result.stats['retry/count']),
    responses429: num(result.stats['downloader/response_status_count/429']),
    requests: num(result.stats['downloader/request_count']),
    closeReason: result.closeReason,
    stats,
  });
} catch (err) {
  fail(RUNNER, err);
}
