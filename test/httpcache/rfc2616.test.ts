import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCacheControl, Rfc2616Policy } from '../../src/httpcache/policy-rfc2616.js';
import { Request, Response } from '../../src/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { cacheSettings, cacheStats, runCached, tempCacheDir } from './cache-helpers.js';

let server: TestServer;
let cache: Awaited<ReturnType<typeof tempCacheDir>>;
/** Version of /changing's content; bump it to change the ETag. */
let version = 1;
const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toUTCString();

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }), ...headers });
  res.end(text);
}

beforeEach(async () => {
  version = 1;
  cache = await tempCacheDir();
  server = await startServer((req, res) => {
    const inm = req.headers['if-none-match'];
    switch (req.path) {
      case '/fresh':
        return send(res, 200, { 'cache-control': 'max-age=60' }, { id: 'fresh' });
      case '/etag':
        // Always stale, with a validator; once revalidated it is fresh for a minute.
        if (inm === '"v1"') return send(res, 304, { etag: '"v1"', 'cache-control': 'max-age=60' });
        return send(res, 200, { etag: '"v1"', 'cache-control': 'max-age=0' }, { id: 'etag', n: 1 });
      case '/changing':
        if (inm === `"v${version}"`) return send(res, 304, { etag: `"v${version}"`, 'cache-control': 'no-cache' });
        return send(res, 200, { etag: `"v${version}"`, 'cache-control': 'no-cache' }, { version });
      case '/lastmod':
        return send(res, 200, { 'last-modified': tenDaysAgo }, { id: 'lastmod' });
      case '/lastmod-nocache':
        if (req.headers['if-modified-since'] === tenDaysAgo) return send(res, 304, {});
        return send(res, 200, { 'last-modified': tenDaysAgo, 'cache-control': 'no-cache' }, { id: 'lastmod-nocache' });
      case '/nostore':
        return send(res, 200, { 'cache-control': 'no-store, max-age=60' }, { id: 'nostore' });
      case '/plain':
        return send(res, 200, {}, { id: 'plain' });
      default:
        return send(res, 404, {}, { error: 'not found' });
    }
  });
});
afterEach(async () => {
  await server.close();
  await cache.remove();
});

const rfc = () => cacheSettings(cache.dir, { httpcachePolicy: 'rfc2616' });

