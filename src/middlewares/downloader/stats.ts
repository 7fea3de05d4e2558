/**
 * Counts requests, responses and exceptions under Scrapy's `downloader/*` keys.
 */
import type { Crawler } from '../../core/crawler.js';
import { errorName } from '../../core/errors.js';
import type { StatsCollector } from '../../core/stats.js';
import type { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import type { DownloaderMiddleware } from '../types.js';

/**
 * Scrapy's DownloaderStats, counting only the network: cache hits (flag 'cached') stop before
 * this middleware on the way out, so they are left out on the way back too (see httpcache/hit).
 */
export class DownloaderStats implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): DownloaderStats {
    return new DownloaderStats(crawler.stats);
  }

  constructor(private readonly stats: StatsCollector) {}

  processRequest(request: Request): void {
    this.stats.inc('downloader/request_count');
    this.stats.inc(`downloader/request_method_count/${request.method}`);
    if (request.body) this.stats.inc('downloader/request_bytes', request.body.length);
  }

  processResponse(_request: Request, response: Response): Response {
    if (response.flags.includes('cached')) return response;
    this.stats.inc('downloader/response_count');
    this.stats.inc(`downloader/response_status_count/${response.status}`);
    this.stats.inc('downloader/response_bytes', response.body.length);
    return response;
  }

  processException(_request: Request, error: unknown): void {
    this.stats.inc('downloader/exception_count');
    this.stats.inc(`downloader/exception_type_count/${errorName(error)}`);
  }
}
