import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Request, Spider, type Response, type SpiderMiddleware, type SpiderOutput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res) => sendJson(res, { id: req.path.slice(1) }));
});
afterEach(() => server.close());

const withMiddleware = (mw: SpiderMiddleware) => ({ spiderMiddlewares: { mine: { component: mw, order: 543 } } });

describe('spider middlewares', () => {
  it('processStart transforms the start stream (a middleware with no other hook)', async () => {
    const mw: SpiderMiddleware = {
      async *processStart(start) {
        for await (const value of start) {
          if (value instanceof Request && value.url.endsWith('/skip')) continue;
          yield value;
        }
        yield { fromStart: true };
      },
    };
    const url = server.url;
    class StartSpider extends Spider {
      static override spiderName = 'start';
      override async *start() {
        yield this.request(`${url}/keep`);
        yield this.request(`${url}/skip`);
      }
      override parse(response: Response) {
        return response.json();
      }
    }
    const { items } = await runSpider(StartSpider, { settings: withMiddleware(mw) });
    expect(server.hits.map((h) => h.path)).toEqual(['/keep']);
    expect(items).toContainEqual({ fromStart: true });
    expect(items).toContainEqual({ id: 'keep' });
  });

  it('processSpiderInput throwing skips the callback and calls the errback with the error', async () => {
    class Rejected extends Error {
      override name = 'Rejected';
    }
    const mw: SpiderMiddleware = {
      processSpiderInput(response) {
        if (response.url.endsWith('/bad')) throw new Rejected(`rejected ${response.url}`);
      },
    };
    const parsed: string[] = [];
    const failures: Array<{ error: unknown; url: string }> = [];
    const url = server.url;
    class InputSpider extends Spider {
      static override spiderName = 'input';
      override async *start() {
        yield this.request(`${url}/bad`, { errback: this.failed });
        yield this.request(`${url}/good`, { errback: this.failed });
      }
      override parse(response: Response) {
        parsed.push(response.url);
      }
      failed(error: Error & { request: { url: string } }) {
        failures.push({ error, url: error.request.url });
      }
    }
    const { result } = await runSpider(InputSpider, { settings: withMiddleware(mw) });
    expect(server.hits.map((h) => h.path).sort()).toEqual(['/bad', '/good']);
    expect(parsed).toEqual([`${url}/good`]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.url).toBe(`${url}/bad`);
    expect(failures[0]!.error).toBeInstanceOf(Rejected);
    expect((failures[0]!.error as Error).message).toBe(`rejected ${url}/bad`);
    expect(result.closeReason).toBe('finished');
  });

  it('processSpiderInput throwing without an errback is a spider error, offered to processSpiderException', async () => {
    class Rejected extends Error {
      override name = 'Rejected';
    }
    const offered: string[] = [];
    const mw: SpiderMiddleware = {
      processSpiderInput(response) {
        throw new Rejected(`rejected ${response.url}`);
      },
      processSpiderException: (_response, error) => void offered.push((error as Error).message),
    };
    const url = server.url;
    let parsed = 0;
    class NoErrback extends Spider {
      static override spiderName = 'no-errback';
      override async *start() {
        yield this.request(`${url}/bad`);
      }
      override parse() {
        parsed++;
      }
    }
    const { result, logs } = await runSpider(NoErrback, { settings: withMiddleware(mw) });
    expect(parsed).toBe(0);
    expect(offered).toEqual([`rejected ${url}/bad`]);
    expect(result.stats['spider_exceptions/Rejected']).toBe(1);
    // The download worked: this is not a download error.
    expect(messages(logs, 'ERROR')).toEqual([`Spider error processing <GET ${url}/bad> (referer: None): rejected ${url}/bad`]);
  });

  it('processSpiderOutput transforms the items a callback yields', async () => {
    const mw: SpiderMiddleware = {
      async *processSpiderOutput(response, result) {
        for await (const value of result) {
          // Drop odd items, tag the others with the response status.
          const item = value as { n: number };
          if (item.n % 2 === 0) yield { ...item, status: response.status };
        }
      },
    };
    const url = server.url;
    class OutputSpider extends Spider {
      static override spiderName = 'output';
      override async *start() {
        yield this.request(`${url}/page`);
      }
      override *parse(): Generator<SpiderOutput> {
        for (let n = 1; n <= 5; n++) yield { n };
      }
    }
    const { items, result } = await runSpider(OutputSpider, { settings: withMiddleware(mw) });
    expect(items).toEqual([
      { n: 2, status: 200 },
      { n: 4, status: 200 },
    ]);
    expect(result.stats.item_scraped_count).toBe(2);
  });

  it('processSpiderException recovers from a callback error with an iterable of output', async () => {
    const seenErrors: string[] = [];
    const mw: SpiderMiddleware = {
      processSpiderException(response, error) {
        seenErrors.push((error as Error).message);
        return [{ recoveredFrom: response.url }];
      },
    };
    const url = server.url;
    class Failing extends Spider {
      static override spiderName = 'failing';
      override async *start() {
        yield this.request(`${url}/x`);
      }
      override parse(): never {
        throw new Error('callback exploded');
      }
    }
    const { items, logs, result } = await runSpider(Failing, { settings: withMiddleware(mw) });
    expect(seenErrors).toEqual(['callback exploded']);
    expect(items).toEqual([{ recoveredFrom: `${url}/x` }]);
    expect(messages(logs, 'ERROR')).toEqual([]);
    expect(Object.keys(result.stats).filter((k) => k.startsWith('spider_exceptions/'))).toEqual([]);
  });

  it('an error not recovered by processSpiderException is logged as a spider error', async () => {
    const calls: string[] = [];
    const mw: SpiderMiddleware = { processSpiderException: (response) => void calls.push(response.url) };
    const url = server.url;
    class Failing extends Spider {
      static override spiderName = 'failing2';
      override async *start() {
        yield this.request(`${url}/y`);
      }
      override parse(): never {
        throw new RangeError('out of range');
      }
    }
    const { logs, result } = await runSpider(Failing, { settings: withMiddleware(mw) });
    expect(calls).toEqual([`${url}/y`]);
    expect(result.stats['spider_exceptions/RangeError']).toBe(1);
    expect(messages(logs, 'ERROR').join('\n')).toContain(`Spider error processing <GET ${url}/y>`);
  });
});
