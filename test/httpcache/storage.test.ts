import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Keyv } from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BodyFiles } from '../../src/httpcache/body-files.js';
import { cacheKey, credentialsHash } from '../../src/httpcache/cache-key.js';
import { FileKeyvStore } from '../../src/httpcache/file-store.js';
import { KEYV_NAMESPACE, KeyvCacheStorage } from '../../src/httpcache/keyv-storage.js';
import type { StoredMeta } from '../../src/httpcache/storage.js';
import { Request } from '../../src/index.js';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';
import { byPath, cacheSettings, cacheStats, filesIn, runCached, tempCacheDir } from './cache-helpers.js';

let server: TestServer;
let cache: Awaited<ReturnType<typeof tempCacheDir>>;
/** ~200 KiB of repetitive JSON: compresses well. */
const big = { rows: Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `row number ${i}`, tags: ['alpha', 'beta'] })) };
const bigText = JSON.stringify(big);

beforeEach(async () => {
  cache = await tempCacheDir();
  server = await startServer((req, res) => {
    if (req.path === '/big') return sendJson(res, big);
    sendJson(res, { path: req.path });
  });
});
afterEach(async () => {
  await server.close();
  await cache.remove();
});

describe('default storage: metadata and bodies on disk', () => {
  it('writes one JSON file per key under meta/ and one gzip body per key under bodies/', async () => {
    await runCached(server.url, ['/a', '/b', '/big'], cacheSettings(cache.dir));
    const meta = await filesIn(join(cache.dir, 'meta'));
    const bodies = await filesIn(join(cache.dir, 'bodies'));
    expect(meta).toHaveLength(3);
    expect(meta.every((name) => /^[0-9a-f]{40}\.json$/.test(name))).toBe(true);
    expect(bodies).toHaveLength(3);
    expect(bodies.every((name) => /^[0-9a-f]{40}\.gz$/.test(name))).toBe(true);

    const key = cacheKey('cached', new Request(`${server.url}/big`));
    const file = join(cache.dir, 'bodies', BodyFiles.nameFor(key));
    const gz = await readFile(file);
    expect(gz.length).toBeLessThan(bigText.length);
    expect(gunzipSync(gz).toString()).toBe(bigText);
    const record = JSON.parse(await readFile(new FileKeyvStore(join(cache.dir, 'meta')).pathFor(`${KEYV_NAMESPACE}:${key}`), 'utf8')) as { key: string };
    expect(record.key).toBe(`${KEYV_NAMESPACE}:${key}`);
  });

  it('a damaged or missing body is a miss, not a crash', async () => {
    await runCached(server.url, ['/a', '/b'], cacheSettings(cache.dir));
    const bodiesDir = join(cache.dir, 'bodies');
    const [first, second] = await filesIn(bodiesDir);
    await writeFile(join(bodiesDir, first!), 'not gzip');
    await writeFile(join(bodiesDir, second!), gunzipSync(await readFile(join(bodiesDir, second!)))); // valid bytes, not gzip
    const again = await runCached(server.url, ['/a', '/b'], cacheSettings(cache.dir));
    expect(server.hits).toHaveLength(4);
    expect(cacheStats(again)).toEqual({ 'httpcache/miss': 2, 'httpcache/store': 2 });
    const third = await runCached(server.url, ['/a', '/b'], cacheSettings(cache.dir));
    expect(cacheStats(third)).toEqual({ 'httpcache/hit': 2 });
  });
});

describe('a plugged-in keyv store (httpcacheStore)', () => {
  it('holds the metadata, with small bodies inline and big ones in gzip files', async () => {
    const keyv = new Keyv<StoredMeta>();
    const settings = cacheSettings(cache.dir, { httpcacheStore: keyv });
    const first = await runCached(server.url, ['/small', '/big'], settings);
    expect(cacheStats(first)).toEqual({ 'httpcache/miss': 2, 'httpcache/store': 2 });
    // Nothing under meta/: the metadata is in the keyv store.
    expect(await filesIn(join(cache.dir, 'meta'))).toEqual([]);

    const small = await keyv.get(cacheKey('cached', new Request(`${server.url}/small`)));
    expect(small).toMatchObject({ v: 1, status: 200, url: `${server.url}/small`, headers: { 'content-type': 'application/json' } });
    expect(small!.body).toHaveProperty('inline');
    expect(typeof small!.storedAt).toBe('number');

    const bigKey = cacheKey('cached', new Request(`${server.url}/big`));
    const bigMeta = await keyv.get(bigKey);
    expect(bigMeta!.body).toEqual({ file: BodyFiles.nameFor(bigKey), sha1: expect.any(String), size: bigText.length });
    const bodyFile = join(cache.dir, 'bodies', BodyFiles.nameFor(bigKey));
    expect((await stat(bodyFile)).size).toBeLessThan(bigText.length);
    expect(await filesIn(join(cache.dir, 'bodies'))).toEqual([BodyFiles.nameFor(bigKey)]);

    const second = await runCached(server.url, ['/small', '/big'], settings);
    expect(server.hits).toHaveLength(2);
    expect(byPath(second.items)).toEqual(byPath(first.items));
    expect(cacheStats(second)).toEqual({ 'httpcache/hit': 2 });
  });

  it('accepts a bare keyv store (a Map) and does not close what it was given', async () => {
    const map = new Map<string, unknown>();
    await runCached(server.url, ['/a'], cacheSettings(cache.dir, { httpcacheStore: map }));
    expect([...map.keys()]).toEqual([`${KEYV_NAMESPACE}:${cacheKey('cached', new Request(`${server.url}/a`))}`]);
    const again = await runCached(server.url, ['/a'], cacheSettings(cache.dir, { httpcacheStore: map }));
    expect(cacheStats(again)).toEqual({ 'httpcache/hit': 1 });
    expect(server.hits).toHaveLength(1);
  });
});

