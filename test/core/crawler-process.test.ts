import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrawlerProcess, Spider, type LogRecord, type Response } from '../../src/index.js';
import { fastSettings, sendJson, sleep, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer(async (req, res) => {
    await sleep(25);
    sendJson(res, { path: req.path });
  });
});
afterEach(() => server.close());

/** A spider named `name` crawling /<name>/0 … /<name>/(pages-1), one item per page. */
function namedSpider(name: string, url: string, pages: number) {
  return class Named extends Spider {
    static override spiderName = name;
    override async *start() {
      for (let i = 0; i < pages; i++) yield this.request(`${url}/${name}/${i}`);
    }
    override parse(response: Response) {
      return { spider: this.name, ...(response.json() as object) };
    }
  };
}

const signalListeners = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];

describe('CrawlerProcess', () => {
  it('runs two spiders at once, then a second process independently, leaving no signal listeners', async () => {
    const before = signalListeners();
    const logs: LogRecord[] = [];
    const first = new CrawlerProcess(fastSettings, { logSink: (r) => logs.push(r) });
    first.crawl(namedSpider('alpha', server.url, 4));
    first.crawl(namedSpider('beta', server.url, 3));
    const results = await first.start();

    expect(results.map((r) => [r.spiderName, r.closeReason, r.stats.item_scraped_count])).toEqual([
      ['alpha', 'finished', 4],
      ['beta', 'finished', 3],
    ]);
    // Both ran at the same time: their requests interleave at the server.
    const order = server.hits.map((h) => h.path.split('/')[1]);
    expect(order.indexOf('beta')).toBeLessThan(order.lastIndexOf('alpha'));
    expect(order.indexOf('alpha')).toBeLessThan(order.lastIndexOf('beta'));
    // Log records name their spider.
    expect(new Set(logs.map((r) => r.source.split('.')[0]))).toEqual(new Set(['alpha', 'beta']));

    const second = new CrawlerProcess(fastSettings, { logSink: () => {} });
    second.crawl(namedSpider('alpha', server.url, 2));
    const [again] = await second.start();
    expect(again!.closeReason).toBe('finished');
    expect(again!.stats.item_scraped_count).toBe(2);
    expect(again!.stats['downloader/request_count']).toBe(2);
    // The first run's result was not touched by the second.
    expect(results[0]!.stats.item_scraped_count).toBe(4);
    expect(server.hits).toHaveLength(9);

    expect(signalListeners()).toEqual(before);
  });

  it('adds SIGINT/SIGTERM listeners only with handleSignals, and only while running', async () => {
    const before = signalListeners();
    const proc = new CrawlerProcess(fastSettings, { logSink: () => {}, handleSignals: true });
    let during: number[] = [];
    class Probe extends Spider {
      static override spiderName = 'probe';
      override async *start() {
        yield this.request(`${server.url}/probe`);
      }
      override parse() {
        during = signalListeners();
      }
    }
    proc.crawl(Probe);
    await proc.start();
    expect(during).toEqual(before.map((n) => n + 1));
    expect(signalListeners()).toEqual(before);
  });

  it("resolves with { spiderName, closeReason, stats } using Scrapy's stat keys", async () => {
    const proc = new CrawlerProcess(fastSettings, { logSink: () => {} });
    proc.crawl(namedSpider('shape', server.url, 3));
    const [result] = await proc.start();
    expect(Object.keys(result!).sort()).toEqual(['closeReason', 'spiderName', 'stats']);
    const { stats } = result!;
    expect(result!.spiderName).toBe('shape');
    expect(result!.closeReason).toBe('finished');
    expect(stats).toMatchObject({
      item_scraped_count: 3,
      'downloader/request_count': 3,
      'downloader/request_method_count/GET': 3,
      'downloader/response_count': 3,
      'downloader/response_status_count/200': 3,
      response_received_count: 3,
      'scheduler/enqueued': 3,
      'scheduler/dequeued': 3,
      finish_reason: 'finished',
    });
    expect(stats['log_count/INFO']).toBeGreaterThanOrEqual(3); // opened, closing, closed
    const start = Date.parse(stats.start_time as string);
    const finish = Date.parse(stats.finish_time as string);
    expect(stats.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(finish).toBeGreaterThanOrEqual(start);
    expect(stats.elapsed_time_seconds).toBeCloseTo((finish - start) / 1000, 2);
    expect(stats.elapsed_time_seconds).toBeGreaterThan(0.05); // three 25 ms pages, one at a time
    // Stats keys come sorted, so a printed result is stable.
    expect(Object.keys(stats)).toEqual(Object.keys(stats).sort());
  });

  it('refuses crawl() once started, and start() twice returns the same run', async () => {
    const proc = new CrawlerProcess(fastSettings, { logSink: () => {} });
    proc.crawl(namedSpider('once', server.url, 1));
    const a = proc.start();
    const b = proc.start();
    expect(b).toBe(a);
    expect(() => proc.crawl(namedSpider('late', server.url, 1))).toThrow(/already started/);
    await a;
    expect(server.hits).toHaveLength(1);
  });
});
