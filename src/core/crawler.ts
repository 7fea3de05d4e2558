/**
 * One spider's run: builds every component from the resolved settings, owns the stats, signals
 * and logger, runs the engine, and closes everything in Scrapy's order.
 */
import {
  builtinDownloaderMiddlewares,
  builtinExtensions,
  builtinItemPipelines,
  builtinSpiderMiddlewares,
} from '../builtins.js';
import type { DownloaderMiddleware, Extension, ItemPipeline, SpiderMiddleware } from '../middlewares/types.js';
import { SettingsError, type Settings } from '../settings.js';
import type { Spider, SpiderClass } from '../spiders/spider.js';
import { buildComponents } from './components.js';
import { Downloader } from './downloader.js';
import { Engine } from './engine.js';
import { HttpDownloadHandler } from './handlers/http.js';
import type { DownloadHandler } from './handlers/types.js';
import { ItemProcessor } from './item-processor.js';
import { crawlerSink, Logger, stderrSink, type LogSink } from './log.js';
import { MemoryRequestQueue, MemorySeenSet } from './queues/memory.js';
import type { RequestQueue, SeenSet } from './queues/types.js';
import { Scheduler } from './scheduler.js';
import { Scraper } from './scraper.js';
import { Signals } from './signals.js';
import { MemorySlots, type SlotLimiter } from './slots.js';
import { StatsCollector } from './stats.js';

/** What a finished crawl reports. */
export interface CrawlResult {
  /** The spider's name. */
  spiderName: string;
  /** Why it closed: 'finished', 'shutdown', 'closespider_itemcount', … */
  closeReason: string;
  /** Scrapy-keyed stats; times as ISO strings. */
  stats: Record<string, number | string>;
}

/** Replaceable parts; the defaults are in-memory and one-process. */
export interface CrawlerParts {
  /** Where log records go (default: stderr). */
  logSink?: LogSink;
  /** Pending requests (default: in memory). */
  queue?: RequestQueue;
  /** Seen fingerprints (default: in memory). */
  seen?: SeenSet;
  /** Per-domain limiter (default: MemorySlots, in process). */
  slots?: SlotLimiter;
  /** Download handler (default: got-scraping). */
  handler?: DownloadHandler;
}

/** Runs one spider once. Built by CrawlerProcess; components receive it in `fromCrawler`. */
export class Crawler {
  readonly stats = new StatsCollector();
  readonly signals = new Signals((name, error) => this.logger.error(`Error in a ${name} handler: ${(error as Error)?.message ?? error}`, error));
  /** Logger for teinei's own lines about this spider. */
  readonly logger: Logger;
  /** Logger the spider writes to (`this.logger` in a spider). */
  readonly spiderLogger: Logger;
  readonly spider: Spider;
  readonly engine: Engine;
  /** The per-domain limiter, for middlewares that pause or slow a slot. */
  readonly slots: SlotLimiter;
  private readonly downloader: Downloader;
  private readonly scheduler: Scheduler;
  private readonly items: ItemProcessor;
  private readonly extensions: Extension[];

