/**
 * Caches responses (Scrapy's HttpCacheMiddleware), so developing a spider does not hammer the
 * partner. Order 540, below RetryMiddleware (550): on the way back Retry (and RateLimit) see a
 * 429/5xx first and retry it, so the cache only ever sees the final answer, and a cached response
 * is never replayed into a retry loop (Scrapy issue 2297). Lookups run before the request waits
 * for its slot, so a hit never waits for the download delay.
 */
import { resolve } from 'node:path';
import type { Crawler } from '../../core/crawler.js';
import { IgnoreRequest, NotConfigured } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { StatsCollector } from '../../core/stats.js';
import { hasHeader, type Request } from '../../http/request.js';
import { Response, type ResponseHeaders } from '../../http/response.js';
import { cacheKey } from '../../httpcache/cache-key.js';
import { KeyvCacheStorage } from '../../httpcache/keyv-storage.js';
import { createPolicy, type CachePolicy } from '../../httpcache/policy.js';
import type { CachedEntry, CacheMeta, CacheStorage } from '../../httpcache/storage.js';
import type { Settings } from '../../settings.js';
import type { DownloaderMiddleware } from '../types.js';

/** Meta keys this middleware reads. */
export interface HttpCacheMeta {
  /** Neither look this request up nor store its response. */
  dontCache?: boolean;
}

/** Settings the middleware reads besides the storage and policy. */
export type HttpCacheOptions = Pick<Settings, 'httpcacheExpirationSecs' | 'httpcacheIgnoreHttpCodes' | 'httpcacheIgnoreMissing'>;

/** The flag on every response served from the cache; such responses are never stored again. */
export const CACHED_FLAG = 'cached';

/** Headers of a 304 that never replace the stored ones (they describe the 304, not the entity). */
const NOT_UPDATED = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive']);

/** What processRequest learnt about a request, for processResponse. */
interface Lookup {
  key: string;
  /** The stale entry the request was made conditional for. */
  stale?: CachedEntry;
}

