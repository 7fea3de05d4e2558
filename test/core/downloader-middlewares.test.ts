import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DownloadError,
  IgnoreRequest,
  Request,
  Response,
  Spider,
  type DownloaderMiddleware,
  type SettingsInput,
} from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res) => {
    if (req.path === '/reset') return void req.socket.destroy();
    sendJson(res, { path: req.path });
  });
});
afterEach(() => server.close());

const paths = () => server.hits.map((h) => h.path);

/** What a spider saw: callback responses and errback errors, by path. */
interface Seen {
  responses: Array<{ path: string; status: number; body: string }>;
  errors: Array<{ path: string; error: Error & { request: Request } }>;
}

/** A spider requesting `startPaths`, with an errback, recording what reached it. */
function recordingSpider(url: string, startPaths: string[], seen: Seen, withErrback = true) {
  return class Recording extends Spider {
    static override spiderName = 'dmw';
    override async *start() {
      for (const path of startPaths) yield this.request(`${url}${path}`, withErrback ? { errback: this.failed } : {});
    }
    override parse(response: Response) {
      seen.responses.push({ path: new URL(response.url).pathname, status: response.status, body: response.text() });
    }
    failed(error: Error & { request: Request }) {
      seen.errors.push({ path: new URL(error.request.url).pathname, error });
    }
  };
}

async function run(middleware: DownloaderMiddleware, startPaths: string[], extra: SettingsInput = {}, withErrback = true) {
  const seen: Seen = { responses: [], errors: [] };
  const settings: SettingsInput = { ...extra, downloaderMiddlewares: { mine: { component: middleware, order: 543 }, ...extra.downloaderMiddlewares } };
  const run = await runSpider(recordingSpider(server.url, startPaths, seen, withErrback), { settings });
  return { seen, ...run };
}

describe('processRequest', () => {
  it('returning nothing lets the request continue to the server', async () => {
    const calls: string[] = [];
    const { seen } = await run({ processRequest: (r) => void calls.push(r.url) }, ['/a']);
    expect(calls).toEqual([`${server.url}/a`]);
    expect(paths()).toEqual(['/a']);
    expect(seen.responses).toEqual([{ path: '/a', status: 200, body: '{"path":"/a"}' }]);
  });

  it('returning a Response skips the download but still runs processResponse', async () => {
    const responseSeenBy: string[] = [];
    const fake: DownloaderMiddleware = {
      processRequest: (request) =>
        request.url.endsWith('/cached') ? new Response({ url: request.url, status: 200, headers: {}, body: Buffer.from('{"cached":true}'), request }) : undefined,
    };
    const watcher: DownloaderMiddleware = { processResponse: (_req, response) => (responseSeenBy.push(response.url), response) };
    const { seen, result } = await run(fake, ['/cached', '/live'], { downloaderMiddlewares: { watcher: { component: watcher, order: 100 } } });
    expect(paths()).toEqual(['/live']);
    expect(seen.responses).toContainEqual({ path: '/cached', status: 200, body: '{"cached":true}' });
    expect(responseSeenBy.sort()).toEqual([`${server.url}/cached`, `${server.url}/live`]);
    // DownloaderStats (850) never saw the cached request go out, but counts both responses.
    expect(result.stats['downloader/request_count']).toBe(1);
    expect(result.stats['downloader/response_count']).toBe(2);
  });

  it('returning a Request schedules it instead; the original never reaches the server', async () => {
    const mw: DownloaderMiddleware = {
      processRequest: (request) => (request.url.endsWith('/old') ? request.replace({ url: request.url.replace('/old', '/new') }) : undefined),
    };
    const { seen } = await run(mw, ['/old']);
    expect(paths()).toEqual(['/new']);
    expect(seen.responses.map((r) => r.path)).toEqual(['/new']);
  });

  it('throwing IgnoreRequest sends the request to its errback, without a download', async () => {
    const mw: DownloaderMiddleware = {
      processRequest: (request) => {
        if (request.url.endsWith('/blocked')) throw new IgnoreRequest('blocked by test');
      },
    };
    const { seen, logs } = await run(mw, ['/blocked', '/ok']);
    expect(paths()).toEqual(['/ok']);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.path).toBe('/blocked');
    expect(seen.errors[0]!.error).toBeInstanceOf(IgnoreRequest);
    expect(seen.errors[0]!.error.message).toBe('blocked by test');
    expect(messages(logs, 'ERROR')).toEqual([]);
  });
});