describe('HttpCacheMiddleware, rfc2616 policy', () => {
  it('serves a max-age response without a request while it is fresh', async () => {
    const first = await runCached(server.url, ['/fresh'], rfc());
    const second = await runCached(server.url, ['/fresh'], rfc());
    expect(server.hits).toHaveLength(1);
    expect(second.items).toEqual(first.items);
    expect(cacheStats(second)).toEqual({ 'httpcache/hit': 1 });
  });

  it('revalidates a stale entry with If-None-Match, and a 304 reuses the stored body', async () => {
    const first = await runCached(server.url, ['/etag'], rfc());
    expect(cacheStats(first)).toEqual({ 'httpcache/miss': 1, 'httpcache/store': 1 });
    const second = await runCached(server.url, ['/etag'], rfc());
    expect(server.hits).toHaveLength(2);
    expect(server.hits[1]!.headers['if-none-match']).toBe('"v1"');
    // The 304 became the stored 200, with its body.
    expect(second.items).toEqual([{ path: '/etag', status: 200, body: { id: 'etag', n: 1 } }]);
    expect(cacheStats(second)).toEqual({ 'httpcache/revalidate': 1 });
    // The 304's headers (max-age=60) were stored: the entry is fresh now.
    const third = await runCached(server.url, ['/etag'], rfc());
    expect(server.hits).toHaveLength(2);
    expect(third.items).toEqual(second.items);
    expect(cacheStats(third)).toEqual({ 'httpcache/hit': 1 });
  });

  it('stores the new response when the server says the entry changed', async () => {
    await runCached(server.url, ['/changing'], rfc());
    version = 2;
    const changed = await runCached(server.url, ['/changing'], rfc());
    expect(server.hits[1]!.headers['if-none-match']).toBe('"v1"');
    expect(changed.items).toEqual([{ path: '/changing', status: 200, body: { version: 2 } }]);
    expect(cacheStats(changed)).toEqual({ 'httpcache/invalidate': 1, 'httpcache/store': 1 });
    const same = await runCached(server.url, ['/changing'], rfc());
    expect(server.hits[2]!.headers['if-none-match']).toBe('"v2"');
    expect(same.items).toEqual(changed.items);
    expect(cacheStats(same)).toEqual({ 'httpcache/revalidate': 1 });
  });

  it('revalidates with If-Modified-Since when there is only Last-Modified', async () => {
    await runCached(server.url, ['/lastmod-nocache'], rfc());
    const second = await runCached(server.url, ['/lastmod-nocache'], rfc());
    expect(server.hits[1]!.headers['if-modified-since']).toBe(tenDaysAgo);
    expect(server.hits[1]!.headers['if-none-match']).toBeUndefined();
    expect(second.items).toEqual([{ path: '/lastmod-nocache', status: 200, body: { id: 'lastmod-nocache' } }]);
    expect(cacheStats(second)).toEqual({ 'httpcache/revalidate': 1 });
  });

  it('treats Last-Modified ten days ago as fresh for a day (10% heuristic)', async () => {
    await runCached(server.url, ['/lastmod'], rfc());
    const second = await runCached(server.url, ['/lastmod'], rfc());
    expect(server.hits).toHaveLength(1);
    expect(cacheStats(second)).toEqual({ 'httpcache/hit': 1 });
  });

  it('does not store no-store responses, nor responses with nothing to reuse', async () => {
    const first = await runCached(server.url, ['/nostore', '/plain'], rfc());
    expect(cacheStats(first)).toEqual({ 'httpcache/miss': 2, 'httpcache/uncacheable': 2 });
    await runCached(server.url, ['/nostore', '/plain'], rfc());
    expect(server.hits).toHaveLength(4);
  });

  it('a request with Cache-Control: no-cache revalidates even a fresh entry; no-store skips the cache', async () => {
    await runCached(server.url, ['/etag'], rfc());
    await runCached(server.url, ['/etag'], rfc()); // now fresh for 60 s
    const noCache = await runCached(server.url, [{ path: '/etag', headers: { 'Cache-Control': 'no-cache' } }], rfc());
    expect(server.hits).toHaveLength(3);
    expect(server.hits[2]!.headers['if-none-match']).toBe('"v1"');
    expect(cacheStats(noCache)).toEqual({ 'httpcache/revalidate': 1 });
    const noStore = await runCached(server.url, [{ path: '/fresh', headers: { 'Cache-Control': 'no-store' } }], rfc());
    expect(server.hits).toHaveLength(4);
    expect(cacheStats(noStore)).toEqual({});
  });
});

