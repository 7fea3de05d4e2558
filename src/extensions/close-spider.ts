/**
 * Closes the spider on item, page, error or time limits (Scrapy's CloseSpider), with Scrapy's
 * close reasons.
 */
import type { Crawler } from '../core/crawler.js';
import { NotConfigured } from '../core/errors.js';
import type { Extension } from '../middlewares/types.js';

/** Watches the closespider* settings. */
export class CloseSpider implements Extension {
  static fromCrawler(crawler: Crawler): CloseSpider {
    const { closespiderItemcount, closespiderPagecount, closespiderErrorcount, closespiderTimeout } = crawler.settings;
    if (!closespiderItemcount && !closespiderPagecount && !closespiderErrorcount && !closespiderTimeout) {
      throw new NotConfigured('no closespider* limit set');
    }
    return new CloseSpider(crawler);
  }

  private timer: NodeJS.Timeout | undefined;
  private items = 0;
  private pages = 0;
  private errors = 0;

  constructor(private readonly crawler: Crawler) {
    const { closespiderItemcount, closespiderPagecount, closespiderErrorcount } = crawler.settings;
    const close = (reason: string) => crawler.engine.closeSpider(reason);
    if (closespiderItemcount) crawler.signals.on('itemScraped', () => void (++this.items === closespiderItemcount && close('closespider_itemcount')));
    if (closespiderPagecount) crawler.signals.on('responseReceived', () => void (++this.pages === closespiderPagecount && close('closespider_pagecount')));
    if (closespiderErrorcount) crawler.signals.on('spiderError', () => void (++this.errors === closespiderErrorcount && close('closespider_errorcount')));
  }

  open(): void {
    const seconds = this.crawler.settings.closespiderTimeout;
    if (seconds) {
      this.timer = setTimeout(() => this.crawler.engine.closeSpider('closespider_timeout'), seconds * 1000);
      this.timer.unref();
    }
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
