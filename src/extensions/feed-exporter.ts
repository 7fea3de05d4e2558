/**
 * Writes scraped items to the `feeds` setting's files (Scrapy's FeedExporter). Each file is
 * written as `FILE.part` and renamed when the spider closes.
 */
import type { Crawler } from '../core/crawler.js';
import { NotConfigured } from '../core/errors.js';
import { FeedWriter } from '../feeds/index.js';
import type { Extension } from '../middlewares/types.js';

/** Connects the FeedWriter to the crawl. */
export class FeedExporter implements Extension {
  static fromCrawler(crawler: Crawler): FeedExporter {
    const feeds = crawler.settings.feeds;
    if (Object.keys(feeds).length === 0) throw new NotConfigured('no feeds');
    return new FeedExporter(crawler, new FeedWriter(feeds, { name: crawler.spider.name, time: new Date() }));
  }

  constructor(
    private readonly crawler: Crawler,
    private readonly writer: FeedWriter,
  ) {
    crawler.signals.on('itemScraped', ({ item }) => this.writer.write(item));
  }

  private opened = false;

  async open(): Promise<void> {
    await this.writer.open();
    this.opened = true;
  }

  async close(): Promise<void> {
    // A feed that failed to open was aborted by the writer and already reported.
    if (!this.opened) return;
    const results = await this.writer.close();
    for (const warning of this.writer.warnings) this.crawler.logger.warning(warning);
    for (const { path, itemCount } of results) this.crawler.logger.info(`Stored feed (${itemCount} items) in: ${path}`);
  }
}
