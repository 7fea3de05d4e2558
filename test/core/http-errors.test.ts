import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError, JsonParseError, Spider, type Response, type SettingsInput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res) => {
    if (req.path === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<!DOCTYPE html><html><body>Maintenance until 06:00</body></html>');
    }
    const status = Number(/^\/status\/(\d+)$/.exec(req.path)?.[1] ?? 200);
    sendJson(res, { status }, status);
  });
});
afterEach(() => server.close());

// Retries are off so a 500 is one request, not three.
const base: SettingsInput = { retryEnabled: false };

/** Requests /status/200, /status/404 and /status/500 (with `meta`) and records the statuses its callback saw. */
function statusSpider(url: string, seen: number[], meta: Record<string, unknown> = {}, spiderProps: Partial<Spider> = {}) {
  return class Statuses extends Spider {
    static override spiderName = 'statuses';
    constructor() {
      super();
      Object.assign(this, spiderProps);
    }
    override async *start() {
      for (const status of [200, 404, 500]) yield this.request(`${url}/status/${status}`, { meta: { ...meta } });
    }
    override parse(response: Response) {
      seen.push(response.status);
    }
  };
}

async function statusesSeen(options: { meta?: Record<string, unknown>; spider?: Partial<Spider>; settings?: SettingsInput } = {}) {
  const seen: number[] = [];
  const run = await runSpider(statusSpider(server.url, seen, options.meta, options.spider), { settings: { ...base, ...options.settings } });
  return { seen: seen.sort(), ...run };
}

describe('HttpErrorMiddleware', () => {
  it('keeps 404 and 500 away from callbacks by default, counting and logging them', async () => {
    const { seen, result, logs } = await statusesSeen();
    expect(server.hits).toHaveLength(3);
    expect(seen).toEqual([200]);
    expect(result.stats['httperror/response_ignored_count']).toBe(2);
    expect(result.stats['httperror/response_ignored_status_count/404']).toBe(1);
    expect(result.stats['httperror/response_ignored_status_count/500']).toBe(1);
    const ignored = messages(logs).filter((m) => m.startsWith('Ignoring response'));
    expect(ignored.sort()).toEqual([
      `Ignoring response <404 ${server.url}/status/404>: HTTP status code is not handled or not allowed`,
      `Ignoring response <500 ${server.url}/status/500>: HTTP status code is not handled or not allowed`,
    ]);
    expect(result.stats['downloader/response_status_count/404']).toBe(1);
  });

  it('passes statuses listed in meta.handleHttpStatusList', async () => {
    const { seen, result } = await statusesSeen({ meta: { handleHttpStatusList: [404] } });
    expect(seen).toEqual([200, 404]);
    expect(result.stats['httperror/response_ignored_count']).toBe(1);
  });

  it('passes every status with meta.handleHttpStatusAll', async () => {
    const { seen, result } = await statusesSeen({ meta: { handleHttpStatusAll: true } });
    expect(seen).toEqual([200, 404, 500]);
    expect(result.stats['httperror/response_ignored_count']).toBeUndefined();
  });

  it("passes statuses in the spider's handleHttpStatusList", async () => {
    const { seen } = await statusesSeen({ spider: { handleHttpStatusList: [500] } });
    expect(seen).toEqual([200, 500]);
  });

  it('passes statuses in httperrorAllowedCodes, or all with httperrorAllowAll', async () => {
    expect((await statusesSeen({ settings: { httperrorAllowedCodes: [404] } })).seen).toEqual([200, 404]);
    expect((await statusesSeen({ settings: { httperrorAllowAll: true } })).seen).toEqual([200, 404, 500]);
  });

  it('gives the errback an HttpError carrying the response', async () => {
    const errors: HttpError[] = [];
    const url = server.url;
    class WithErrback extends Spider {
      static override spiderName = 'errback';
      override async *start() {
        yield this.request(`${url}/status/404`, { errback: this.failed });
      }
      override parse(): void {
        throw new Error('callback must not run for a 404');
      }
      failed(error: HttpError) {
        errors.push(error);
      }
    }
    const { logs } = await runSpider(WithErrback, { settings: base });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(HttpError);
    expect(errors[0]!.response.status).toBe(404);
    expect(errors[0]!.response.url).toBe(`${url}/status/404`);
    expect(messages(logs, 'ERROR')).toEqual([]);
  });
});

describe('response.json()', () => {
  it('on a non-JSON body logs an error naming the URL with a snippet of the body', async () => {
    const url = server.url;
    const thrown: unknown[] = [];
    class Json extends Spider {
      static override spiderName = 'json';
      override async *start() {
        yield this.request(`${url}/html`);
      }
      override parse(response: Response) {
        try {
          return response.json();
        } catch (error) {
          thrown.push(error);
          throw error;
        }
      }
    }
    const { logs, result } = await runSpider(Json);
    expect(thrown[0]).toBeInstanceOf(JsonParseError);
    expect((thrown[0] as JsonParseError).url).toBe(`${url}/html`);
    const errors = messages(logs, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${url}/html`);
    expect(errors[0]).toContain('<!DOCTYPE html><html><body>Maintenance');
    expect(result.stats['spider_exceptions/JsonParseError']).toBe(1);
  });
});
