/**
 * Drops requests to hosts outside the spider's `allowedDomains` (Scrapy's OffsiteMiddleware).
 */
import type { Crawler } from '../../core/crawler.js';
import { NotConfigured } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { StatsCollector } from '../../core/stats.js';
import { Request } from '../../http/request.js';
import type { SpiderClass } from '../../spiders/spider.js';
import type { SpiderMiddleware, SpiderOutput } from '../types.js';

/** Filters offsite requests; off when the spider lists no allowedDomains. */
export class OffsiteMiddleware implements SpiderMiddleware {
  static fromCrawler(crawler: Crawler): OffsiteMiddleware {
    const domains = (crawler.spider.constructor as SpiderClass).allowedDomains ?? [];
    if (domains.length === 0) throw new NotConfigured('spider has no allowedDomains');
    return new OffsiteMiddleware(domains, crawler.stats, crawler.logger.child('offsite'));
  }

  private readonly reported = new Set<string>();

  constructor(
    private readonly domains: string[],
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
  ) {}

  processOutputValue(_response: unknown, value: SpiderOutput): SpiderOutput | undefined {
    if (!(value instanceof Request) || value.dontFilter) return value;
    const host = new URL(value.url).hostname;
    if (this.domains.some((d) => host === d || host.endsWith(`.${d}`))) return value;
    if (!this.reported.has(host)) {
      this.reported.add(host);
      this.stats.inc('offsite/domains');
      this.logger.debug(`Filtered offsite request to '${host}': ${value}`);
    }
    this.stats.inc('offsite/filtered');
    return undefined;
  }
}
