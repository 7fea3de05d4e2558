/**
 * The scraper: runs spider middlewares and callbacks on responses (errbacks on failures), and
 * routes their output: requests to the engine, items to the item pipelines.
 */
import { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { SpiderMiddleware, SpiderOutput } from '../middlewares/types.js';
import type { Spider } from '../spiders/spider.js';
import { CloseSpider, errorName, HttpError, IgnoreRequest } from './errors.js';
import type { ItemProcessor } from './item-processor.js';
import type { Logger } from './log.js';
import type { Signals } from './signals.js';
import type { StatsCollector } from './stats.js';

/** Where the scraper sends requests that callbacks yield. */
export type ScheduleRequest = (request: Request) => Promise<void>;
/** How the scraper asks the engine to close the spider (a callback threw CloseSpider). */
export type RequestClose = (reason: string) => void;

/** Output handling for one crawler. */
export class Scraper {
  private readonly inputChain: SpiderMiddleware[];
  private readonly outputChain: SpiderMiddleware[];
  private readonly valueChain: SpiderMiddleware[];
  private readonly exceptionChain: SpiderMiddleware[];
  private readonly startChain: SpiderMiddleware[];

  constructor(
    middlewares: SpiderMiddleware[],
    private readonly items: ItemProcessor,
    private readonly schedule: ScheduleRequest,
    private readonly requestClose: RequestClose,
    private readonly spider: Spider,
    private readonly stats: StatsCollector,
    private readonly signals: Signals,
    private readonly logger: Logger,
  ) {
    this.inputChain = middlewares.filter((m) => m.processSpiderInput);
    // Output and exceptions travel back up the chain, as in Scrapy.
    this.outputChain = middlewares.filter((m) => m.processSpiderOutput).reverse();
    this.valueChain = middlewares.filter((m) => m.processOutputValue).reverse();
    this.exceptionChain = middlewares.filter((m) => m.processSpiderException).reverse();
    this.startChain = middlewares.filter((m) => m.processStart).reverse();
  }

  /** Wraps the spider's start() with the middlewares' processStart. */
  start(): AsyncIterator<SpiderOutput> {
    let stream: AsyncIterable<SpiderOutput> = toAsyncIterable(this.spider.start()) as AsyncIterable<SpiderOutput>;
    for (const mw of this.startChain) stream = mw.processStart!(stream, this.spider);
    return stream[Symbol.asyncIterator]();
  }

  /** Handles one value from start(): a request or an item. */
  async handleStartValue(value: unknown): Promise<void> {
    await this.handleOutput(value, undefined);
  }

  /** Runs input middlewares and the callback on a response, and handles the output. */
  async handleResponse(response: Response): Promise<void> {
    try {
      for (const mw of this.inputChain) await mw.processSpiderInput!(response, this.spider);
    } catch (error) {
      // The errback when there is one (and HttpError/IgnoreRequest's own handling); otherwise, as in
      // Scrapy, a spider error offered to processSpiderException, not a download error.
      if (response.request.errback || error instanceof IgnoreRequest) await this.handleFailure(response.request, error, response);
      else await this.handleCallbackError(response, error);
      return;
    }
    const name = response.request.callback ?? 'parse';
    try {
      let output = toAsyncIterable(this.method(name, response.request.url).call(this.spider, response));
      for (const mw of this.outputChain) output = mw.processSpiderOutput!(response, output as AsyncIterable<SpiderOutput>, this.spider);
      await this.consume(output, response);
    } catch (error) {
      await this.handleCallbackError(response, error);
    }
  }

  /** A download failure or a rejected response: the errback when there is one, else a log line. */
  async handleFailure(request: Request, error: unknown, response?: Response): Promise<void> {
    if (request.errback) {
      try {
        await this.consume(toAsyncIterable(this.method(request.errback, request.url).call(this.spider, withRequest(error, request))), response);
      } catch (errbackError) {
        this.logSpiderError(request, errbackError, response);
      }
      return;
    }
    if (error instanceof HttpError) {
      this.stats.inc('httperror/response_ignored_count');
      this.stats.inc(`httperror/response_ignored_status_count/${error.response.status}`);
      this.logger.warning(error.message);
    } else if (error instanceof IgnoreRequest) {
      this.logger.debug(`Ignoring ${request}: ${error.message}`);
    } else {
      this.logger.error(`Error downloading ${request}: ${(error as Error)?.message ?? error}`);
    }
  }

  private async handleCallbackError(response: Response, error: unknown): Promise<void> {
    if (error instanceof CloseSpider) {
      this.requestClose(error.reason);
      return;
    }
    for (const mw of this.exceptionChain) {
      const recovered = await mw.processSpiderException!(response, error, this.spider);
      if (recovered) {
        await this.consume(toAsyncIterable(recovered), response);
        return;
      }
    }
    this.logSpiderError(response.request, error, response);
  }

  private logSpiderError(request: Request, error: unknown, response: Response | undefined): void {
    this.stats.inc(`spider_exceptions/${errorName(error)}`);
    const referer = request.headers.Referer ?? request.headers.referer;
    this.logger.error(`Spider error processing ${request} (referer: ${referer ?? 'None'}): ${(error as Error)?.message ?? error}`, error);
    if (response) this.signals.emit('spiderError', { spider: this.spider, error, response });
  }

  private async consume(output: AsyncIterable<unknown> | Iterable<unknown>, response: Response | undefined): Promise<void> {
    if (Symbol.asyncIterator in output) {
      for await (const value of output) await this.handleOutput(value, response);
    } else {
      for (const value of output) await this.handleOutput(value, response);
    }
  }

  private async handleOutput(value: unknown, response: Response | undefined): Promise<void> {
    if (value === undefined || value === null) return;
    if (typeof value !== 'object') {
      this.logger.error(`Spider must yield requests or items (objects), got ${typeof value} ${JSON.stringify(value)?.slice(0, 60)}${response ? ` in ${response.request}` : ''}`);
      return;
    }
    let current: SpiderOutput | undefined = value;
    for (const mw of this.valueChain) {
      current = mw.processOutputValue!(response, current, this.spider);
      if (current === undefined) return;
    }
    if (current instanceof Request) await this.schedule(current);
    else await this.items.process(current, response);
  }

  private method(name: string, url: string): (...args: unknown[]) => unknown {
    const fn = (this.spider as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new TypeError(`Spider ${this.spider.name} has no method "${name}" (callback of ${url})`);
    return fn as (...args: unknown[]) => unknown;
  }
}

/**
 * Normalises what a callback returns: (async) generators and iterables pass through; a promise is
 * awaited; a single request or item becomes a one-element list; nothing becomes empty.
 */
export function toAsyncIterable(result: unknown): AsyncIterable<unknown> | Iterable<unknown> {
  if (result === undefined || result === null) return [];
  if (typeof result === 'object' || typeof result === 'function') {
    if (Symbol.asyncIterator in (result as object)) return result as AsyncIterable<unknown>;
    // Any iterable (array, generator, Set, array iterator…); items are plain objects, not iterable.
    if (Symbol.iterator in (result as object)) return result as Iterable<unknown>;
    if (typeof (result as PromiseLike<unknown>).then === 'function') {
      return (async function* () {
        const resolved = await (result as PromiseLike<unknown>);
        const inner = toAsyncIterable(resolved);
        if (Symbol.asyncIterator in inner) yield* inner as AsyncIterable<unknown>;
        else yield* inner as Iterable<unknown>;
      })();
    }
  }
  return [result];
}

/** The error an errback receives carries the failed request, as Scrapy's Failure does. */
function withRequest(error: unknown, request: Request): Error & { request: Request } {
  const e = error instanceof Error ? error : new Error(String(error));
  return Object.assign(e, { request });
}
