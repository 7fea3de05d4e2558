/**
 * Spider fixtures: a directory of recorded responses, kept in the HTTP cache's own storage
 * (keyv metadata files and gzip bodies under `<dir>`), written by `crawl <spider> --record <dir>`
 * or runSpider({ record }) and read by runSpider({ replay }).
 *
 * Everything goes through the cache: the HttpCacheMiddleware in 'record' or 'replay' mode, and
 * robots.txt through {@link FixtureRobotsTxtMiddleware}, since the built-in RobotsTxtMiddleware
 * fetches it with a handler of its own, past the downloader middlewares.
 */
import { resolve } from 'node:path';
import type { Crawler } from '../core/crawler.js';
import { NotConfigured } from '../core/errors.js';
import { HttpDownloadHandler } from '../core/handlers/http.js';
import type { DownloadHandler } from '../core/handlers/types.js';
import type { Logger } from '../core/log.js';
import type { Request } from '../http/request.js';
import { Response } from '../http/response.js';
import { cacheKey } from '../httpcache/cache-key.js';
import { KeyvCacheStorage } from '../httpcache/keyv-storage.js';
import { FixtureMissingError, noteFixtureMissing } from '../httpcache/replay.js';
import type { CacheStorage } from '../httpcache/storage.js';
import { CACHED_FLAG } from '../middlewares/downloader/httpcache.js';
import { RobotsTxtMiddleware } from '../middlewares/downloader/robotstxt.js';
import { defaultUserAgent } from '../middlewares/downloader/user-agent.js';
import type { SettingsInput } from '../settings.js';

/** What a fixtures run does: download and store everything, or serve only what is stored. */
export type FixtureMode = 'record' | 'replay';

/**
 * The settings layer that records into, or replays from, `dir` (resolved against the working
 * directory). Put it over every other layer (the CLI's `-s`, CrawlerProcess `overrides`): it
 * forces the cache on in the given mode, whatever the spider's customSettings say.
 *
 * Replay also drops every wait (download delay, AutoThrottle, LogStats' timer) since nothing goes
 * to the partner, and runs one request at a time so items come out in the same order every run.
 * @param base a layer to merge into (its component maps are merged by key, not replaced)
 */
export function fixtureSettings(mode: FixtureMode, dir: string, base: SettingsInput = {}): SettingsInput {
  const layer: SettingsInput = {
    httpcacheEnabled: true,
    httpcacheMode: mode,
    httpcacheDir: resolve(dir),
    // Fixtures are files in `dir`, never a project's shared keyv store (Redis…).
    httpcacheStore: undefined,
    downloaderMiddlewares: {
      ...base.downloaderMiddlewares,
      // Back at its place even if a spider disabled or moved it: the fixtures depend on it.
      HttpCacheMiddleware: 540,
      // Same name: replaces the built-in, so robots.txt is recorded and replayed like any response.
      RobotsTxtMiddleware: { component: FixtureRobotsTxtMiddleware, order: 100 },
    },
  };
  if (mode === 'replay') {
    Object.assign(layer, {
      downloadDelay: 0,
      randomizeDownloadDelay: false,
      autothrottleEnabled: false,
      concurrentRequests: 1,
      logstatsInterval: 0,
    } satisfies SettingsInput);
  }
  return { ...base, ...layer };
}

/**
 * RobotsTxtMiddleware whose robots.txt requests go through the fixtures (see
 * {@link FixtureDownloadHandler}) in record and replay mode; the plain built-in otherwise.
 */
export class FixtureRobotsTxtMiddleware {
  /** Builds the middleware for a crawl; NotConfigured when `robotstxtObey` is off. */
  static fromCrawler(crawler: Crawler): RobotsTxtMiddleware {
    const { settings } = crawler;
    if (!settings.robotstxtObey) throw new NotConfigured('robotstxtObey is false');
    const mode = settings.httpcacheMode;
    if (!settings.httpcacheEnabled || mode === 'normal') return RobotsTxtMiddleware.fromCrawler(crawler);
    const logger = crawler.logger.child('robotstxt');
    const storage = new KeyvCacheStorage({ dir: resolve(settings.httpcacheDir), store: settings.httpcacheStore });
    const inner = mode === 'record' ? new HttpDownloadHandler(settings, logger) : undefined;
    const handler = new FixtureDownloadHandler(mode, storage, crawler, logger, inner);
    crawler.signals.on('spiderClosed', () => handler.close());
    return new RobotsTxtMiddleware(handler, crawler.slots, crawler.stats, logger, defaultUserAgent(settings), settings.robotstxtUserAgent ?? settings.botName);
  }
}

/**
 * A DownloadHandler over the fixtures: 'record' downloads with `inner` and stores the response
 * (any status) under the request's cache key; 'replay' serves the stored one and fails a request
 * that is not stored with a {@link FixtureMissingError}, never touching the network.
 */
export class FixtureDownloadHandler implements DownloadHandler {
  constructor(
    private readonly mode: FixtureMode,
    private readonly storage: CacheStorage,
    /** The crawl: its spider names the cache keys, and misses are noted against it. */
    private readonly crawler: Crawler,
    private readonly logger: Logger,
    /** The real handler, record mode only. */
    private readonly inner?: DownloadHandler,
  ) {}

  async download(request: Request): Promise<Response> {
    const key = cacheKey(this.crawler.spider.name, request);
    if (this.mode === 'record') {
      if (!this.inner) throw new Error('FixtureDownloadHandler: record mode needs a handler to download with');
      const response = await this.inner.download(request);
      await this.storage.set(key, { url: response.url, status: response.status, headers: response.headers, storedAt: Date.now() }, response.body);
      this.crawler.stats.inc('httpcache/store');
      return response;
    }
    const entry = await this.storage.get(key);
    if (!entry) {
      this.crawler.stats.inc('httpcache/replay_missing');
      const error = new FixtureMissingError(request, this.crawler.spider.name, resolve(this.crawler.settings.httpcacheDir));
      noteFixtureMissing(this.crawler, error);
      // Callers such as RobotsTxtMiddleware turn a failed download into a warning: say it loudly here.
      this.logger.error(error.message);
      throw error;
    }
    this.crawler.stats.inc('httpcache/hit');
    const { meta, body } = entry;
    return new Response({ url: meta.url, status: meta.status, headers: { ...meta.headers }, body, request, flags: [CACHED_FLAG] });
  }

  abortAll(): void {
    this.inner?.abortAll();
  }

  async close(): Promise<void> {
    await this.inner?.close();
    await this.storage.close();
  }
}

/**
 * The crawl's download handler in replay: the cache middleware serves or fails every request
 * before it gets here, so reaching it means something routed a request past the cache. It fails
 * that request like a missing fixture instead of downloading it.
 */
export class ReplayOnlyDownloadHandler implements DownloadHandler {
  /** @param crawler the crawl, read at download time (handlers are built before their crawler) */
  constructor(private readonly crawler: () => Crawler) {}

  async download(request: Request): Promise<Response> {
    const crawler = this.crawler();
    const error = new FixtureMissingError(request, crawler.spider.name, resolve(crawler.settings.httpcacheDir));
    crawler.stats.inc('httpcache/replay_missing');
    noteFixtureMissing(crawler, error);
    crawler.logger.error(`${error.message} (it went past the HTTP cache middleware)`);
    throw error;
  }

  abortAll(): void {}

  async close(): Promise<void> {}
}
