/**
 * Caches responses (Scrapy's HttpCacheMiddleware), so developing a spider does not hammer the
 * partner. Order 540, below RetryMiddleware (550): on the way back Retry (and RateLimit) see a
 * 429/5xx first and retry it, so the cache only ever sees the final answer, and a cached response
 * is never replayed into a retry loop (Scrapy issue 2297). Lookups run before the request waits
 * for its slot, so a hit never waits for the download delay.
 *
 * `httpcacheMode` 'record' and 'replay' turn the cache into spider fixtures (`crawl --record`,
 * runSpider): record never reads and stores every final response, replay never downloads.
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
import { FixtureMissingError, noteFixtureMissing } from '../../httpcache/replay.js';
import type { CachedEntry, CacheMeta, CacheStorage } from '../../httpcache/storage.js';
import type { Settings } from '../../settings.js';
import type { DownloaderMiddleware } from '../types.js';

/** Meta keys this middleware reads. */
export interface HttpCacheMeta {
  /** Neither look this request up nor store its response. */
  dontCache?: boolean;
}

/** Settings the middleware reads besides the storage and policy. */
export type HttpCacheOptions = Pick<Settings, 'httpcacheExpirationSecs' | 'httpcacheIgnoreHttpCodes' | 'httpcacheIgnoreMissing'> &
  Partial<Pick<Settings, 'httpcacheMode' | 'httpcacheDir'>>;

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
    const mode = settings.httpcacheMode;
    // Fixtures replay exactly what was recorded: no Cache-Control, no expiry (see processRequest).
    const policy = createPolicy(mode === 'normal' ? settings.httpcachePolicy : 'dummy');
    const mw = new HttpCacheMiddleware(storage, policy, { ...settings, httpcacheDir: dir }, crawler.spider.name, crawler.stats, logger, (error) => noteFixtureMissing(crawler, error));
    // No middleware close hook: the storage flushes when the spider closes (after the downloader).
    crawler.signals.on('spiderClosed', () => mw.close());
    const where = `${dir}${settings.httpcacheStore ? ' (metadata in the given keyv store)' : ''}`;
    logger.info(mode === 'normal' ? `HTTP cache on: ${settings.httpcachePolicy} policy, ${where}` : `HTTP cache in ${mode} mode: ${where}`);
    const robots = { ...settings.downloaderMiddlewaresBase, ...settings.downloaderMiddlewares }.RobotsTxtMiddleware;
    if (mode !== 'normal' && settings.robotstxtObey && typeof robots === 'number') {
      // The built-in fetches robots.txt with its own handler, past this middleware.
      logger.warning(`robots.txt is fetched past the HTTP cache in ${mode} mode: use \`crawl --record\` or runSpider(), which route it through the cache`);
    }
    return mw;
  }

  private readonly ignoreCodes: Set<number>;
  private readonly mode: NonNullable<HttpCacheOptions['httpcacheMode']>;
  private readonly lookups = new WeakMap<Request, Lookup>();

  constructor(
    private readonly storage: CacheStorage,
    private readonly policy: CachePolicy,
    private readonly options: HttpCacheOptions,
    /** Keys are namespaced by it: the spider's name. */
    private readonly namespace: string,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
    /** Told of each request replay mode fails for not being stored (runSpider reports them all). */
    private readonly onMissing: (error: FixtureMissingError) => void = () => {},
  ) {
    this.ignoreCodes = new Set(options.httpcacheIgnoreHttpCodes);
    this.mode = options.httpcacheMode ?? 'normal';
  }

  async processRequest(request: Request): Promise<Response | void> {
    // Fixtures hold every request, dontCache ones included: a replay must never need the network.
    if (this.mode === 'normal' && ((request.meta as HttpCacheMeta).dontCache || !this.policy.shouldCacheRequest(request))) return;
    const lookup: Lookup = { key: cacheKey(this.namespace, request) };
    this.lookups.set(request, lookup);
    // Recording downloads afresh, so entries from an earlier recording are overwritten, never replayed.
    if (this.mode === 'record') return;
    const entry = await this.read(lookup.key);
    if (!entry) {
      this.stats.inc('httpcache/miss');
      if (this.mode === 'replay') {
        this.stats.inc('httpcache/replay_missing');
        const error = new FixtureMissingError(request, this.namespace, resolve(this.options.httpcacheDir ?? '.'));
        this.onMissing(error);
        // Without an errback the scraper logs the failure itself; with one it might go unseen.
        if (request.errback) this.logger.error(error.message);
        throw error;
      }
      if (this.options.httpcacheIgnoreMissing) {
        this.stats.inc('httpcache/ignore');
        throw new IgnoreRequest(`Ignoring request not in the cache: ${request}`);
      }
      return;
    }
    if (this.mode === 'replay' || this.policy.isFresh(entry.meta, request, Date.now())) {
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
    // Replay stores nothing (a response here came from another middleware, not the partner).
    if (this.mode === 'replay') return response;
    if (this.mode === 'record') return this.record(lookup?.key ?? cacheKey(this.namespace, request), request, response);
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

  /**
   * Record mode stores every final response, whatever its status. Below RetryMiddleware the cache
   * only sees what Retry gave up on or passed through, i.e. exactly what the spider's callbacks (or
   * HttpErrorMiddleware) saw, so a replay reproduces the recorded run; leaving a final 503 out
   * would instead turn it into a "not in the fixtures" failure that hides what happened.
   */
  private record(key: string, request: Request, response: Response): Response {
    if (this.ignoreCodes.has(response.status)) {
      this.logger.warning(`Recorded ${response.status} for ${request.method} ${request.url} (the final answer, after any retries): replays will see it too; record again when the partner is healthy`);
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
    // Fixtures never expire: a test replays what was recorded however long ago.
    const maxAgeMs = this.mode === 'replay' ? 0 : this.options.httpcacheExpirationSecs * 1000;
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
