/**
 * The engine loop: pulls requests from the scheduler (and the spider's start() when the
 * scheduler runs dry) up to `concurrentRequests`, downloads them, hands responses to the scraper,
 * and closes the spider when nothing is left ('finished') or when asked.
 */
import { Request } from '../http/request.js';
import { Response } from '../http/response.js';
import type { SpiderOutput } from '../middlewares/types.js';
import type { Spider } from '../spiders/spider.js';
import type { Downloader } from './downloader.js';
import type { Logger } from './log.js';
import type { Scheduler } from './scheduler.js';
import type { Scraper } from './scraper.js';
import type { Signals } from './signals.js';
import { SlotCancelled } from './slots.js';
import type { StatsCollector } from './stats.js';

/** What the engine drives. */
export interface EngineParts {
  spider: Spider;
  scheduler: Scheduler;
  downloader: Downloader;
  scraper: Scraper;
  signals: Signals;
  stats: StatsCollector;
  logger: Logger;
  /** The `concurrentRequests` setting. */
  concurrentRequests: number;
}

/** Runs one spider until it closes; resolves with the close reason. */
export class Engine {
  private active = 0;
  private start: AsyncIterator<SpiderOutput> | undefined;
  private startDone = false;
  private pumping = false;
  private pumpAgain = false;
  private closeReason: string | undefined;
  private finished!: (reason: string) => void;
  private readonly closing = new AbortController();
  private readonly done: Promise<string>;

  constructor(private readonly parts: EngineParts) {
    this.done = new Promise((resolve) => (this.finished = resolve));
  }

  /** Starts pulling; resolves with the close reason once nothing is in flight. */
  run(): Promise<string> {
    this.start = this.parts.scraper.start();
    this.pump();
    return this.done;
  }

  /** Schedules a request (from a callback, a middleware or an extension). */
  async crawl(request: Request): Promise<void> {
    const { scheduler, signals, spider } = this.parts;
    if (await scheduler.enqueue(request)) {
      if (signals.has('requestScheduled')) signals.emit('requestScheduled', { spider, request });
      this.pump();
    } else if (signals.has('requestDropped')) {
      signals.emit('requestDropped', { spider, request });
    }
  }

  /** Stops scheduling; in-flight requests finish unless `force` aborts them. Idempotent. */
  closeSpider(reason: string, force = false): void {
    if (this.closeReason === undefined) {
      this.closeReason = reason;
      this.parts.logger.info(`Closing spider (${reason})`);
      this.closing.abort();
    }
    this.parts.downloader.cancelWaiting();
    if (force) this.parts.downloader.abortAll();
    if (this.active === 0 && !this.pumping) this.finished(this.closeReason);
  }

  /** Aborted when the spider starts closing: components cut their waits short with it. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Requests in flight (dequeued and not yet fully processed). */
  get inFlight(): number {
    return this.active;
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpLoop().then(
      () => this.afterPump(),
      (error) => {
        this.parts.logger.critical(`Engine loop failed: ${(error as Error)?.message ?? error}`, error);
        this.pumping = false;
        this.closeSpider('engine_error');
      },
    );
  }

  private async pumpLoop(): Promise<void> {
    const { scheduler, concurrentRequests } = this.parts;
    do {
      this.pumpAgain = false;
      while (this.closeReason === undefined && this.active < concurrentRequests) {
        const request = await scheduler.next();
        if (request) {
          this.launch(request);
          continue;
        }
        if (this.startDone || !(await this.pullStart())) break;
      }
    } while (this.pumpAgain && this.closeReason === undefined);
  }

  private async afterPump(): Promise<void> {
    this.pumping = false;
    if (this.closeReason !== undefined) {
      if (this.active === 0) this.finished(this.closeReason);
      return;
    }
    if (this.active > 0 || !this.startDone || (await this.parts.scheduler.hasPending())) return;
    // Idle: let spiderIdle handlers schedule more before deciding the spider is finished.
    await this.parts.signals.emitAsync('spiderIdle', { spider: this.parts.spider });
    if (this.active === 0 && !this.pumping && !(await this.parts.scheduler.hasPending())) this.closeSpider('finished');
    else this.pump();
  }

  /** Takes one value from start(); false when it is exhausted. */
  private async pullStart(): Promise<boolean> {
    try {
      const next = await this.start!.next();
      if (next.done) {
        this.startDone = true;
        return false;
      }
      await this.parts.scraper.handleStartValue(next.value);
      return true;
    } catch (error) {
      this.startDone = true;
      this.parts.stats.inc('spider_exceptions/start');
      this.parts.logger.error(`Error while obtaining start requests: ${(error as Error)?.message ?? error}`, error);
      return false;
    }
  }

  private launch(request: Request): void {
    this.active++;
    this.process(request).then(
      () => this.settle(),
      (error) => {
        this.parts.logger.error(`Unhandled error processing ${request}: ${(error as Error)?.message ?? error}`, error);
        this.settle();
      },
    );
  }

  private settle(): void {
    this.active--;
    if (this.closeReason !== undefined) {
      if (this.active === 0 && !this.pumping) this.finished(this.closeReason);
      return;
    }
    this.pump();
  }

  private async process(request: Request): Promise<void> {
    const { downloader, scraper, signals, spider } = this.parts;
    let result: Response | Request;
    try {
      result = await downloader.fetch(request);
    } catch (error) {
      if (error instanceof SlotCancelled) return;
      await scraper.handleFailure(request, error);
      return;
    }
    if (result instanceof Request) {
      await this.crawl(result);
      return;
    }
    if (signals.has('responseReceived')) signals.emit('responseReceived', { spider, request, response: result });
    await scraper.handleResponse(result);
  }
}
