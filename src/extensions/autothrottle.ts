/**
 * AutoThrottle, Scrapy's algorithm: each slot's delay moves toward latency / target concurrency,
 * never below the slot's configured delay nor above `autothrottleMaxDelay`; non-200 responses
 * cannot lower it. Unlike Scrapy, a 429 or 503 doubles it (within the maximum). The start delay is
 * applied when a slot is created (see the slot policy in crawler.ts).
 */
import type { Crawler } from '../core/crawler.js';
import { NotConfigured } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { SlotLimiter } from '../core/slots.js';
import type { Response } from '../http/response.js';
import type { Settings } from '../settings.js';

/** Adapts slot delays to the partner's latency. */
export class AutoThrottle {
  static fromCrawler(crawler: Crawler): AutoThrottle {
    if (!crawler.settings.autothrottleEnabled) throw new NotConfigured('autothrottleEnabled is false');
    const ext = new AutoThrottle(crawler.slots, crawler.settings, crawler.logger.child('autothrottle'));
    crawler.signals.on('responseDownloaded', ({ response, slot, latency }) => ext.adjust(slot, response, latency));
    return ext;
  }

  constructor(
    private readonly slots: SlotLimiter,
    private readonly settings: Pick<Settings, 'downloadDelay' | 'downloadSlots' | 'autothrottleMaxDelay' | 'autothrottleTargetConcurrency' | 'autothrottleDebug'>,
    private readonly logger: Logger,
  ) {}

  /** The new delay for a slot after one response (seconds). */
  nextDelay(current: number, minDelay: number, status: number, latency: number): number {
    const max = this.settings.autothrottleMaxDelay;
    if (status === 429 || status === 503) return Math.min(max, Math.max(current * 2, minDelay, 0.1));
    const target = latency / this.settings.autothrottleTargetConcurrency;
    // Scrapy: the mean of old and target, but the target itself when it is larger.
    let delay = Math.max(target, (current + target) / 2);
    delay = Math.min(Math.max(minDelay, delay), max);
    if (status !== 200 && delay <= current) return current;
    return delay;
  }

  adjust(slot: string, response: Response, latency: number): void {
    const current = this.slots.delayOf(slot);
    const minDelay = this.settings.downloadSlots[slot]?.delay ?? this.settings.downloadDelay;
    const delay = this.nextDelay(current, minDelay, response.status, latency);
    if (delay === current) return;
    this.slots.setDelay(slot, delay);
    if (this.settings.autothrottleDebug) {
      this.logger.info(`slot: ${slot} | conc: ${this.settings.autothrottleTargetConcurrency} | delay: ${(delay * 1000).toFixed(0)} ms (${delay > current ? '+' : ''}${((delay - current) * 1000).toFixed(0)}) | latency: ${(latency * 1000).toFixed(0)} ms | status: ${response.status}`);
    }
  }
}
