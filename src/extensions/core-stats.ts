/**
 * Start and finish times, close reason, elapsed seconds and response counts (Scrapy's CoreStats).
 */
import type { Crawler } from '../core/crawler.js';
import type { StatsCollector } from '../core/stats.js';
import type { Extension } from '../middlewares/types.js';

/** Records the crawl's timeline in stats. */
export class CoreStats implements Extension {
  static fromCrawler(crawler: Crawler): CoreStats {
    const ext = new CoreStats(crawler.stats);
    crawler.signals.on('responseReceived', () => crawler.stats.inc('response_received_count'));
    return ext;
  }

  private started = 0;

  constructor(private readonly stats: StatsCollector) {}

  open(): void {
    this.started = Date.now();
    this.stats.set('start_time', new Date(this.started));
  }

  close(_spider: unknown, reason: string): void {
    const now = Date.now();
    this.stats.set('finish_time', new Date(now));
    this.stats.set('finish_reason', reason);
    this.stats.set('elapsed_time_seconds', (now - this.started) / 1000);
  }
}