describe('processResponse', () => {
  it('returning a Request reschedules it', async () => {
    const mw: DownloaderMiddleware = {
      processResponse: (request, response) => (request.url.endsWith('/first') ? new Request(`${server.url}/second`) : response),
    };
    const { seen } = await run(mw, ['/first']);
    expect(paths()).toEqual(['/first', '/second']);
    expect(seen.responses.map((r) => r.path)).toEqual(['/second']);
  });

  it('returning another Response replaces it', async () => {
    const mw: DownloaderMiddleware = {
      processResponse: (request, response) => new Response({ url: response.url, status: 203, headers: {}, body: Buffer.from('{"replaced":true}'), request }),
    };
    const { seen } = await run(mw, ['/a']);
    expect(paths()).toEqual(['/a']);
    expect(seen.responses).toEqual([{ path: '/a', status: 203, body: '{"replaced":true}' }]);
  });
});

describe('processException', () => {
  const noRetry: SettingsInput = { retryEnabled: false };

  it('returning nothing passes the error to the errback', async () => {
    const calls: unknown[] = [];
    const { seen } = await run({ processException: (_r, error) => void calls.push(error) }, ['/reset'], noRetry);
    expect(paths()).toEqual(['/reset']);
    expect(calls).toHaveLength(1);
    expect(seen.responses).toEqual([]);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.error).toBeInstanceOf(DownloadError);
    expect(seen.errors[0]!.error.message).toContain(`${server.url}/reset`);
  });

  it('returning nothing, without an errback, logs the download error', async () => {
    const { logs, result } = await run({ processException: () => undefined }, ['/reset'], noRetry, false);
    const errors = messages(logs, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`Error downloading <GET ${server.url}/reset>`);
    expect(result.stats['downloader/exception_count']).toBe(1);
    expect(result.closeReason).toBe('finished');
  });

  it('returning a Response recovers', async () => {
    const mw: DownloaderMiddleware = {
      processException: (request) => new Response({ url: request.url, status: 200, headers: {}, body: Buffer.from('{"recovered":true}'), request }),
    };
    const { seen } = await run(mw, ['/reset'], noRetry);
    expect(seen.errors).toEqual([]);
    expect(seen.responses).toEqual([{ path: '/reset', status: 200, body: '{"recovered":true}' }]);
  });

  it('returning a Request retries it elsewhere', async () => {
    const mw: DownloaderMiddleware = { processException: (request) => request.replace({ url: `${server.url}/mirror` }) };
    const { seen } = await run(mw, ['/reset'], noRetry);
    expect(paths()).toEqual(['/reset', '/mirror']);
    expect(seen.responses.map((r) => r.path)).toEqual(['/mirror']);
    expect(seen.errors).toEqual([]);
  });
});

describe('ordering and built-ins', () => {
  it('runs lower orders first on requests and last on responses', async () => {
    const trail: string[] = [];
    const tracer = (name: string): DownloaderMiddleware => ({
      processRequest: () => void trail.push(`${name}.request`),
      processResponse: (_req, response) => (trail.push(`${name}.response`), response),
    });
    await run(tracer('mid'), ['/a'], {
      downloaderMiddlewares: { outer: { component: tracer('outer'), order: 100 }, inner: { component: tracer('inner'), order: 900 } },
    });
    expect(trail).toEqual(['outer.request', 'mid.request', 'inner.request', 'inner.response', 'mid.response', 'outer.response']);
  });

  it('null disables a built-in (no teinei User-Agent)', async () => {
    await run({}, ['/a'], { downloaderMiddlewares: { UserAgentMiddleware: null } });
    expect(server.hits).toHaveLength(1);
    expect(server.hits[0]!.headers['user-agent'] ?? '').not.toMatch(/teinei/i);
  });

  it('a number re-orders a built-in', async () => {
    const acceptSeen: Array<string | undefined> = [];
    const spy: DownloaderMiddleware = { processRequest: (request) => void acceptSeen.push(request.headers.Accept) };
    // Default: DefaultHeadersMiddleware (400) runs before mine (543).
    await run(spy, ['/a']);
    // Moved to 600, it runs after mine.
    await run(spy, ['/b'], { downloaderMiddlewares: { DefaultHeadersMiddleware: 600 } });
    expect(acceptSeen).toEqual(['application/json', undefined]);
    // Either way the server gets the header.
    expect(server.hits.map((h) => h.headers.accept)).toEqual(['application/json', 'application/json']);
  });
});
