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
    const meta = response.meta as HttpErrorMeta;
    if (meta.handleHttpStatusAll ?? spider.handleHttpStatusAll ?? this.allowAll) return;
    const list = meta.handleHttpStatusList ?? spider.handleHttpStatusList;
    if (list ? list.includes(status) : this.allowed.has(status)) return;
    throw new HttpError(response);
  }
}
