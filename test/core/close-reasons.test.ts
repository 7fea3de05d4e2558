import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseSpider as CloseSpiderError, CrawlerProcess, Spider, type LogRecord, type Response, type SettingsInput } from '../../src/index.js';
import { fastSettings, messages, runSpider, sendJson, sleep, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let responseDelayMs = 0;
let dir: string;
beforeEach(async () => {
  responseDelayMs = 0;
  server = await startServer(async (req, res) => {
    if (req.path === '/hang') return; // never answers
    if (responseDelayMs) await sleep(responseDelayMs);
    sendJson(res, { page: Number(req.path.slice(2)) });
  });
  dir = await mkdtemp(join(tmpdir(), 'teinei-close-'));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Reasons given to Spider.closed(). */
const closedWith: string[] = [];

/** Requests /p0 … /p(count-1); each page yields one item (or throws, with `failing`). */
function pagesSpider(url: string, count: number, failing = false) {
  return class Pages extends Spider {
    static override spiderName = 'pages';
    override closed(reason: string) {
      closedWith.push(reason);
    }
    override async *start() {
      for (let i = 0; i < count; i++) yield this.request(`${url}/p${i}`);
    }
    override parse(response: Response) {
      if (failing) throw new Error(`cannot parse ${response.url}`);
      return response.json() as object;
    }
  };
}
const run = (settings: SettingsInput, count = 10, failing = false) => runSpider(pagesSpider(server.url, count, failing), { settings });

describe('CloseSpider limits', () => {
  it('closespiderItemcount closes with closespider_itemcount', async () => {
    closedWith.length = 0;
    const { result, items } = await run({ closespiderItemcount: 2 });
    expect(closedWith).toEqual(['closespider_itemcount']);
    expect(result.closeReason).toBe('closespider_itemcount');
    expect(result.stats.finish_reason).toBe('closespider_itemcount');
    // One request at a time per domain: when the 2nd item closes the spider, the 3rd page is
    // already downloading (the slot started it as the 2nd download ended) and still finishes;
    // the seven still waiting for the slot are never sent.
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(server.hits.length).toBeLessThanOrEqual(3);
  });

  it('closespiderPagecount closes with closespider_pagecount', async () => {
    const { result } = await run({ closespiderPagecount: 3 });
    expect(result.closeReason).toBe('closespider_pagecount');
    expect(result.stats.response_received_count).toBeGreaterThanOrEqual(3);
    expect(server.hits.length).toBeLessThanOrEqual(4);
  });

  it('closespiderErrorcount closes with closespider_errorcount', async () => {
    const { result } = await run({ closespiderErrorcount: 2 }, 10, true);
    expect(result.closeReason).toBe('closespider_errorcount');
    expect(result.stats['spider_exceptions/Error']).toBeGreaterThanOrEqual(2);
    expect(server.hits.length).toBeLessThanOrEqual(3);
  });

  it('closespiderTimeout closes a slow crawl with closespider_timeout', async () => {
    responseDelayMs = 100;
    const { result } = await run({ closespiderTimeout: 0.25 });
    expect(result.closeReason).toBe('closespider_timeout');
    // Ten 100 ms pages one at a time would take a second; the crawl stopped after about three.
    expect(server.hits.length).toBeGreaterThanOrEqual(2);
    expect(server.hits.length).toBeLessThanOrEqual(4);
    expect(result.stats.elapsed_time_seconds).toBeLessThan(0.7);
  });

  it('without limits the same crawl finishes every page (control)', async () => {
    const { result, items } = await run({});
    expect(result.closeReason).toBe('finished');
    expect(items).toHaveLength(10);
  });
});

describe('CrawlerProcess.stop()', () => {
  async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > until) throw new Error('condition not met in time');
      await sleep(5);
    }
  }

  it("stops mid-crawl with 'shutdown', sends no waiting request, and commits the feed", async () => {
    responseDelayMs = 80;
    const feed = join(dir, 'out', '%(name)s.jsonl');
    const logs: LogRecord[] = [];
    const process = new CrawlerProcess({ ...fastSettings, feeds: { [feed]: { format: 'jsonlines' } } }, { logSink: (r) => logs.push(r) });
    process.crawl(pagesSpider(server.url, 20));
    const running = process.start();
    await waitFor(() => server.hits.length >= 1);
    process.stop();
    const [result] = await running;

    expect(result!.closeReason).toBe('shutdown');
    expect(result!.stats.finish_reason).toBe('shutdown');
    // The request in flight finished; the 19 waiting for the slot were never sent.
    expect(server.hits).toHaveLength(1);
    const path = join(dir, 'out', 'pages.jsonl');
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('{"page":0}\n');
    expect(messages(logs, 'INFO')).toContain('Closing spider (shutdown)');
    expect(messages(logs, 'ERROR')).toEqual([]);
  });

  it('a second stop() aborts downloads in flight', async () => {
    class Hanging extends Spider {
      static override spiderName = 'hanging';
      override async *start() {
        yield this.request(`${server.url}/hang`);
      }
      override parse(): void {}
    }
    const logs: LogRecord[] = [];
    const process = new CrawlerProcess(fastSettings, { logSink: (r) => logs.push(r) });
    process.crawl(Hanging);
    const running = process.start();
    await waitFor(() => server.hits.length >= 1);
    process.stop();
    await sleep(50);
    // The first stop waits for the request in flight, which never ends.
    let settled = false;
    void running.then(() => (settled = true));
    await sleep(10);
    expect(settled).toBe(false);

    const started = Date.now();
    process.stop();
    const [result] = await running;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result!.closeReason).toBe('shutdown');
    expect(server.hits).toHaveLength(1);
  });
});

describe('CloseSpider thrown from a callback', () => {
  it('closes with the given reason, or cancelled by default', async () => {
    const server = await startServer((_req, res) => sendJson(res, { ok: true }));
    try {
      for (const [reason, expected] of [['partner_gone', 'partner_gone'], [undefined, 'cancelled']] as const) {
        class Quits extends Spider {
          static spiderName = 'quits';
          async *start() {
            for (let i = 0; i < 5; i++) yield this.request(`${server.url}/p${i}`, { callback: this.parse });
          }
          parse(): never {
            throw new CloseSpiderError(reason);
          }
        }
        const { result } = await runSpider(Quits, { settings: { ...fastSettings, concurrentRequests: 1 } });
        expect(result.closeReason).toBe(expected);
        expect(result.stats['spider_exceptions/CloseSpider']).toBeUndefined();
      }
    } finally {
      await server.close();
    }
  });
});
