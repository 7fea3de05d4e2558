/**
 * Runs each item through the item pipelines in order, with Scrapy's stats and signals.
 */
import type { Response } from '../http/response.js';
import type { ItemPipeline } from '../middlewares/types.js';
import type { Spider } from '../spiders/spider.js';
import { DropItem } from './errors.js';
import type { Logger } from './log.js';
import type { Signals } from './signals.js';
import type { StatsCollector } from './stats.js';

/** The item-pipeline chain of one crawler. */
export class ItemProcessor {
  constructor(
    private readonly pipelines: ItemPipeline[],
    private readonly spider: Spider,
    private readonly stats: StatsCollector,
    private readonly signals: Signals,
    private readonly logger: Logger,
  ) {}

  /** Opens every pipeline, in order. */
  async open(): Promise<void> {
    for (const pipeline of this.pipelines) await pipeline.open?.(this.spider);
  }

  /** Passes an item through the chain; never throws (drops and errors are counted and logged). */
  async process(item: object, response: Response | undefined): Promise<void> {
    let current = item;
    try {
      for (const pipeline of this.pipelines) {
        const result = pipeline.process(current, this.spider, response);
        current = isPromise(result) ? await result : result;
      }
    } catch (error) {
      if (error instanceof DropItem) {
        this.stats.inc('item_dropped_count');
        this.stats.inc(`item_dropped_reasons_count/${error.reason}`);
        // A message that already names the URL (e.g. ValidationError's) does not get it twice.
        const from = response && !error.message.includes(response.url) ? ` (from ${response.url})` : '';
        this.logger.warning(`Dropped: ${error.message}${from}`);
        if (this.signals.has('itemDropped')) await this.signals.emitWait('itemDropped', { spider: this.spider, item: current, response, error });
        return;
      }
      this.stats.inc(`item_error_count`);
      this.logger.error(`Error processing item${response ? ` from ${response.url}` : ''}: ${(error as Error)?.message ?? error}`, error);
      if (this.signals.has('itemError')) await this.signals.emitWait('itemError', { spider: this.spider, item: current, response, error });
      return;
    }
    this.stats.inc('item_scraped_count');
    const waiting = this.signals.emitWait('itemScraped', { spider: this.spider, item: current, response });
    if (waiting) await waiting;
  }

  /** Closes every pipeline; one that fails is logged and the others still close. */
  async close(reason: string): Promise<void> {
    for (const pipeline of this.pipelines) {
      try {
        await pipeline.close?.(this.spider, reason);
      } catch (error) {
        this.logger.error(`Error closing item pipeline ${pipeline.constructor.name}`, error);
      }
    }
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
