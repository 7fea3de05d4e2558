/**
 * The end-of-crawl summary and the live TTY line.
 */
import type { CrawlResult } from '../core/crawler.js';
import type { LogRecord, LogSink } from '../core/log.js';
import { describeSlowestSlot, type SlotLimiter } from '../core/slots.js';
import type { StatsCollector } from '../core/stats.js';

const n = (value: number) => value.toLocaleString('en-US');

/** Scrapy-keyed stats turned into a few lines a person reads at the end of a run. */
export function formatSummary(result: CrawlResult): string {
  const s = result.stats;
  const num = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : 0);
  const prefixed = (prefix: string) =>
    Object.entries(s)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => `${key.slice(prefix.length)}×${value}`);
  const statuses = prefixed('downloader/response_status_count/');
  const exceptions = prefixed('downloader/exception_type_count/');
  const errors = num('log_count/ERROR') + num('log_count/CRITICAL');
  return [
    `${result.spiderName}: ${result.closeReason} in ${num('elapsed_time_seconds').toFixed(1)} s`,
    `  items     ${n(num('item_scraped_count'))} scraped, ${n(num('item_dropped_count'))} dropped`,
    `  requests  ${n(num('downloader/request_count'))} sent, ${n(num('downloader/response_count'))} responses${statuses.length ? ` (${statuses.join(', ')})` : ''}${num('httpcache/hit') ? `, ${n(num('httpcache/hit'))} from the cache` : ''}`,
    `  retries   ${n(num('retry/count'))}${num('retry/max_reached') ? `, ${n(num('retry/max_reached'))} gave up` : ''}${num('ratelimit/retry_after_count') + num('ratelimit/budget_exhausted_count') ? `; paused ${n(num('ratelimit/retry_after_count') + num('ratelimit/budget_exhausted_count'))} times when the partner asked` : ''}`,
    `  failures  ${n(num('downloader/exception_count'))} download exceptions${exceptions.length ? ` (${exceptions.join(', ')})` : ''}, ${n(num('httperror/response_ignored_count'))} HTTP errors ignored, ${n(Object.entries(s).filter(([k]) => k.startsWith('spider_exceptions/')).reduce((sum, [, v]) => sum + (v as number), 0))} spider exceptions`,
    `  errors    ${n(errors)} logged`,
  ].join('\n');
}

/** What the live line reads of one crawler: its stats, and its slots for the slowest one. */
export interface LiveLineSource {
  name: string;
  stats: StatsCollector;
  slots?: Pick<SlotLimiter, 'slowest'>;
}

/**
 * A single status line redrawn on a TTY (requests, items, rate, retries, the slowest slot's delay
 * or pause). Log lines go through `wrap`, which clears the status line before writing them so the
 * two never interleave.
 */
export class LiveLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly crawlers: LiveLineSource[],
  ) {}

  /** A sink that clears the live line, writes the record, and redraws. */
  wrap(sink: LogSink): LogSink {
    return (record: LogRecord) => {
      this.clear();
      sink(record);
      this.draw();
    };
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private draw(): void {
    if (!this.timer) return;
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const parts = this.crawlers.map(({ name, stats, slots }) => {
      const requests = stats.count('downloader/request_count');
      const slowest = describeSlowestSlot(slots?.slowest?.());
      return `${name}: ${n(requests)} requests, ${n(stats.count('item_scraped_count'))} items, ${(requests / seconds).toFixed(1)} req/s, ${n(stats.count('retry/count'))} retries${slowest ? `, ${slowest}` : ''}`;
    });
    this.stream.write(`\r\x1b[2K${parts.join(' | ')}`.slice(0, (this.stream.columns || 120) + 8));
    this.shown = true;
  }

  private clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