  /** @throws SettingsError or a component's construction error, before any request is made */
  constructor(
    readonly spiderClass: SpiderClass,
    args: unknown,
    readonly settings: Settings,
    parts: CrawlerParts = {},
  ) {
    // Redaction and logFormat live in the sink, so every logger of this crawl goes through them.
    this.spiderLogger = new Logger(spiderClass.spiderName, settings.logLevel, crawlerSink(parts.logSink ?? stderrSink, settings), this.stats);
    this.logger = this.spiderLogger;
    this.spider = new spiderClass();
    this.spider.args = args;
    this.spider.crawler = this;
    this.slots = parts.slots ?? new MemorySlots((key) => {
      const override = settings.downloadSlots[key] ?? {};
      const delay = override.delay ?? settings.downloadDelay;
      return {
        concurrency: override.concurrency ?? settings.concurrentRequestsPerDomain,
        // AutoThrottle starts each slot at its start delay and adapts it from there.
        delay: settings.autothrottleEnabled ? Math.max(delay, settings.autothrottleStartDelay) : delay,
        randomizeDelay: override.randomizeDelay ?? settings.randomizeDownloadDelay,
      };
    });
    const build = <T>(name: keyof Settings & string, base: keyof Settings & string, registry: Parameters<typeof buildComponents<T>>[3]) =>
      buildComponents<T>(name, (settings[base] ?? {}) as never, settings[name] as never, registry, this).map((c) => c.instance);
    this.extensions = build<Extension>('extensions', 'extensionsBase', builtinExtensions);
    const downloaderMiddlewares = build<DownloaderMiddleware>('downloaderMiddlewares', 'downloaderMiddlewaresBase', builtinDownloaderMiddlewares);
    const spiderMiddlewares = build<SpiderMiddleware>('spiderMiddlewares', 'spiderMiddlewaresBase', builtinSpiderMiddlewares);
    const pipelines = build<ItemPipeline>('itemPipelines', 'itemPipelinesBase', builtinItemPipelines);

    this.scheduler = new Scheduler({
      queue: parts.queue ?? new MemoryRequestQueue(settings.schedulerOrder),
      seen: parts.seen ?? new MemorySeenSet(),
      stats: this.stats,
      logger: this.logger.child('dupefilter'),
      debugDuplicates: settings.dupefilterDebug,
    });
    const handler = parts.handler ?? new HttpDownloadHandler(settings, this.logger.child('downloader'));
    this.downloader = new Downloader(downloaderMiddlewares, handler, this.slots, this.spider, this.signals);
    this.items = new ItemProcessor(pipelines, this.spider, this.stats, this.signals, this.logger.child('pipelines'));
    const scraper = new Scraper(spiderMiddlewares, this.items, (request) => this.engine.crawl(request), (reason) => this.engine.closeSpider(reason), this.spider, this.stats, this.signals, this.logger);
    this.engine = new Engine({
      spider: this.spider,
      scheduler: this.scheduler,
      downloader: this.downloader,
      scraper,
      signals: this.signals,
      stats: this.stats,
      logger: this.logger,
      concurrentRequests: settings.concurrentRequests,
    });
  }

  /** Opens, runs and closes the spider. Resolves (never rejects) with the result. */
  async crawl(): Promise<CrawlResult> {
    let reason: string;
    try {
      this.logger.info('Spider opened');
      for (const extension of this.extensions) await extension.open?.(this.spider);
      await this.items.open();
      await this.signals.emitAsync('spiderOpened', { spider: this.spider });
    } catch (error) {
      this.logger.critical(`Could not open spider: ${(error as Error)?.message ?? error}`, error);
      reason = 'error';
      await this.close(reason);
      return this.result(reason);
    }
    reason = await this.engine.run();
    await this.close(reason);
    return this.result(reason);
  }

  /** Stops the crawl: 'shutdown' lets in-flight requests finish; `force` aborts them. */
  stop(force = false): void {
    this.engine.closeSpider('shutdown', force);
  }

  private async close(reason: string): Promise<void> {
    const attempt = async (what: string, step: () => unknown) => {
      try {
        await step();
      } catch (error) {
        this.logger.error(`Error while closing (${what}): ${(error as Error)?.message ?? error}`, error);
      }
    };
    await attempt('downloader', () => this.downloader.close());
    await attempt('item pipelines', () => this.items.close(reason));
    await attempt('scheduler', () => this.scheduler.close());
    await attempt('spider', () => this.spider.closed?.(reason));
    for (const extension of this.extensions) await attempt(extension.constructor.name, () => extension.close?.(this.spider, reason));
    await attempt('spiderClosed handlers', () => this.signals.emitAsync('spiderClosed', { spider: this.spider, reason }));
    this.logger.info(`Spider closed (${reason})`);
  }

  private result(closeReason: string): CrawlResult {
    return { spiderName: this.spider.name, closeReason, stats: this.stats.toJSON() };
  }
}
