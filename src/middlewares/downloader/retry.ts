/**
 * Retries network failures (errors, timeouts, truncated bodies) and retryable HTTP codes
 * (Scrapy's RetryMiddleware), waiting an exponential backoff with full jitter between tries.
 * When the partner sent Retry-After, RateLimitMiddleware has already paused the whole slot, so
 * no backoff is added; a Retry-After over `retryAfterMax` is not waited for: the request fails.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Crawler } from '../../core/crawler.js';
import { DownloadError, errorName, NotConfigured } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { StatsCollector } from '../../core/stats.js';
import { retryAfterSeconds } from '../../http/backoff-headers.js';
import type { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import type { Settings } from '../../settings.js';
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

type RetrySettings = Pick<Settings, 'retryHttpCodes' | 'retryTimes' | 'retryPriorityAdjust' | 'retryBackoffBase' | 'retryBackoffMax' | 'retryAfterMax'>;

/** Network failures that are not worth retrying: the response was too large, or we cancelled it. */
const finalCodes = new Set(['DownloadMaxsizeExceeded', 'CancelError']);

/** Re-schedules failed requests up to `retryTimes`. */
export class RetryMiddleware implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): RetryMiddleware {
    if (!crawler.settings.retryEnabled) throw new NotConfigured('retryEnabled is false');
    return new RetryMiddleware(crawler.settings, crawler.stats, crawler.logger.child('retry'), () => crawler.engine.closingSignal);
  }

  private readonly codes: Set<number>;

  constructor(
    private readonly settings: RetrySettings,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
    private readonly closing: () => AbortSignal = () => new AbortController().signal,
  ) {
    this.codes = new Set(settings.retryHttpCodes);
  }

  async processResponse(request: Request, response: Response): Promise<Response | Request> {
    if ((request.meta as RetryMeta).dontRetry || !this.codes.has(response.status) || response.flags.includes('cached')) return response;
    const reason = `${response.status}`;
    const retryAfter = retryAfterSeconds(response);
    if (retryAfter !== undefined && retryAfter > this.settings.retryAfterMax) {
      this.stats.inc('retry/max_reached');
      this.logger.error(`Gave up retrying ${request}: the partner answered ${reason} with Retry-After ${Math.ceil(retryAfter)} s, over retryAfterMax (${this.settings.retryAfterMax} s)`);
      return response;
    }
    return (await this.retry(request, reason, retryAfter === undefined)) ?? response;
  }

  async processException(request: Request, error: unknown): Promise<Request | void> {
    if ((request.meta as RetryMeta).dontRetry || !(error instanceof DownloadError) || finalCodes.has(error.code)) return;
    return this.retry(request, errorName(error), true);
  }

  /** The backoff before retry number `attempt` (1-based), in ms: full jitter over an exponential cap. */
  backoffMs(attempt: number): number {
    const cap = Math.min(this.settings.retryBackoffMax, this.settings.retryBackoffBase * 2 ** (attempt - 1));
    return Math.random() * cap * 1000;
  }

  /** A copy of the request to try again, after the backoff; undefined when retries are used up. */
  private async retry(request: Request, reason: string, backoff: boolean): Promise<Request | undefined> {
    const meta = request.meta as RetryMeta;
    const attempt = (meta.retryTimes ?? 0) + 1;
    const max = meta.maxRetryTimes ?? this.settings.retryTimes;
    if (attempt > max) {
      this.stats.inc('retry/max_reached');
      this.logger.error(`Gave up retrying ${request} (failed ${attempt} times): ${reason}`);
      return undefined;
    }
    this.stats.inc('retry/count');
    this.stats.inc(`retry/reason_count/${reason}`);
    const wait = backoff ? this.backoffMs(attempt) : 0;
    this.logger.debug(`Retrying ${request} (failed ${attempt} times): ${reason}${wait ? `; backing off ${(wait / 1000).toFixed(2)} s` : ''}`);
    // A closing spider cuts the wait short; the retry is then dropped with the rest of the queue.
    if (wait > 0) await sleep(wait, undefined, { signal: this.closing() }).catch(() => undefined);
    return request.replace({ dontFilter: true, priority: request.priority + this.settings.retryPriorityAdjust, meta: { ...request.meta, retryTimes: attempt } });
  }
}
