/**
 * The contracts of downloader middlewares, spider middlewares and item pipelines, as Scrapy's.
 */
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Spider } from '../spiders/spider.js';

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** What a callback may produce: requests and items (plain objects). */
export type SpiderOutput = Request | object;

/**
 * Sits between the engine and the download handler.
 * - processRequest: nothing continues; a Response skips the download (it still goes through
 *   every processResponse); a Request is scheduled instead of this one.
 * - processResponse: return the Response (or another) to continue, or a Request to schedule instead.
 * - processException: nothing passes the error on; a Response or a Request recovers from it.
 * Throwing IgnoreRequest from any of them sends the request to its errback.
 */
export interface DownloaderMiddleware {
  processRequest?(request: Request, spider: Spider): MaybePromise<void | Response | Request>;
  processResponse?(request: Request, response: Response, spider: Spider): MaybePromise<Response | Request>;
  processException?(request: Request, error: unknown, spider: Spider): MaybePromise<void | Response | Request>;
}

/**
 * Sits between the engine and spider callbacks.
 * - processSpiderInput: throw to reject a response (the request's errback then gets the error).
 * - processSpiderOutput: transform the callback's output stream.
 * - processOutputValue: a cheap per-value form of it: return the value (or a replacement) to keep
 *   it, undefined to drop it.
 * - processSpiderException: return an iterable of output to recover, nothing to pass it on.
 * - processStart: transform the spider's start() stream.
 */
export interface SpiderMiddleware {
  processSpiderInput?(response: Response, spider: Spider): MaybePromise<void>;
  processSpiderOutput?(response: Response, result: AsyncIterable<SpiderOutput>, spider: Spider): AsyncIterable<SpiderOutput>;
  processOutputValue?(response: Response | undefined, value: SpiderOutput, spider: Spider): SpiderOutput | undefined;
  processSpiderException?(response: Response, error: unknown, spider: Spider): MaybePromise<void | Iterable<SpiderOutput> | AsyncIterable<SpiderOutput>>;
  processStart?(start: AsyncIterable<SpiderOutput>, spider: Spider): AsyncIterable<SpiderOutput>;
}

/**
 * Processes each scraped item in order. Return the item (or a new one) to pass it on; throw
 * DropItem to drop it. `response` is the response the item came from (undefined for items
 * yielded by start()).
 */
export interface ItemPipeline<In extends object = any, Out extends object = In> {
  open?(spider: Spider): MaybePromise<void>;
  process(item: In, spider: Spider, response?: Response): MaybePromise<Out>;
  close?(spider: Spider, reason: string): MaybePromise<void>;
}

/** Something started with the crawl and stopped with it (Scrapy's extensions connect signals). */
export interface Extension {
  open?(spider: Spider): MaybePromise<void>;
  close?(spider: Spider, reason: string): MaybePromise<void>;
}
