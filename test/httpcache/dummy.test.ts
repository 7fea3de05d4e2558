import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/index.js';
import { messages, sendJson, sleep, startServer, type TestServer } from '../helpers/server.js';
import { byPath, cacheSettings, cacheStats, runCached, tempCacheDir } from './cache-helpers.js';

let server: TestServer;
let cache: Awaited<ReturnType<typeof tempCacheDir>>;
const attempts = new Map<string, number>();

beforeEach(async () => {
  attempts.clear();
  cache = await tempCacheDir();
  server = await startServer((req, res) => {
    const path = req.path.split('?')[0]!;
    const attempt = (attempts.get(req.path) ?? 0) + 1;
    attempts.set(req.path, attempt);
    if (path === '/busy') return sendJson(res, { busy: true }, 429);
    if (path === '/down') return sendJson(res, { down: true }, 503);
    if (path === '/flaky') return attempt === 1 ? sendJson(res, { busy: true }, 503) : sendJson(res, { id: 'flaky' });
    if (path === '/whoami') return sendJson(res, { auth: req.headers.authorization ?? null, attempt });
    sendJson(res, { path: req.path, attempt });
  });
});
afterEach(async () => {
  await server.close();
  await cache.remove();
});

const pages = ['/a', '/b', '/c'];

describe('HttpCacheMiddleware, dummy policy', () => {
  it('sits below RetryMiddleware, so Retry sees a 429/5xx before the cache could store it', () => {
    const base = resolveSettings().downloaderMiddlewaresBase as Record<string, number>;
    expect(base.HttpCacheMiddleware).toBe(540);
    expect(base.HttpCacheMiddleware!).toBeLessThan(base.RetryMiddleware!);
  });

  it('is off by default', async () => {
    const run = await runCached(server.url, pages, {});
    expect(cacheStats(run)).toEqual({});
    const again = await runCached(server.url, pages, {});
    expect(again.items).toHaveLength(3);
    expect(server.hits).toHaveLength(6);
  });

  it('replays a second run of the same spider without one request, with identical items', async () => {
    const settings = cacheSettings(cache.dir);
    const first = await runCached(server.url, pages, settings);
    expect(server.hits).toHaveLength(3);
    expect(cacheStats(first)).toEqual({ 'httpcache/miss': 3, 'httpcache/store': 3 });

    const second = await runCached(server.url, pages, settings);
    expect(server.hits).toHaveLength(3);
    expect(byPath(second.items)).toEqual(byPath(first.items));
    expect(cacheStats(second)).toEqual({ 'httpcache/hit': 3 });
    // downloader/* counts the network only: a replayed run has none.
    expect(second.result.stats['downloader/response_status_count/200']).toBeUndefined();
    expect(second.result.stats['downloader/response_count']).toBeUndefined();
    expect(messages(second.logs, 'WARNING')).toEqual([]);
    expect(messages(second.logs, 'ERROR')).toEqual([]);
  });

  it('never shares entries between two Authorization headers', async () => {
    const settings = cacheSettings(cache.dir);
    const asAlice = { path: '/whoami', headers: { Authorization: 'Bearer alice' } };
    const asBob = { path: '/whoami', headers: { authorization: 'Bearer bob' } };
    const alice = await runCached(server.url, [asAlice], settings);
    const bob = await runCached(server.url, [asBob], settings);
    expect(server.hits).toHaveLength(2);
    expect(alice.items).toEqual([{ path: '/whoami', status: 200, body: { auth: 'Bearer alice', attempt: 1 } }]);
    expect(bob.items).toEqual([{ path: '/whoami', status: 200, body: { auth: 'Bearer bob', attempt: 2 } }]);
    // Each account replays its own entry.
    expect((await runCached(server.url, [asAlice], settings)).items).toEqual(alice.items);
    expect((await runCached(server.url, [asBob], settings)).items).toEqual(bob.items);
    expect(server.hits).toHaveLength(2);
  });

  it('keys on the Authorization header set by defaultRequestHeaders (the cache runs after DefaultHeaders)', async () => {
    const alice = cacheSettings(cache.dir, { defaultRequestHeaders: { Accept: 'application/json', Authorization: 'Bearer alice' } });
    const bob = cacheSettings(cache.dir, { defaultRequestHeaders: { Accept: 'application/json', Authorization: 'Bearer bob' } });
    await runCached(server.url, ['/whoami'], alice);
    const asBob = await runCached(server.url, ['/whoami'], bob);
    expect(server.hits).toHaveLength(2);
    expect(asBob.items).toEqual([{ path: '/whoami', status: 200, body: { auth: 'Bearer bob', attempt: 2 } }]);
    await runCached(server.url, ['/whoami'], alice);
    expect(server.hits).toHaveLength(2);
  });

  it('never shares entries between two API keys in the query', async () => {
    const settings = cacheSettings(cache.dir);
    await runCached(server.url, ['/data?api_key=one'], settings);
    await runCached(server.url, ['/data?api_key=two'], settings);
    expect(server.hits.map((h) => h.path)).toEqual(['/data?api_key=one', '/data?api_key=two']);
    const again = await runCached(server.url, ['/data?api_key=two', '/data?api_key=one'], settings);
    expect(server.hits).toHaveLength(2);
    expect(cacheStats(again)).toEqual({ 'httpcache/hit': 2 });
  });

  it('does not store 429 and 503 by default: the next run asks the server again', async () => {
    const settings = cacheSettings(cache.dir, { retryTimes: 0 });
    const first = await runCached(server.url, ['/busy', '/down'], settings);
    expect(server.hits).toHaveLength(2);
    expect(cacheStats(first)).toEqual({ 'httpcache/miss': 2, 'httpcache/uncacheable': 2 });
    const second = await runCached(server.url, ['/busy', '/down'], settings);
    expect(server.hits).toHaveLength(4);
    expect(second.result.stats['httpcache/hit']).toBeUndefined();
  });

  it('stores 429 and 503 when httpcacheIgnoreHttpCodes is [], and never retries a replayed one', async () => {
    const settings = cacheSettings(cache.dir, { httpcacheIgnoreHttpCodes: [] });
    const first = await runCached(server.url, ['/busy', '/down'], settings);
    // Retry (above the cache) retries each twice; only the final answer reaches the cache.
    expect(server.hits).toHaveLength(6);
    expect(first.result.stats['retry/count']).toBe(4);
    expect(first.result.stats['httpcache/store']).toBe(2);
    const second = await runCached(server.url, ['/busy', '/down'], settings);
    expect(server.hits).toHaveLength(6);
    expect(cacheStats(second)).toEqual({ 'httpcache/hit': 2 });
    expect(second.result.stats['retry/count']).toBeUndefined();
    expect(second.result.stats['downloader/response_status_count/429']).toBeUndefined();
    expect(second.result.stats['downloader/response_status_count/503']).toBeUndefined();
  });

  it('a 503 retried into a 200 caches the 200 only: the next run replays no 503', async () => {
    const settings = cacheSettings(cache.dir, { retryTimes: 2, downloadDelay: 0 });
    const first = await runCached(server.url, ['/flaky'], settings);
    expect(server.hits.map((h) => h.path)).toEqual(['/flaky', '/flaky']);
    expect(first.items).toEqual([{ path: '/flaky', status: 200, body: { id: 'flaky' } }]);
    expect(first.result.stats['retry/count']).toBe(1);
    expect(cacheStats(first)).toEqual({ 'httpcache/miss': 2, 'httpcache/store': 1 });

    const second = await runCached(server.url, ['/flaky'], settings);
    expect(server.hits).toHaveLength(2);
    expect(second.items).toEqual(first.items);
    expect(second.result.stats['downloader/response_status_count/503']).toBeUndefined();
    expect(second.result.stats['retry/count']).toBeUndefined();
    expect(cacheStats(second)).toEqual({ 'httpcache/hit': 1 });
  });

  it('refetches entries older than httpcacheExpirationSecs', async () => {
    const settings = cacheSettings(cache.dir, { httpcacheExpirationSecs: 1 });
    await runCached(server.url, ['/a'], settings);
    const soon = await runCached(server.url, ['/a'], settings);
    expect(cacheStats(soon)).toEqual({ 'httpcache/hit': 1 });
    expect(server.hits).toHaveLength(1);
    await sleep(1100);
    const later = await runCached(server.url, ['/a'], settings);
    expect(server.hits).toHaveLength(2);
    expect(cacheStats(later)).toEqual({ 'httpcache/miss': 1, 'httpcache/store': 1 });
    expect(later.items).toEqual([{ path: '/a', status: 200, body: { path: '/a', attempt: 2 } }]);
  });

  it('cache hits do not wait for the slot delay', async () => {
    const five = ['/1', '/2', '/3', '/4', '/5'];
    await runCached(server.url, five, cacheSettings(cache.dir));
    expect(server.hits).toHaveLength(5);
    const started = performance.now();
    const replay = await runCached(server.url, five, cacheSettings(cache.dir, { downloadDelay: 1, randomizeDownloadDelay: false }));
    const elapsed = performance.now() - started;
    expect(replay.items).toHaveLength(5);
    expect(server.hits).toHaveLength(5);
    // Five requests through a 1 s slot would take at least 4 s.
    expect(elapsed).toBeLessThan(800);
  });

  it('meta.dontCache neither looks up nor stores', async () => {
    const settings = cacheSettings(cache.dir);
    const fetch = { path: '/a', meta: { dontCache: true } };
    const first = await runCached(server.url, [fetch], settings);
    await runCached(server.url, [fetch], settings);
    expect(server.hits).toHaveLength(2);
    expect(cacheStats(first)).toEqual({});
  });

  it('httpcacheIgnoreMissing replays what is cached and ignores the rest, offline', async () => {
    await runCached(server.url, ['/a'], cacheSettings(cache.dir));
    const offline = await runCached(server.url, ['/a', '/b'], cacheSettings(cache.dir, { httpcacheIgnoreMissing: true }));
    expect(server.hits).toHaveLength(1);
    expect(offline.items.map((i) => (i as { path: string }).path)).toEqual(['/a']);
    expect(cacheStats(offline)).toEqual({ 'httpcache/hit': 1, 'httpcache/miss': 1, 'httpcache/ignore': 1 });
  });

  it('keeps spiders apart: another spider name does not see the entries', async () => {
    const settings = cacheSettings(cache.dir);
    await runCached(server.url, ['/a'], settings, 'first');
    const other = await runCached(server.url, ['/a'], settings, 'second');
    expect(server.hits).toHaveLength(2);
    expect(cacheStats(other)).toEqual({ 'httpcache/miss': 1, 'httpcache/store': 1 });
  });
});
