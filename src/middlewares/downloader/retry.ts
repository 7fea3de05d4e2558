/**
 * Retries network failures and retryable HTTP codes (Scrapy's RetryMiddleware).
 */
import type { Crawler } from '../../core/crawler.js';
import { DownloadError, errorName, NotConfigured } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { StatsCollector } from '../../core/stats.js';
import type { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import type { DownloaderMiddleware } from '../types.js';

/** Meta keys this middleware reads. */
export interface RetryMeta {
  /** Do not retry this request. */
  dontRetry?: boolean;
  /** Retries of this request (overrides retryTimes). */
  maxRetryTimes?: number;
  /** Retries so far; set by this middleware. */
  retryTimes?: number;
}

/** Re-schedules failed requests up to `retryTimes`. */
export class RetryMiddleware implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): RetryMiddleware {
    const { settings } = crawler;
    if (!settings.retryEnabled) throw new NotConfigured('retryEnabled is false');
    return new RetryMiddleware(new Set(settings.retryHttpCodes), settings.retryTimes, settings.retryPriorityAdjust, crawler.stats, crawler.logger.child('retry'));
  }

  constructor(
    private readonly codes: Set<number>,
    private readonly maxRetries: number,
    private readonly priorityAdjust: number,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
  ) {}

  processResponse(request: Request, response: Response): Response | Request {
    if ((request.meta as RetryMeta).dontRetry || !this.codes.has(response.status)) return response;
    return this.retry(request, `${response.status}`) ?? response;
  }

  processException(request: Request, error: unknown): Request | void {
    if ((request.meta as RetryMeta).dontRetry || !(error instanceof DownloadError)) return;
    if (error.code === 'DownloadMaxsizeExceeded' || error.code === 'CancelError') return;
    return this.retry(request, errorName(error));
  }

  /** A copy of the request to try again, or undefined when retries are used up. */
  private retry(request: Request, reason: string): Request | undefined {
    const meta = request.meta as RetryMeta;
    const done = (meta.retryTimes ?? 0) + 1;
    const max = meta.maxRetryTimes ?? this.maxRetries;
    if (done > max) {
      this.stats.inc('retry/max_reached');
      this.logger.error(`Gave up retrying ${request} (failed ${done} times): ${reason}`);
      return undefined;
    }
    this.stats.inc('retry/count');
    this.stats.inc(`retry/reason_count/${reason}`);
    this.logger.debug(`Retrying ${request} (failed ${done} times): ${reason}`);
    return request.replace({ dontFilter: true, priority: request.priority + this.priorityAdjust, meta: { ...request.meta, retryTimes: done } });
  }
}