describe('Rfc2616Policy', () => {
  const policy = new Rfc2616Policy();
  const request = new Request('https://api.example.test/x');
  const now = Date.parse('2025-01-10T12:00:00Z');
  const meta = (headers: Record<string, string>, status = 200, storedAt = now) => ({ url: request.url, status, headers, storedAt });
  const response = (status: number, headers: Record<string, string> = {}) => new Response({ url: request.url, status, headers, body: Buffer.alloc(0), request });

  it('parses Cache-Control', () => {
    expect([...parseCacheControl('Max-Age=60, no-cache, private="x"')]).toEqual([['max-age', '60'], ['no-cache', true], ['private', 'x']]);
    expect([...parseCacheControl(['no-store', 'max-age=1'])]).toEqual([['no-store', true], ['max-age', '1']]);
  });

  it('computes the freshness lifetime as Scrapy does', () => {
    expect(policy.freshnessLifetime(meta({ 'cache-control': 'max-age=60' }))).toBe(60);
    expect(policy.freshnessLifetime(meta({ 'cache-control': 'max-age=60, s-maxage=5' }))).toBe(5);
    const date = new Date(now).toUTCString();
    expect(policy.freshnessLifetime(meta({ date, expires: new Date(now + 30_000).toUTCString() }))).toBe(30);
    expect(policy.freshnessLifetime(meta({ date, expires: 'garbage' }))).toBe(0);
    expect(policy.freshnessLifetime(meta({ date, 'last-modified': new Date(now - 1000_000).toUTCString() }))).toBe(100);
    expect(policy.freshnessLifetime(meta({}, 301))).toBe(365 * 86_400);
    expect(policy.freshnessLifetime(meta({}))).toBe(0);
  });

  it('ages entries from their Date and Age headers and the time stored', () => {
    const date = new Date(now - 10_000).toUTCString();
    expect(policy.currentAge(meta({ date }), now + 5000)).toBe(15);
    expect(policy.currentAge(meta({ age: '100' }), now + 5000)).toBe(105);
    expect(policy.isFresh(meta({ 'cache-control': 'max-age=60' }), request, now + 59_000)).toBe(true);
    expect(policy.isFresh(meta({ 'cache-control': 'max-age=60' }), request, now + 61_000)).toBe(false);
  });

  it('honours the request\'s max-age and max-stale, but not past must-revalidate', () => {
    const m = meta({ 'cache-control': 'max-age=60' });
    expect(policy.isFresh(m, new Request(request.url, { headers: { 'Cache-Control': 'max-age=10' } }), now + 20_000)).toBe(false);
    expect(policy.isFresh(m, new Request(request.url, { headers: { 'cache-control': 'max-stale=100' } }), now + 120_000)).toBe(true);
    expect(policy.isFresh(m, new Request(request.url, { headers: { 'cache-control': 'max-stale' } }), now + 1e9)).toBe(true);
    const strict = meta({ 'cache-control': 'max-age=60, must-revalidate' });
    expect(policy.isFresh(strict, new Request(request.url, { headers: { 'cache-control': 'max-stale' } }), now + 120_000)).toBe(false);
  });

  it('reuses a stale entry on 304, and on a server error unless must-revalidate', () => {
    expect(policy.isValid(meta({}), response(304), request)).toBe(true);
    expect(policy.isValid(meta({}), response(503), request)).toBe(true);
    expect(policy.isValid(meta({ 'cache-control': 'must-revalidate' }), response(503), request)).toBe(false);
    expect(policy.isValid(meta({}), response(200), request)).toBe(false);
  });

  it('stores what can be reused: freshness info, validators or a permanent redirect', () => {
    expect(policy.shouldCacheResponse(response(200, { 'cache-control': 'max-age=1' }), request)).toBe(true);
    expect(policy.shouldCacheResponse(response(200, { expires: 'Thu, 01 Jan 2099 00:00:00 GMT' }), request)).toBe(true);
    expect(policy.shouldCacheResponse(response(200, { etag: '"x"' }), request)).toBe(true);
    expect(policy.shouldCacheResponse(response(200, {}), request)).toBe(false);
    expect(policy.shouldCacheResponse(response(301, {}), request)).toBe(true);
    expect(policy.shouldCacheResponse(response(200, { 'cache-control': 'no-store, max-age=60' }), request)).toBe(false);
    expect(policy.shouldCacheResponse(response(304, { 'cache-control': 'max-age=60' }), request)).toBe(false);
    expect(policy.conditionalHeaders(meta({ etag: '"x"', 'last-modified': 'Mon, 06 Jan 2025 00:00:00 GMT' }))).toEqual({
      'If-None-Match': '"x"',
      'If-Modified-Since': 'Mon, 06 Jan 2025 00:00:00 GMT',
    });
  });
});
