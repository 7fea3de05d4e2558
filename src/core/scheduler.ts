/**
 * The scheduler: the duplicate filter in front of a priority queue, with Scrapy's stats.
 */
import type { Request } from '../http/request.js';
import { requestFingerprint } from './fingerprint.js';
import type { Logger } from './log.js';
import type { RequestQueue, SeenSet } from './queues/types.js';
import type { StatsCollector } from './stats.js';

/** What the scheduler is built from. */
export interface SchedulerOptions {
  queue: RequestQueue;
  seen: SeenSet;
  stats: StatsCollector;
  logger: Logger;
  /** Log every filtered duplicate, not only the first (dupefilterDebug). */
  debugDuplicates?: boolean;
  /** How a request is fingerprinted; default method + canonical URL + body. */
  fingerprint?: (request: Request) => string;
}

/** Accepts requests (dropping duplicates) and hands them out by priority. */
export class Scheduler {
  private loggedDuplicate = false;
  private readonly fingerprint: (request: Request) => string;

  constructor(private readonly options: SchedulerOptions) {
    this.fingerprint = options.fingerprint ?? requestFingerprint;
  }

  /** Queues a request; false when it was a duplicate and was dropped. */
  async enqueue(request: Request): Promise<boolean> {
    const { seen, queue, stats } = this.options;
    if (!request.dontFilter && !(await seen.add(this.fingerprint(request)))) {
      stats.inc('dupefilter/filtered');
      if (this.options.debugDuplicates || !this.loggedDuplicate) {
        this.loggedDuplicate = true;
        this.options.logger.debug(
          `Filtered duplicate request: ${request}${this.options.debugDuplicates ? '' : ' - no more duplicates will be shown (see dupefilterDebug to show all duplicates)'}`,
        );
      }
      return false;
    }
    await queue.push(request);
    stats.inc('scheduler/enqueued');
    return true;
  }

  /** The next request by priority, or undefined. */
  async next(): Promise<Request | undefined> {
    const request = await this.options.queue.pop();
    if (request) {
      this.options.stats.inc('scheduler/dequeued');
    }
    return request;
  }

  /** Whether requests wait. */
  async hasPending(): Promise<boolean> {
    return (await this.options.queue.size()) > 0;
  }

  /** Closes the stores. */
  async close(): Promise<void> {
    await this.options.queue.close?.();
    await this.options.seen.close?.();
  }
}