describe('KeyvCacheStorage', () => {
  it('round-trips an entry and replaces a big body by an inline one without leaving the file', async () => {
    const storage = new KeyvCacheStorage({ dir: cache.dir, store: new Keyv() });
    const meta = { url: 'https://x.test/a', status: 200, headers: { etag: '"1"' }, storedAt: 1 };
    await storage.set('k', meta, Buffer.from(bigText));
    expect(await filesIn(join(cache.dir, 'bodies'))).toHaveLength(1);
    expect((await storage.get('k'))!.body.toString()).toBe(bigText);
    await storage.set('k', meta, Buffer.from('{"small":true}'));
    expect(await filesIn(join(cache.dir, 'bodies'))).toEqual([]);
    const entry = await storage.get('k');
    expect(entry!.body.toString()).toBe('{"small":true}');
    expect(entry!.meta).toMatchObject(meta);
    expect(await storage.get('missing')).toBeUndefined();
    await storage.close();
  });
});

describe('FileKeyvStore', () => {
  it('works as a keyv store: one file per key, namespaced clear, no temporary files left', async () => {
    const dir = join(cache.dir, 'kv');
    const a = new Keyv({ store: new FileKeyvStore(dir), namespace: 'a' });
    const b = new Keyv({ store: new FileKeyvStore(dir), namespace: 'b' });
    await a.set('x', { n: 1 });
    await a.set('y', 'text');
    await b.set('x', [1, 2]);
    expect(await a.get('x')).toEqual({ n: 1 });
    expect(await b.get('x')).toEqual([1, 2]);
    expect(await filesIn(dir)).toHaveLength(3);
    expect(await a.delete('y')).toBe(true);
    expect(await a.get('y')).toBeUndefined();
    await a.clear();
    expect(await a.get('x')).toBeUndefined();
    expect(await b.get('x')).toEqual([1, 2]);
    expect((await filesIn(dir)).filter((name) => !name.endsWith('.json'))).toEqual([]);
  });
});

describe('cache keys', () => {
  const url = 'https://api.example.test/items?page=2';
  it('namespace by spider and split by credentials, without writing them in the key', () => {
    const anon = cacheKey('s', new Request(url));
    expect(anon).toMatch(/^s:[0-9a-f]{40}:anon$/);
    expect(cacheKey('t', new Request(url))).not.toBe(anon);
    const alice = cacheKey('s', new Request(url, { headers: { Authorization: 'Bearer alice' } }));
    const bob = cacheKey('s', new Request(url, { headers: { authorization: 'Bearer bob' } }));
    expect(new Set([anon, alice, bob]).size).toBe(3);
    expect(alice).not.toContain('alice');
    // Header-name case does not matter; the fingerprint part is the same URL's.
    expect(cacheKey('s', new Request(url, { headers: { AUTHORIZATION: 'Bearer alice' } }))).toBe(alice);
    expect(alice.split(':')[1]).toBe(anon.split(':')[1]);
  });

  it('hashes API keys in the query and in X-Api-Key-like headers', () => {
    const hash = (u: string, headers: Record<string, string> = {}) => credentialsHash(new Request(u, { headers }));
    expect(hash(url)).toBe('anon');
    for (const name of ['api_key', 'api-key', 'apikey', 'key', 'token', 'access_token', 'API_KEY']) {
      expect(hash(`${url}&${name}=secret`)).toMatch(/^[0-9a-f]{16}$/);
      expect(hash(`${url}&${name}=one`)).not.toBe(hash(`${url}&${name}=two`));
    }
    expect(hash(`${url}&page_token=1`)).toBe('anon');
    expect(hash(url, { 'X-Api-Key': 'one' })).not.toBe(hash(url, { 'X-Api-Key': 'two' }));
    expect(hash(url, { Accept: 'text/csv' })).toBe('anon');
  });
});