/** Serves fresh entries without the network, revalidates stale ones, stores what the policy allows. */
export class HttpCacheMiddleware implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): HttpCacheMiddleware {
    const { settings } = crawler;
    if (!settings.httpcacheEnabled) throw new NotConfigured('httpcacheEnabled is false');
    const dir = resolve(settings.httpcacheDir);
    const storage = new KeyvCacheStorage({ dir, store: settings.httpcacheStore });
    const logger = crawler.logger.child('httpcache');
    const mw = new HttpCacheMiddleware(storage, createPolicy(settings.httpcachePolicy), settings, crawler.spider.name, crawler.stats, logger);
    // No middleware close hook: the storage flushes when the spider closes (after the downloader).
    crawler.signals.on('spiderClosed', () => mw.close());
    logger.info(`HTTP cache on: ${settings.httpcachePolicy} policy, ${dir}${settings.httpcacheStore ? ' (metadata in the given keyv store)' : ''}`);
    return mw;
  }

  private readonly ignoreCodes: Set<number>;
  private readonly lookups = new WeakMap<Request, Lookup>();

  constructor(
    private readonly storage: CacheStorage,
    private readonly policy: CachePolicy,
    private readonly options: HttpCacheOptions,
    /** Keys are namespaced by it: the spider's name. */
    private readonly namespace: string,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
  ) {
    this.ignoreCodes = new Set(options.httpcacheIgnoreHttpCodes);
  }

  async processRequest(request: Request): Promise<Response | void> {
    if ((request.meta as HttpCacheMeta).dontCache || !this.policy.shouldCacheRequest(request)) return;
    const lookup: Lookup = { key: cacheKey(this.namespace, request) };
    this.lookups.set(request, lookup);
    const entry = await this.read(lookup.key);
    if (!entry) {
      this.stats.inc('httpcache/miss');
      if (this.options.httpcacheIgnoreMissing) {
        this.stats.inc('httpcache/ignore');
        throw new IgnoreRequest(`Ignoring request not in the cache: ${request}`);
      }
      return;
    }
    if (this.policy.isFresh(entry.meta, request, Date.now())) {
      this.stats.inc('httpcache/hit');
      return toResponse(entry, request);
    }
    // Stale: ask the server whether it changed.
    lookup.stale = entry;
    for (const [name, value] of Object.entries(this.policy.conditionalHeaders(entry.meta))) {
      if (!hasHeader(request.headers, name)) request.headers[name] = value;
    }
  }

  processResponse(request: Request, response: Response): Response {
    if (response.flags.includes(CACHED_FLAG)) return response;
    const lookup = this.lookups.get(request);
    this.lookups.delete(request);
    if ((request.meta as HttpCacheMeta).dontCache || !this.policy.shouldCacheRequest(request)) return response;
    const key = lookup?.key ?? cacheKey(this.namespace, request);
    const stale = lookup?.stale;
    if (stale) {
      if (this.policy.isValid(stale.meta, response, request)) {
        if (response.status !== 304) {
          // A server error after retries: the stale entry is better than nothing.
          this.stats.inc('httpcache/errorrecovery');
          return toResponse(stale, request);
        }
        this.stats.inc('httpcache/revalidate');
        const meta: CacheMeta = { url: stale.meta.url, status: stale.meta.status, headers: updateHeaders(stale.meta.headers, response.headers), storedAt: Date.now() };
        this.write(key, meta, stale.body, false);
        return toResponse({ meta: { ...stale.meta, ...meta }, body: stale.body }, request);
      }
      this.stats.inc('httpcache/invalidate');
    }
    if (response.status === 304 || this.ignoreCodes.has(response.status) || !this.policy.shouldCacheResponse(response, request)) {
      this.stats.inc('httpcache/uncacheable');
      return response;
    }
    this.write(key, { url: response.url, status: response.status, headers: response.headers, storedAt: Date.now() }, response.body, true);
    return response;
  }

  /** Waits for writes in flight and closes the storage. Never throws: a cache failure fails no crawl. */
  async close(): Promise<void> {
    try {
      await this.storage.close();
    } catch (error) {
      this.logger.error(`Could not close the HTTP cache: ${(error as Error)?.message ?? error}`, error);
    }
  }

  /** An entry still within `httpcacheExpirationSecs`; undefined when missing, expired or unreadable. */
  private async read(key: string): Promise<CachedEntry | undefined> {
    let entry: CachedEntry | undefined;
    try {
      entry = await this.storage.get(key);
    } catch (error) {
      this.logger.warning(`Could not read the HTTP cache entry ${key}: ${(error as Error)?.message ?? error}`);
      return undefined;
    }
    const maxAgeMs = this.options.httpcacheExpirationSecs * 1000;
    if (entry && maxAgeMs > 0 && Date.now() - entry.meta.storedAt > maxAgeMs) return undefined;
    return entry;
  }

  /** Stores in the background (the storage's close() waits for it); a failure is a warning. */
  private write(key: string, meta: CacheMeta, body: Buffer, count: boolean): void {
    this.storage.set(key, meta, body).then(
      () => count && this.stats.inc('httpcache/store'),
      (error: unknown) => this.logger.warning(`Could not store ${meta.url} in the HTTP cache: ${(error as Error)?.message ?? error}`),
    );
  }
}

/** The response a cache entry replays, flagged 'cached'. */
function toResponse(entry: CachedEntry, request: Request): Response {
  const { meta, body } = entry;
  return new Response({ url: meta.url, status: meta.status, headers: { ...meta.headers }, body, request, flags: [CACHED_FLAG] });
}

/** Stored headers updated with a 304's (RFC 7234 4.3.4), but those that describe the 304 itself. */
function updateHeaders(stored: ResponseHeaders, fresh: ResponseHeaders): ResponseHeaders {
  const headers = { ...stored };
  for (const [name, value] of Object.entries(fresh)) {
    if (value !== undefined && !NOT_UPDATED.has(name)) headers[name] = value;
  }
  return headers;
}
