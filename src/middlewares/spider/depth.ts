/**
 * Tracks how deep each request is from a start request; limits and re-prioritises by depth
 * (Scrapy's DepthMiddleware).
 */
import type { Crawler } from '../../core/crawler.js';
import type { Logger } from '../../core/log.js';
import type { StatsCollector } from '../../core/stats.js';
import { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import type { SpiderMiddleware, SpiderOutput } from '../types.js';

/** Sets `meta.depth`; drops requests beyond `depthLimit`. */
export class DepthMiddleware implements SpiderMiddleware {
  static fromCrawler(crawler: Crawler): DepthMiddleware {
    return new DepthMiddleware(crawler.settings.depthLimit, crawler.settings.depthPriority, crawler.stats, crawler.logger.child('depth'));
  }

  constructor(
    private readonly limit: number,
    private readonly priorityPerLevel: number,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
  ) {}

  processOutputValue(response: Response | undefined, value: SpiderOutput): SpiderOutput | undefined {
    if (!(value instanceof Request)) return value;
    const depth = response ? ((response.meta.depth as number | undefined) ?? 0) + 1 : 0;
    if (this.limit > 0 && depth > this.limit) {
      this.logger.debug(`Ignoring link (depth > ${this.limit}): ${value.url}`);
      return undefined;
    }
    value.meta.depth = depth;
    this.stats.max('request_depth_max', depth);
    return this.priorityPerLevel !== 0 && depth > 0 ? value.replace({ priority: value.priority - depth * this.priorityPerLevel }) : value;
  }
}
