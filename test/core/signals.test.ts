import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DropItem, Spider, type Response, type SignalMap } from '../../src/index.js';
import { runSpider, sendJson, sleep, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res) => sendJson(res, { path: req.path }));
});
afterEach(() => server.close());

class Rejected extends DropItem {
  override name = 'Rejected';
}

function signalSpider(url: string) {
  return class Signalling extends Spider {
    static override spiderName = 'signalling';
    override async *start() {
      yield this.request(`${url}/list`);
      yield this.request(`${url}/list`); // duplicate: requestDropped
    }
    override *parse(response: Response) {
      if (response.url.endsWith('/list')) {
        yield { id: 1 };
        yield { id: 2, reject: true };
        yield response.follow('/boom');
      } else {
        throw new Error('boom page');
      }
    }
  };
}

describe('signals', () => {
  it('fire with their payloads, spiderOpened first and spiderClosed last', async () => {
    const order: string[] = [];
    const payloads: { [K in keyof SignalMap]?: Array<SignalMap[K]> } = {};
    let closedHandlerDone = false;
    const { result } = await runSpider(signalSpider(server.url), {
      settings: { itemPipelines: { reject: { component: { process: (item: { reject?: boolean }) => { if (item.reject) throw new Rejected('rejected'); return item; } }, order: 1 } } },
      onCrawler: (crawler) => {
        const names: Array<keyof SignalMap> = [
          'spiderOpened', 'spiderIdle', 'spiderClosed', 'spiderError', 'requestScheduled', 'requestDropped',
          'requestReachedDownloader', 'responseReceived', 'itemScraped', 'itemDropped', 'itemError',
        ];
        for (const name of names) {
          crawler.signals.on(name, (payload: unknown) => {
            order.push(name);
            ((payloads[name] ??= []) as unknown[]).push(payload);
          });
        }
        // An async spiderClosed handler is awaited before the run resolves.
        crawler.signals.on('spiderClosed', async () => {
          await sleep(20);
          closedHandlerDone = true;
        });
      },
    });
    const url = server.url;
    expect(closedHandlerDone).toBe(true);
    expect(order[0]).toBe('spiderOpened');
    expect(order.at(-1)).toBe('spiderClosed');
    expect(payloads.spiderOpened).toHaveLength(1);
    expect(payloads.spiderOpened![0]!.spider.name).toBe('signalling');
    expect(payloads.spiderClosed!.map((p) => p.reason)).toEqual(['finished']);

    expect(payloads.requestScheduled!.map((p) => p.request.url)).toEqual([`${url}/list`, `${url}/boom`]);
    expect(payloads.requestDropped!.map((p) => p.request.url)).toEqual([`${url}/list`]);
    expect(payloads.requestReachedDownloader!.map((p) => p.request.url)).toEqual([`${url}/list`, `${url}/boom`]);
    expect(payloads.responseReceived!.map((p) => [p.request.url, p.response.status, p.response.url])).toEqual([
      [`${url}/list`, 200, `${url}/list`],
      [`${url}/boom`, 200, `${url}/boom`],
    ]);
    expect(payloads.itemScraped!.map((p) => [p.item, p.response?.url])).toEqual([[{ id: 1 }, `${url}/list`]]);
    expect(payloads.itemDropped).toHaveLength(1);
    expect(payloads.itemDropped![0]!.item).toEqual({ id: 2, reject: true });
    expect(payloads.itemDropped![0]!.error).toBeInstanceOf(Rejected);
    expect(payloads.itemDropped![0]!.response?.url).toBe(`${url}/list`);
    expect(payloads.spiderError!.map((p) => [(p.error as Error).message, p.response.url])).toEqual([['boom page', `${url}/boom`]]);
    expect(payloads.spiderIdle!.length).toBeGreaterThanOrEqual(1);
    expect(payloads.itemError).toBeUndefined();
    expect(result.stats.item_scraped_count).toBe(1);
  });

  it('a spiderIdle handler can schedule more requests before the spider closes', async () => {
    const url = server.url;
    let extra = 0;
    const { result } = await runSpider(signalSpider(url), {
      onCrawler: (crawler) =>
        crawler.signals.on('spiderIdle', async () => {
          if (extra < 2) await crawler.engine.crawl(crawler.spider.request(`${url}/extra/${extra++}`, { callback: 'parse' }));
        }),
    });
    expect(result.closeReason).toBe('finished');
    expect(server.hits.map((h) => h.path)).toEqual(['/list', '/boom', '/extra/0', '/extra/1']);
  });

  it('an unsubscribed handler is not called', async () => {
    let calls = 0;
    await runSpider(signalSpider(server.url), {
      onCrawler: (crawler) => {
        const off = crawler.signals.on('responseReceived', () => void calls++);
        off();
      },
    });
    expect(calls).toBe(0);
    expect(server.hits).toHaveLength(2);
  });
});
