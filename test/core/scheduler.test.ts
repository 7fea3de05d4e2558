import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalizeUrl, Request, requestFingerprint, Spider, type Response } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res) => sendJson(res, { path: req.path }));
});
afterEach(() => server.close());

describe('canonicalizeUrl / requestFingerprint', () => {
  it('sorts query parameters by name and drops the fragment', () => {
    expect(canonicalizeUrl('http://Example.COM:80/a?b=2&a=1#top')).toBe('http://example.com/a?a=1&b=2');
    expect(canonicalizeUrl('https://h/p?z=1&&y=2')).toBe('https://h/p?y=2&z=1');
  });

  it('keeps the order of repeated names (stable sort) and the path case', () => {
    expect(canonicalizeUrl('http://h/P?id=2&a=0&id=1')).toBe('http://h/P?a=0&id=2&id=1');
  });

  it('drops an empty query, as Scrapy does', () => {
    expect(canonicalizeUrl('http://h/p?')).toBe('http://h/p');
    expect(canonicalizeUrl('http://h/p?#x')).toBe('http://h/p');
  });

  it('fingerprints method + canonical URL + body', () => {
    const fp = (url: string, options = {}) => requestFingerprint(new Request(url, options));
    expect(fp('http://h/p?a=1&b=2')).toBe(fp('http://h/p?b=2&a=1#frag'));
    expect(fp('http://h/p')).not.toBe(fp('http://h/p', { method: 'HEAD' }));
    expect(fp('http://h/p', { body: 'x=1' })).not.toBe(fp('http://h/p', { body: 'x=2' }));
    expect(fp('http://h/p', { body: 'x=1' })).toBe(fp('http://h/p', { body: Buffer.from('x=1') }));
    expect(fp('http://h/p')).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('duplicate filter', () => {
  it('filters the same request written differently, unless dontFilter; POST bodies are distinct', async () => {
    const url = server.url;
    class Dupes extends Spider {
      static override spiderName = 'dupes';
      override async *start() {
        yield this.request(`${url}/list?a=1&b=2`);
        yield this.request(`${url}/list?b=2&a=1#section`); // same fingerprint: filtered
        yield this.request(`${url}/list?a=1&b=2`, { dontFilter: true }); // bypasses the filter
        yield this.request(`${url}/search`, { method: 'POST', body: 'q=cats' });
        yield this.request(`${url}/search`, { method: 'POST', body: 'q=dogs' });
        yield this.request(`${url}/search`, { method: 'POST', body: 'q=cats' }); // filtered
      }
      override parse(): void {}
    }
    const { result, logs } = await runSpider(Dupes, { settings: { logLevel: 'DEBUG' } });
    const seen = server.hits.map((h) => `${h.method} ${h.path} ${h.body}`).sort();
    expect(seen).toEqual(['GET /list?a=1&b=2 ', 'GET /list?a=1&b=2 ', 'POST /search q=cats', 'POST /search q=dogs']);
    expect(result.stats['dupefilter/filtered']).toBe(2);
    expect(result.stats['scheduler/enqueued']).toBe(4);
    expect(result.stats['scheduler/dequeued']).toBe(4);
    // Only the first duplicate is logged unless dupefilterDebug.
    const dupLines = messages(logs, 'DEBUG').filter((m) => m.startsWith('Filtered duplicate request'));
    expect(dupLines).toHaveLength(1);
    expect(dupLines[0]).toContain(`<GET ${url}/list?b=2&a=1#section>`);
  });

  it('logs every duplicate with dupefilterDebug', async () => {
    const url = server.url;
    class Dupes extends Spider {
      static override spiderName = 'dupes-debug';
      override async *start() {
        for (let i = 0; i < 3; i++) yield this.request(`${url}/same`);
      }
      override parse(): void {}
    }
    const { result, logs } = await runSpider(Dupes, { settings: { logLevel: 'DEBUG', dupefilterDebug: true } });
    expect(server.hits).toHaveLength(1);
    expect(result.stats['dupefilter/filtered']).toBe(2);
    expect(messages(logs, 'DEBUG').filter((m) => m.startsWith('Filtered duplicate request'))).toHaveLength(2);
  });
});

describe('priority and order', () => {
  // The seed page yields every request from one callback, so all are queued before any is sent
  // (concurrentRequests: 1 keeps the seed "in flight" until its callback is done).
  const batch: Array<[string, number]> = [
    ['low-a', -5],
    ['mid-a', 0],
    ['high-a', 10],
    ['mid-b', 0],
    ['top', 20],
    ['high-b', 10],
    ['mid-c', 0],
  ];

  function orderSpider(url: string) {
    return class Order extends Spider {
      static override spiderName = 'order';
      override async *start() {
        yield this.request(`${url}/seed`, { callback: this.seed });
      }
      async *seed(_response: Response) {
        for (const [name, priority] of batch) yield this.request(`${url}/${name}`, { priority });
      }
      override parse(): void {}
    };
  }
  const arrivals = () => server.hits.map((h) => h.path.slice(1));

  it('sends higher priority first, newest first within a priority (LIFO default)', async () => {
    await runSpider(orderSpider(server.url), { settings: { concurrentRequests: 1 } });
    expect(arrivals()).toEqual(['seed', 'top', 'high-b', 'high-a', 'mid-c', 'mid-b', 'mid-a', 'low-a']);
  });

  it("sends oldest first within a priority with schedulerOrder: 'fifo'", async () => {
    await runSpider(orderSpider(server.url), { settings: { concurrentRequests: 1, schedulerOrder: 'fifo' } });
    expect(arrivals()).toEqual(['seed', 'top', 'high-a', 'high-b', 'mid-a', 'mid-b', 'mid-c', 'low-a']);
  });
});
