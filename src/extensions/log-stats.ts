/**
 * Logs "Crawled N pages (at X pages/min), scraped M items (at Y items/min)" every
 * `logstatsInterval` seconds (Scrapy's LogStats), plus the slowest slot when one is slowed:
 * off a TTY (CI, a log shipper) these lines are the only progress a person sees.
 */
import type { Crawler } from '../core/crawler.js';
import { NotConfigured } from '../core/errors.js';
import { describeSlowestSlot } from '../core/slots.js';
import type { Extension } from '../middlewares/types.js';

/** Periodic progress lines. */
export class LogStats implements Extension {
  static fromCrawler(crawler: Crawler): LogStats {
    if (!crawler.settings.logstatsInterval) throw new NotConfigured('logstatsInterval is 0');
    return new LogStats(crawler);
  }

  private timer: NodeJS.Timeout | undefined;
  private lastPages = 0;
  private lastItems = 0;

  constructor(private readonly crawler: Crawler) {}

  open(): void {
    const seconds = this.crawler.settings.logstatsInterval;
    this.log(seconds);
    this.timer = setInterval(() => this.log(seconds), seconds * 1000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private log(seconds: number): void {
    const pages = this.crawler.stats.count('response_received_count');
    const items = this.crawler.stats.count('item_scraped_count');
    const perMinute = 60 / seconds;
    const slowest = describeSlowestSlot(this.crawler.slots.slowest?.());
    this.crawler.logger.info(
      `Crawled ${pages} pages (at ${Math.round((pages - this.lastPages) * perMinute)} pages/min), scraped ${items} items (at ${Math.round((items - this.lastItems) * perMinute)} items/min)${slowest ? `; ${slowest}` : ''}`,
    );
    this.lastPages = pages;
    this.lastItems = items;
  }
}
