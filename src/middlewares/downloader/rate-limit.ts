/**
 * Obeys partners who say "wait": a 429/503 with Retry-After, or rate-limit headers with no budget
 * left, pause the whole slot (no request to that host leaves before the time given), not just the
 * request that is retried. A pause longer than `retryAfterMax` is still honoured; requests that
 * would wait past it fail at once, naming the URL, instead of hanging the crawl.
 */
import type { Crawler } from '../../core/crawler.js';
import { Downloader } from '../../core/downloader.js';
import { TeineiError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { SlotLimiter } from '../../core/slots.js';
import type { StatsCollector } from '../../core/stats.js';
import { rateLimitBudget, retryAfterSeconds } from '../../http/backoff-headers.js';
import type { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import type { DownloaderMiddleware } from '../types.js';

/** A request not sent because its partner asked for a pause longer than `retryAfterMax`. */
export class PartnerPauseTooLong extends TeineiError {
  override name = 'PartnerPauseTooLong';
}

/** Pauses slots on Retry-After and exhausted rate-limit budgets. */
export class RateLimitMiddleware implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): RateLimitMiddleware {
    const mw = new RateLimitMiddleware(crawler.slots, crawler.settings.retryAfterMax, crawler.stats, crawler.logger.child('ratelimit'));
    // Inside the slot, before it frees: the pause applies to the very next start.
    crawler.signals.on('responseDownloaded', ({ response, slot }) => mw.observe(response, slot));
    return mw;
  }

  constructor(
    private readonly slots: SlotLimiter,
    private readonly maxWait: number,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
  ) {}

  processRequest(request: Request): void {
    const until = this.slots.pausedUntil(Downloader.slotKey(request));
    const wait = (until - Date.now()) / 1000;
    if (wait > this.maxWait) {
      this.stats.inc('ratelimit/refused_count');
      throw new PartnerPauseTooLong(
        `Not sending ${request}: the partner asked to pause until ${new Date(until).toISOString()} (${Math.ceil(wait)} s), over retryAfterMax (${this.maxWait} s)`,
      );
    }
  }

  /** Reads a network response's wait instructions and pauses its slot. */
  observe(response: Response, slot: string): void {
    const now = Date.now();
    let wait: number | undefined;
    let why = '';
    if (response.status === 429 || response.status === 503) {
      wait = retryAfterSeconds(response, now);
      why = `${response.status} with Retry-After`;
      if (wait !== undefined) this.stats.inc('ratelimit/retry_after_count');
    }
    const budget = rateLimitBudget(response, now);
    // No more starts before the reset than the partner still allows.
    if (budget && budget.remaining > 0) this.slots.setBudget(slot, budget.remaining, now + budget.resetSeconds * 1000);
    if (wait === undefined && budget && budget.remaining <= 0) {
      wait = budget.resetSeconds;
      why = 'rate-limit budget exhausted';
      this.stats.inc('ratelimit/budget_exhausted_count');
    }
    if (wait === undefined || wait <= 0) return;
    this.slots.pauseUntil(slot, now + wait * 1000);
    this.stats.max('ratelimit/max_pause_seconds', wait);
    const message = `Pausing ${slot} for ${wait.toFixed(1)} s (${why}) after ${response.url}`;
    if (wait > this.maxWait) {
      this.logger.error(`${message}; over retryAfterMax (${this.maxWait} s): its requests fail until then`);
      // Requests already waiting in the slot would otherwise wait out the whole pause.
      const reason = `the partner asked to pause ${slot} until ${new Date(now + wait * 1000).toISOString()} (${Math.ceil(wait)} s), over retryAfterMax (${this.maxWait} s)`;
      const refused = this.slots.rejectWaiting?.(slot, () => new PartnerPauseTooLong(`Not sending it: ${reason}`));
      if (refused) this.stats.inc('ratelimit/refused_count', refused);
    } else {
      this.logger.info(message);
    }
  }
}
