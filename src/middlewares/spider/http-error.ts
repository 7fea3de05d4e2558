/**
 * Keeps non-2xx responses away from callbacks unless the spider says it handles them
 * (Scrapy's HttpErrorMiddleware). A rejected response goes to the request's errback.
 */
import type { Crawler } from '../../core/crawler.js';
import { HttpError } from '../../core/errors.js';
import type { Response } from '../../http/response.js';
import type { Spider } from '../../spiders/spider.js';
import type { SpiderMiddleware } from '../types.js';

/** Meta keys this middleware reads. */
export interface HttpErrorMeta {
  /** Pass every status of this request to its callback. */
  handleHttpStatusAll?: boolean;
  /** Statuses of this request that reach its callback. */
  handleHttpStatusList?: number[];
}

/** Rejects unhandled HTTP error responses. */
export class HttpErrorMiddleware implements SpiderMiddleware {
  static fromCrawler(crawler: Crawler): HttpErrorMiddleware {
    return new HttpErrorMiddleware(crawler.settings.httperrorAllowAll, new Set(crawler.settings.httperrorAllowedCodes));
  }

  constructor(
    private readonly allowAll: boolean,
    private readonly allowed: Set<number>,
  ) {}

  processSpiderInput(response: Response, spider: Spider): void {
    const status = response.status;
    if (status >= 200 && status < 300) return;
    // Scrapy's precedence: the request's meta, then the spider, then the settings.
    const meta = response.meta as HttpErrorMeta;
    if (meta.handleHttpStatusAll) return;
    if (meta.handleHttpStatusList) {
      if (meta.handleHttpStatusList.includes(status)) return;
      throw new HttpError(response);
    }
    if (spider.handleHttpStatusAll ?? this.allowAll) return;
    if (spider.handleHttpStatusList ? spider.handleHttpStatusList.includes(status) : this.allowed.has(status)) return;
    throw new HttpError(response);
  }
}
