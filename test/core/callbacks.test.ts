import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spider, type Response } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, sleep, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res) => sendJson(res, { page: req.path.slice(1) }));
});
afterEach(() => server.close());

type Item = { shape: string; n: number };
const page = (response: Response) => (response.json() as { page: string }).page;

describe('callback return shapes', () => {
  it('accepts async generators, generators, arrays, promises, single items, iterables and nothing', async () => {
    const url = server.url;
    class Shapes extends Spider {
      static override spiderName = 'shapes';
      override async *start() {
        for (const cb of [this.asyncGen, this.syncGen, this.array, this.promiseOfArray, this.single, this.asyncSingle, this.nothing, this.iterable]) {
          yield this.request(`${url}/${cb.name}`, { callback: cb });
        }
      }
      async *asyncGen(response: Response) {
        await sleep(1);
        yield { shape: page(response), n: 1 };
        yield { shape: page(response), n: 2 };
      }
      *syncGen(response: Response) {
        yield { shape: page(response), n: 1 };
        yield { shape: page(response), n: 2 };
      }
      array(response: Response) {
        return [1, 2, 3].map((n) => ({ shape: page(response), n }));
      }
      async promiseOfArray(response: Response) {
        await sleep(1);
        return [{ shape: page(response), n: 1 }];
      }
      single(response: Response) {
        return { shape: page(response), n: 1 };
      }
      async asyncSingle(response: Response) {
        return { shape: page(response), n: 1 };
      }
      nothing(): undefined {
        return undefined;
      }
      iterable(response: Response) {
        return new Set([{ shape: page(response), n: 1 }, { shape: page(response), n: 2 }]);
      }
    }
    const { items, logs, result } = await runSpider(Shapes);
    const counts: Record<string, number> = {};
    for (const item of items as Item[]) counts[item.shape] = (counts[item.shape] ?? 0) + 1;
    expect(counts).toEqual({ asyncGen: 2, syncGen: 2, array: 3, promiseOfArray: 1, single: 1, asyncSingle: 1, iterable: 2 });
    expect(server.hits).toHaveLength(8);
    expect(messages(logs, 'ERROR')).toEqual([]);
    expect(result.stats.item_scraped_count).toBe(12);
  });

  it('follows requests yielded by callbacks, mixed with items', async () => {
    const url = server.url;
    class Follow extends Spider {
      static override spiderName = 'follow';
      override async *start() {
        yield this.request(`${url}/p1`);
      }
      override *parse(response: Response) {
        const n = Number(page(response).slice(1));
        yield { shape: 'page', n };
        if (n < 4) yield response.follow(`/p${n + 1}`);
      }
    }
    const { items, result } = await runSpider(Follow);
    expect((items as Item[]).map((i) => i.n)).toEqual([1, 2, 3, 4]);
    expect(server.hits.map((h) => h.path)).toEqual(['/p1', '/p2', '/p3', '/p4']);
    expect(result.stats.request_depth_max).toBe(3);
  });
});

describe('request meta', () => {
  it('carries to the response, and a meta object shared by requests keeps depths apart', async () => {
    const url = server.url;
    const shared = { source: 'catalogue' };
    const seen: Array<[string, unknown, unknown]> = [];
    class Depths extends Spider {
      static override spiderName = 'depths';
      override async *start() {
        yield this.request(`${url}/root`, { meta: shared });
      }
      override *parse(response: Response) {
        seen.push([page(response), response.meta.depth, response.meta.source]);
        // Two children share one meta object; one of them goes a level deeper.
        if (page(response) === 'root') yield* [response.follow('/a', { meta: shared }), response.follow('/b', { meta: shared })];
        if (page(response) === 'b') yield response.follow('/c', { meta: shared });
      }
    }
    await runSpider(Depths, { settings: { concurrentRequests: 1, schedulerOrder: 'fifo' } });
    expect(seen).toEqual([
      ['root', 0, 'catalogue'],
      ['a', 1, 'catalogue'],
      ['b', 1, 'catalogue'],
      ['c', 2, 'catalogue'],
    ]);
    expect(shared).toEqual({ source: 'catalogue' });
  });
});

describe('callback errors', () => {
  class BoomError extends Error {
    override name = 'BoomError';
  }

  it('logs a throwing callback with the URL, counts it, and carries on with other pages', async () => {
    const url = server.url;
    class Throwing extends Spider {
      static override spiderName = 'throwing';
      override async *start() {
        for (const p of ['ok1', 'boom', 'ok2', 'boom-async']) yield this.request(`${url}/${p}`);
      }
      override async *parse(response: Response) {
        const p = page(response);
        if (p === 'boom') throw new BoomError(`cannot parse ${p}`);
        if (p === 'boom-async') {
          yield { shape: 'before-error', n: 0 };
          await sleep(1);
          throw new BoomError('failed mid-stream');
        }
        yield { shape: p, n: 1 };
      }
    }
    const { items, logs, result } = await runSpider(Throwing);
    expect((items as Item[]).map((i) => i.shape).sort()).toEqual(['before-error', 'ok1', 'ok2']);
    expect(result.stats['spider_exceptions/BoomError']).toBe(2);
    expect(result.closeReason).toBe('finished');
    expect(result.stats.finish_reason).toBe('finished');
    const errors = logs.filter((r) => r.level === 'ERROR');
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => e.message)).toContain(`Spider error processing <GET ${url}/boom> (referer: None): cannot parse boom`);
    expect(errors.map((e) => e.message)).toContain(`Spider error processing <GET ${url}/boom-async> (referer: None): failed mid-stream`);
    expect(errors.every((e) => e.error instanceof BoomError)).toBe(true);
  });

  it('a callback naming a missing method is a spider error naming it', async () => {
    const url = server.url;
    class Missing extends Spider {
      static override spiderName = 'missing';
      override async *start() {
        yield this.request(`${url}/x`, { callback: 'parseDetail' });
      }
    }
    const { logs, result } = await runSpider(Missing);
    expect(result.stats['spider_exceptions/TypeError']).toBe(1);
    expect(messages(logs, 'ERROR').join('\n')).toContain('has no method "parseDetail"');
  });

  it('yielding a string is an error that names the request', async () => {
    const url = server.url;
    class Stringy extends Spider {
      static override spiderName = 'stringy';
      override async *start() {
        yield this.request(`${url}/s`);
      }
      override *parse() {
        yield 'not an item';
        yield { shape: 'after', n: 1 };
      }
    }
    const { items, logs } = await runSpider(Stringy);
    expect(items).toEqual([{ shape: 'after', n: 1 }]);
    const errors = messages(logs, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('got string "not an item"');
    expect(errors[0]).toContain(`<GET ${url}/s>`);
  });
});
