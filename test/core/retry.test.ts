import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spider, type Response, type SettingsInput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  const attempts = new Map<string, number>();
  server = await startServer((req, res) => {
    const attempt = (attempts.get(req.path) ?? 0) + 1;
    attempts.set(req.path, attempt);
    if (req.path === '/flaky') return sendJson(res, attempt <= 2 ? { busy: true } : { id: 'flaky' }, attempt <= 2 ? 503 : 200);
    if (req.path === '/broken') return sendJson(res, { error: 'boom' }, 500);
    if (req.path === '/slow' && attempt === 1) return void setTimeout(() => sendJson(res, { id: 'too late' }), 400);
    if (req.path === '/reset') {
      if (attempt === 1) return void req.socket.destroy();
      return sendJson(res, { id: 'reset' });
    }
    sendJson(res, { id: req.path.slice(1) });
  });
});
afterEach(() => server.close());

function spiderFor(url: string, path: string, meta: Record<string, unknown> = {}) {
  return class Retrying extends Spider {
    static override spiderName = 'retrying';
    override async *start() {
      yield this.request(`${url}${path}`, { meta });
    }
    override parse(response: Response) {
      return response.json() as object;
    }
  };
}
const run = (path: string, settings: SettingsInput = {}, meta: Record<string, unknown> = {}) => runSpider(spiderFor(server.url, path, meta), { settings });

describe('RetryMiddleware', () => {
  it('retries 503 twice and then gets the item', async () => {
    const { items, result, logs } = await run('/flaky');
    expect(server.hits.map((h) => h.path)).toEqual(['/flaky', '/flaky', '/flaky']);
    expect(items).toEqual([{ id: 'flaky' }]);
    expect(result.stats['retry/count']).toBe(2);
    expect(result.stats['retry/reason_count/503']).toBe(2);
    expect(result.stats['retry/max_reached']).toBeUndefined();
    expect(result.stats['downloader/response_status_count/503']).toBe(2);
    expect(result.stats['downloader/response_status_count/200']).toBe(1);
    expect(messages(logs, 'ERROR')).toEqual([]);
  });

  it('gives up after retryTimes on an always-500 URL, with an error naming it', async () => {
    const { items, result, logs } = await run('/broken');
    expect(server.hits).toHaveLength(3);
    expect(items).toEqual([]);
    expect(result.stats['retry/count']).toBe(2);
    expect(result.stats['retry/max_reached']).toBe(1);
    const errors = messages(logs, 'ERROR');
    expect(errors).toEqual([`Gave up retrying <GET ${server.url}/broken> (failed 3 times): 500`]);
    // The last 500 then goes to HttpErrorMiddleware.
    expect(result.stats['httperror/response_ignored_count']).toBe(1);
  });

  it('honours retryTimes and meta.maxRetryTimes', async () => {
    await run('/broken', { retryTimes: 4 });
    expect(server.hits).toHaveLength(5);
    server.hits.length = 0;
    await run('/broken', { retryTimes: 4 }, { maxRetryTimes: 1 });
    expect(server.hits).toHaveLength(2);
  });

  it('retries a connection reset', async () => {
    const { items, result } = await run('/reset');
    expect(server.hits.map((h) => h.path)).toEqual(['/reset', '/reset']);
    expect(items).toEqual([{ id: 'reset' }]);
    expect(result.stats['retry/count']).toBe(1);
    expect(result.stats['retry/reason_count/ECONNRESET']).toBe(1);
    expect(result.stats['downloader/exception_type_count/ECONNRESET']).toBe(1);
  });

  it('retries a download that timed out', async () => {
    const { items, result } = await run('/slow', { downloadTimeout: 0.1 });
    expect(server.hits.map((h) => h.path)).toEqual(['/slow', '/slow']);
    expect(items).toEqual([{ id: 'slow' }]);
    expect(result.stats['retry/reason_count/TimeoutError']).toBe(1);
  });

  it('is off with retryEnabled: false, and for meta.dontRetry', async () => {
    const off = await run('/flaky', { retryEnabled: false });
    expect(server.hits).toHaveLength(1);
    expect(off.items).toEqual([]);
    expect(off.result.stats['retry/count']).toBeUndefined();
    expect(off.result.stats['httperror/response_ignored_status_count/503']).toBe(1);

    server.hits.length = 0;
    const dont = await run('/broken', {}, { dontRetry: true });
    expect(server.hits).toHaveLength(1);
    expect(dont.result.stats['retry/count']).toBeUndefined();
  });

  it('lowers the priority of a retried request (retryPriorityAdjust)', async () => {
    const url = server.url;
    class Prioritised extends Spider {
      static override spiderName = 'prioritised';
      override async *start() {
        yield this.request(`${url}/seed`, { callback: this.seed });
      }
      *seed() {
        yield this.request(`${url}/flaky`);
        yield this.request(`${url}/other`, { priority: -1 });
      }
      override parse(): void {}
    }
    await runSpider(Prioritised, { settings: { concurrentRequests: 1 } });
    // The first retry of /flaky gets priority -1 and is the newest there, so (LIFO) it goes
    // before /other; the second retry gets priority -2 and goes last.
    expect(server.hits.map((h) => h.path)).toEqual(['/seed', '/flaky', '/flaky', '/other', '/flaky']);
  });
});
