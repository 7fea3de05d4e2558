/**
 * runSpider(): one spider run in a fresh CrawlerProcess that hands back what the spider produced,
 * for tests (offline, from recorded fixtures) and for debugging a spider from a plain script:
 *
 * ```ts
 * // debug.ts — node --import tsx debug.ts
 * const { items, requests, stats, closeReason } = await runSpider(PartnerA, { args: { baseUrl, count: 10 }, replay: 'fixtures/partnerA' });
 * ```
 *
 * No signal handlers, no process.exit and no global state: it may run any number of times in one
 * process, e.g. once per test.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Crawler } from '../core/crawler.js';
import { TeineiError } from '../core/errors.js';
import type { LogSink } from '../core/log.js';
import { CrawlerProcess } from '../crawler-process.js';
import { Request } from '../http/request.js';
import { displayPath, fixtureMisses, type FixtureMissingError } from '../httpcache/replay.js';
import type { SpiderMiddleware } from '../middlewares/types.js';
import type { SettingsInput } from '../settings.js';
import type { SpiderClass } from '../spiders/spider.js';
import { fixtureSettings, ReplayOnlyDownloadHandler } from './fixtures.js';

/** Options of {@link runSpider}. */
export interface RunSpiderOptions {
  /**
   * The spider's arguments, by their names in its `args` schema (`{ baseUrl, count }`), checked by
   * it as `crawl --base-url … --count …` would be. With `replay`, give the ones the fixtures were
   * recorded with: requests are matched by URL, so another `baseUrl` misses every fixture.
   */
  args?: Record<string, unknown>;
  /**
   * Settings for this run, over the spider's `customSettings`. The project's `teinei.config.ts` is
   * not read (a test should not write to the project's database or feeds): pass what the spider
   * needs here. `replay` and `record` settle the HTTP cache settings and win over these.
   */
  settings?: SettingsInput;
  /**
   * Replays the fixtures in this directory (relative paths resolve against `process.cwd()`, the
   * project root under vitest) and never touches the network. Every wait is dropped (download
   * delay, AutoThrottle) and requests run one at a time, so a run is fast and its items come out
   * in the same order each time. A request with no recorded response fails, and runSpider then
   * rejects with a {@link ReplayFixturesError} naming each one and the command that records them.
   */
  replay?: string;
  /**
   * Records every response the crawl gets (robots.txt included, any status, after retries) into
   * this directory, as `crawl <spider> --record <dir>` does. It downloads afresh and overwrites
   * entries recorded before; politeness settings apply as in any crawl.
   */
  record?: string;
  /** Where log records go; default stderr, as `crawl` writes them (`settings.logLevel` filters). */
  logSink?: LogSink;
}

/** What {@link runSpider} resolves with. */
export interface RunSpiderResult<Item = unknown> {
  /** Items that went through every item pipeline (what feeds would get), in scraping order. */
  items: Item[];
  /**
   * Every request the spider yielded (from start() and callbacks), in order, before any filtering:
   * duplicates, offsite and too-deep requests are included.
   */
  requests: Request[];
  /** The crawl's stats (`item_scraped_count`, `downloader/response_status_count/200`, `httpcache/hit`, …). */
  stats: Record<string, number | string>;
  /** Why the spider closed: `finished`, `closespider_itemcount`, … */
  closeReason: string;
}

/**
 * Thrown by runSpider in replay when requests were not in the fixtures; the message lists them and
 * the `crawl … --record …` command that records them. The run still finished: `result` holds what
 * it collected.
 */
export class ReplayFixturesError extends TeineiError {
  override name = 'ReplayFixturesError';

  constructor(
    /** The requests that had no recorded response, in the order they were made. */
    readonly missing: readonly FixtureMissingError[],
    /** What the replay collected anyway. */
    readonly result: RunSpiderResult,
    /** The command that records the fixtures again, with the run's arguments. */
    readonly recordCommand: string,
  ) {
    const [first] = missing;
    const shown = missing.slice(0, 10).map((m) => `  ${m.method} ${m.url}`);
    if (missing.length > shown.length) shown.push(`  … and ${missing.length - shown.length} more`);
    super(
      `runSpider(${first?.spiderName}): ${missing.length === 1 ? '1 request is' : `${missing.length} requests are`} not in the replay fixtures at ${first ? displayPath(first.dir) : '?'}, and replay never downloads:\n` +
        `${shown.join('\n')}\n` +
        'Fixtures are matched by spider, method, URL, body and credentials: replay with the arguments (and credentials) they were recorded with, or record them again:\n' +
        `  ${recordCommand}`,
    );
  }
}

/**
 * Runs one spider to the end and resolves with its items, the requests it yielded, its stats and
 * its close reason. With `replay`, nothing touches the network; with `record`, every response is
 * stored for later replays.
 * @throws SpiderArgsError or SettingsError before any request; ReplayFixturesError after a replay
 *   that had requests without fixtures; an Error when the `replay` directory does not exist
 */
export async function runSpider<Item = unknown>(spiderClass: SpiderClass, options: RunSpiderOptions = {}): Promise<RunSpiderResult<Item>> {
  const { replay, record } = options;
  if (replay !== undefined && record !== undefined) throw new TypeError('runSpider: give `replay` or `record`, not both');
  const given = replay ?? record;
  const command = given === undefined ? '' : recordCommand(spiderClass.spiderName, given, options.args ?? {});
  if (replay !== undefined && !existsSync(resolve(replay))) {
    throw new Error(`runSpider(${spiderClass.spiderName}): no fixtures at ${resolve(replay)}; record them first: ${command}`);
  }

  const requests: Request[] = [];
  // Last in the chain, so first to see each value the spider yields (start(), callbacks, errbacks).
  const recorder: SpiderMiddleware = {
    processOutputValue(_response, value) {
      if (value instanceof Request) requests.push(value);
      return value;
    },
  };
  const overrides: SettingsInput = given === undefined ? {} : fixtureSettings(replay !== undefined ? 'replay' : 'record', given);
  overrides.spiderMiddlewares = { runSpiderRequests: { component: recorder, order: Number.MAX_SAFE_INTEGER } };

  let crawler: Crawler | undefined;
  const crawlerProcess = new CrawlerProcess(
    {},
    {
      overrides,
      logSink: options.logSink,
      // Whatever gets past the cache middleware fails instead of being downloaded.
      parts: replay !== undefined ? () => ({ handler: new ReplayOnlyDownloadHandler(() => crawler!) }) : undefined,
    },
  );
  crawler = crawlerProcess.crawl(spiderClass, options.args ?? {}, { settings: options.settings });
  const items: Item[] = [];
  crawler.signals.on('itemScraped', ({ item }) => void items.push(item as Item));
  const [crawlResult] = await crawlerProcess.start();
  const result: RunSpiderResult<Item> = { items, requests, stats: crawlResult!.stats, closeReason: crawlResult!.closeReason };
  const missing = fixtureMisses(crawler);
  if (replay !== undefined && missing.length > 0) throw new ReplayFixturesError(missing, result, command);
  return result;
}

/** `crawl <spider> --record <dir> --<arg> <value>…`, the arguments in the CLI's kebab-case. */
function recordCommand(spiderName: string, dir: string, args: Record<string, unknown>): string {
  const words = ['crawl', spiderName, '--record', dir];
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    words.push(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return words.map(shellQuote).join(' ');
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
