/**
 * Adds `defaultRequestHeaders` to requests that do not set them (Scrapy's DefaultHeadersMiddleware).
 */
import type { Crawler } from '../../core/crawler.js';
import { NotConfigured } from '../../core/errors.js';
import { hasHeader, type Request } from '../../http/request.js';
import type { DownloaderMiddleware } from '../types.js';

/** Sets the project's default headers. */
export class DefaultHeadersMiddleware implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): DefaultHeadersMiddleware {
    const headers = Object.entries(crawler.settings.defaultRequestHeaders);
    if (headers.length === 0) throw new NotConfigured('defaultRequestHeaders is empty');
    return new DefaultHeadersMiddleware(headers);
  }

  constructor(private readonly headers: Array<[string, string]>) {}

  processRequest(request: Request): void {
    for (const [name, value] of this.headers) if (!hasHeader(request.headers, name)) request.headers[name] = value;
  }
}
