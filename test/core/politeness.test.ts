import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Downloader } from '../../src/core/downloader.js';
import { Request, Spider, type SettingsInput } from '../../src/index.js';
import { runSpider, sendJson, sleep, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let responseDelayMs = 0;
beforeEach(async () => {
  responseDelayMs = 0;
  server = await startServer(async (req, res) => {
    if (responseDelayMs) await sleep(responseDelayMs);
    sendJson(res, { path: req.path });
  });
});
afterEach(() => server.close());

/** `count` requests to the server, all scheduled at once from start(). */
function manyRequests(url: string, count: number, meta: (i: number) => Record<string, unknown> = () => ({})) {
  return class Many extends Spider {
    static override spiderName = 'many';
    override async *start() {
      for (let i = 0; i < count; i++) yield this.request(`${url}/r${i}`, { meta: meta(i) });
    }
    override parse(): void {}
  };
}
const run = (count: number, settings: SettingsInput, meta?: (i: number) => Record<string, unknown>) =>
  runSpider(manyRequests(server.url, count, meta), { settings });

describe('concurrency', () => {
  it('concurrentRequestsPerDomain: 1 never has two requests in flight at the server', async () => {
    responseDelayMs = 30;
    await run(5, { concurrentRequestsPerDomain: 1, concurrentRequests: 16 });
    expect(server.hits).toHaveLength(5);
    expect(server.maxInFlight).toBe(1);
  });

  it('concurrentRequestsPerDomain: 3 allows three at once', async () => {
    responseDelayMs = 60;
    await run(6, { concurrentRequestsPerDomain: 3, concurrentRequests: 16 });
    expect(server.maxInFlight).toBe(3);
  });

  it('concurrentRequests caps all domains together', async () => {
    responseDelayMs = 60;
    await run(6, { concurrentRequestsPerDomain: 10, concurrentRequests: 2 });
    expect(server.maxInFlight).toBe(2);
  });
});

describe('download delay', () => {
  /**
   * A warm-up request in its own slot opens the keep-alive connection and runs the callback that
   * schedules `count` requests for the 127.0.0.1 slot, so connection setup is not in the gaps.
   * Returns the gaps between slot starts (client side, via requestReachedDownloader) and between
   * arrivals at the server.
   */
  async function delayGaps(count: number, settings: SettingsInput) {
    const url = server.url;
    class Delayed extends Spider {
      static override spiderName = 'delayed';
      override async *start() {
        yield this.request(`${url}/warm-up`, { meta: { downloadSlot: 'warm-up' }, callback: this.warm });
      }
      *warm() {
        for (let i = 0; i < count; i++) yield this.request(`${url}/r${i}`);
      }
      override parse(): void {}
    }
    const starts: number[] = [];
    await runSpider(Delayed, {
      settings,
      onCrawler: (crawler) => crawler.signals.on('requestReachedDownloader', ({ request }) => void (request.meta.downloadSlot || starts.push(performance.now()))),
    });
    const arrivals = server.hits.filter((h) => h.path !== '/warm-up').map((h) => h.at);
    expect(arrivals).toHaveLength(count);
    const diff = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
    return { client: diff(starts), server: diff(arrivals) };
  }

  it('downloadDelay: 0.2 without randomizing spaces requests 200 ms apart', async () => {
    const { client, server: atServer } = await delayGaps(4, { downloadDelay: 0.2, randomizeDownloadDelay: false });
    // The slot starts requests at least 200 ms apart (Date.now() has 1 ms steps) …
    for (const gap of client) expect(gap).toBeGreaterThanOrEqual(199);
    for (const gap of client) expect(gap).toBeLessThan(260);
    // … and the server sees that, give or take the jitter of getting a request onto the socket.
    for (const gap of atServer) expect(gap).toBeGreaterThanOrEqual(175);
  });

  it('randomizeDownloadDelay spreads gaps over 0.5–1.5 × downloadDelay', async () => {
    const { client } = await delayGaps(7, { downloadDelay: 0.06, randomizeDownloadDelay: true });
    for (const gap of client) expect(gap).toBeGreaterThanOrEqual(29);
    // Six gaps all within ±3 ms of 60 would mean no randomizing (chance 1e-6 otherwise).
    expect(client.some((gap) => Math.abs(gap - 60) > 3)).toBe(true);
  });

  it('downloadDelay: 0 sends without waiting (the control for the tests above)', async () => {
    const { client, server: atServer } = await delayGaps(4, { downloadDelay: 0 });
    expect(Math.max(...client)).toBeLessThan(100);
    expect(Math.max(...atServer)).toBeLessThan(100);
  });

  it('downloadSlots overrides the delay of one host, keyed by 127.0.0.1', async () => {
    const { client, server: atServer } = await delayGaps(3, { downloadDelay: 0, downloadSlots: { '127.0.0.1': { delay: 0.15, randomizeDelay: false } } });
    for (const gap of client) expect(gap).toBeGreaterThanOrEqual(149);
    for (const gap of atServer) expect(gap).toBeGreaterThanOrEqual(125);
  });
});

describe('download slots', () => {
  it('downloadSlots overrides the concurrency of one host; other hosts keep the default', async () => {
    responseDelayMs = 60;
    await run(6, { concurrentRequestsPerDomain: 1, downloadSlots: { '127.0.0.1': { concurrency: 3 } } });
    expect(server.maxInFlight).toBe(3);

    const other = await startServer((_req, res) => void setTimeout(() => sendJson(res, {}), 60));
    try {
      class Other extends Spider {
        static override spiderName = 'other-host';
        override async *start() {
          for (let i = 0; i < 4; i++) yield this.request(`${other.url}/o${i}`);
        }
        override parse(): void {}
      }
      await runSpider(Other, { settings: { concurrentRequestsPerDomain: 1, downloadSlots: { 'api.example.com': { concurrency: 3 } } } });
      expect(other.hits).toHaveLength(4);
      expect(other.maxInFlight).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('meta.downloadSlot puts requests of one host into separate slots', async () => {
    responseDelayMs = 60;
    await run(6, { concurrentRequestsPerDomain: 1 }, (i) => ({ downloadSlot: i % 2 ? 'odd' : 'even' }));
    expect(server.maxInFlight).toBe(2);
  });

  it('slotKey is the lower-cased host without port or credentials', () => {
    const key = (url: string, meta: Record<string, unknown> = {}) => Downloader.slotKey(new Request(url, { meta }));
    expect(key('http://127.0.0.1:8080/x?y=1')).toBe('127.0.0.1');
    expect(key('https://user:pw@API.Example.com:8443/v1')).toBe('api.example.com');
    expect(key('https://api.example.com?q=1')).toBe('api.example.com');
    expect(key('http://[::1]:3000/x')).toBe('[::1]');
    expect(key('http://127.0.0.1/x', { downloadSlot: 'shared' })).toBe('shared');
  });
});
