/**
 * downloadTimeout, downloadMaxsize and downloadWarnsize are enforced while the body streams, and
 * network errors, timeouts and truncated bodies are retried; against a real loopback server.
 */
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spider, type Response, type SettingsInput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

/** One response as the server saw it end. */
interface Served {
  path: string;
  /** ms from the request's arrival to the response's close. */
  duration: number;
  /** The client closed the connection before the server finished writing. */
  closedEarly: boolean;
  /** Body bytes the server had written by then. */
  written: number;
}

let server: TestServer;
let served: Served[];
const timers = new Set<NodeJS.Timeout>();
const attempts = new Map<string, number>();

/** Writes `chunks` chunks of `size` bytes, `every` ms apart, then ends (stops when the client goes). */
function writeSlowly(res: http.ServerResponse, chunks: number, size: number, every: number, onWrite: (n: number) => void): void {
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return void clearInterval(timer);
    res.write('x'.repeat(size));
    onWrite(size);
    if (++sent === chunks) {
      clearInterval(timer);
      res.end();
    }
  }, every);
  timers.add(timer);
}

beforeEach(async () => {
  served = [];
  attempts.clear();
  server = await startServer((req, res) => {
    const arrived = performance.now();
    const attempt = (attempts.get(req.path) ?? 0) + 1;
    attempts.set(req.path, attempt);
    let written = 0;
    const wrote = (n: number) => void (written += n);
    res.on('close', () => served.push({ path: req.path, duration: performance.now() - arrived, closedEarly: !res.writableFinished, written }));

    switch (req.path) {
      case '/trickle': // headers at once, then one byte every 50 ms, forever
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        return writeSlowly(res, Infinity, 1, 50, wrote);
      case '/hang': // never answers
        return;
      case '/slow-json': // a whole answer after 600 ms
        return void timers.add(setTimeout(() => sendJson(res, { id: 'slow' }), 600));
      case '/chunked-5k': // 5 kB, chunked (no Content-Length), in 500-byte chunks
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return writeSlowly(res, 10, 500, 30, wrote);
      case '/announced-5k': // Content-Length: 5000 at once, the body only after 300 ms
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 5000 });
        res.flushHeaders();
        return void timers.add(setTimeout(() => writeSlowly(res, 10, 500, 30, wrote), 300));
      case '/json-2k': // {"pad":"xxx…"}: exactly 2000 bytes of JSON
        return sendJson(res, { pad: 'x'.repeat(2000 - '{"pad":""}'.length) });
      case '/gzip-bomb': // 20 kB of JSON, a few dozen bytes gzipped
      case '/gzip':
      case '/deflate':
      case '/deflate-raw':
      case '/br': {
        const text = JSON.stringify({ data: 'a'.repeat(req.path === '/gzip-bomb' ? 20_000 : 100) });
        const [encoding, body] =
          req.path === '/br' ? ['br', brotliCompressSync(text)]
          : req.path === '/deflate' ? ['deflate', deflateSync(text)]
          : req.path === '/deflate-raw' ? ['deflate', deflateRawSync(text)]
          : ['gzip', gzipSync(text)];
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': body.length });
        return void res.end(body);
      }
      case '/truncated-end': // promises 1000 bytes, sends 500, closes
      case '/truncated-destroy':
      case '/truncated-once': {
        if (req.path === '/truncated-once' && attempt > 1) return sendJson(res, { id: 'whole' });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        res.write(' '.repeat(500));
        wrote(500);
        return void timers.add(setTimeout(() => (req.path === '/truncated-destroy' ? req.socket.destroy() : req.socket.end()), 20));
      }
      default:
        sendJson(res, { path: req.path });
    }
  });
});
afterEach(async () => {
  for (const timer of timers) clearInterval(timer);
  timers.clear();
  await server.close();
});

/** Waits (up to 2 s) until the server has seen `count` responses close: the client's abort reaches it a moment later. */
async function servedCount(count: number): Promise<Served[]> {
  const deadline = performance.now() + 2000;
  while (served.length < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return served;
}

function spiderFor(url: string, path: string, meta: Record<string, unknown>) {
  return class Limited extends Spider {
    static override spiderName = 'limited';
    override async *start() {
      yield this.request(`${url}${path}`, { meta });
    }
    override parse(response: Response) {
      return { status: response.status, size: response.body.length, json: response.json() as unknown };
    }
  };
}
async function run(path: string, settings: SettingsInput = {}, meta: Record<string, unknown> = {}) {
  const started = performance.now();
  const outcome = await runSpider(spiderFor(server.url, path, meta), { settings });
  return { ...outcome, elapsed: performance.now() - started, url: `${server.url}${path}` };
}

describe('downloadTimeout', () => {
  it('times out a body that trickles, retries it, then gives up with an error naming the URL', async () => {
    const { items, result, logs, elapsed, url } = await run('/trickle', { downloadTimeout: 0.5 });
    expect(items).toEqual([]);
    expect(server.hits.map((h) => h.path)).toEqual(['/trickle', '/trickle', '/trickle']);
    // Each attempt ends 0.5 s after it started, mid-body, although the server never stops sending.
    expect(await servedCount(3)).toHaveLength(3);
    for (const s of served) {
      expect(s.closedEarly).toBe(true);
      expect(s.written).toBeGreaterThan(0);
      expect(s.duration).toBeGreaterThanOrEqual(450);
      expect(s.duration).toBeLessThan(1000);
    }
    // (retryTimes + 1) × 0.5 s, plus whatever backoff RetryMiddleware waits between attempts.
    expect(elapsed).toBeLessThan(6000);
    expect(result.stats['retry/reason_count/TimeoutError']).toBe(2);
    expect(result.stats['retry/max_reached']).toBe(1);
    expect(result.stats['downloader/exception_type_count/TimeoutError']).toBe(3);
    expect(messages(logs, 'ERROR')).toEqual([
      `Gave up retrying <GET ${url}> (failed 3 times): TimeoutError`,
      `Error downloading <GET ${url}>: Download of ${url} timed out after 0.5 s`,
    ]);
  });

  it('times out a server that hangs before sending headers', async () => {
    const { items, result, logs, url } = await run('/hang', { downloadTimeout: 0.5 }, { maxRetryTimes: 0 });
    expect(items).toEqual([]);
    expect(await servedCount(1)).toHaveLength(1);
    expect(served[0]!.duration).toBeGreaterThanOrEqual(450);
    expect(served[0]!.duration).toBeLessThan(1000);
    expect(result.stats['downloader/exception_type_count/TimeoutError']).toBe(1);
    expect(messages(logs, 'ERROR')).toContain(`Error downloading <GET ${url}>: Download of ${url} timed out after 0.5 s`);
  });

  it('meta.downloadTimeout overrides the setting, both ways', async () => {
    const short = await run('/hang', { downloadTimeout: 10 }, { downloadTimeout: 0.3, maxRetryTimes: 0 });
    await servedCount(1);
    expect(served[0]!.duration).toBeGreaterThanOrEqual(250);
    expect(served[0]!.duration).toBeLessThan(800);
    expect(messages(short.logs, 'ERROR')).toContain(`Error downloading <GET ${short.url}>: Download of ${short.url} timed out after 0.3 s`);

    const long = await run('/slow-json', { downloadTimeout: 0.3 }, { downloadTimeout: 5, maxRetryTimes: 0 });
    expect(long.items).toEqual([{ status: 200, size: 13, json: { id: 'slow' } }]);
    expect(messages(long.logs, 'ERROR')).toEqual([]);
  });
});

describe('downloadMaxsize', () => {
  it('cancels a chunked body mid-stream once it passes the max, without retrying', async () => {
    const { items, result, logs, url } = await run('/chunked-5k', { downloadMaxsize: 1000 });
    expect(items).toEqual([]);
    expect(server.hits).toHaveLength(1);
    expect(result.stats['retry/count']).toBeUndefined();
    expect(result.stats['downloader/exception_type_count/DownloadMaxsizeExceeded']).toBe(1);
    // The server was still writing when the connection went.
    await servedCount(1);
    expect(served[0]!.closedEarly).toBe(true);
    expect(served[0]!.written).toBeLessThan(5000);
    const errors = messages(logs, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^Error downloading <GET ${url}>: Cancelling download of ${url}: received (\\d+) bytes larger than download max size \\(1000\\)$`),
    );
    const received = Number(/received (\d+) bytes/.exec(errors[0]!)![1]);
    expect(received).toBeGreaterThan(1000);
    expect(received).toBeLessThan(5000);
  });

  it('aborts as soon as a Content-Length over the max arrives, before the body is sent', async () => {
    const { items, result, logs, url } = await run('/announced-5k', { downloadMaxsize: 1000 });
    expect(items).toEqual([]);
    expect(server.hits).toHaveLength(1);
    expect(result.stats['retry/count']).toBeUndefined();
    await servedCount(1);
    expect(served[0]!.closedEarly).toBe(true);
    expect(served[0]!.written).toBe(0);
    expect(served[0]!.duration).toBeLessThan(300);
    expect(messages(logs, 'ERROR')).toEqual([
      `Error downloading <GET ${url}>: Cancelling download of ${url}: expected response size (5000) larger than download max size (1000)`,
    ]);
  });

  it('stops decoding a compressed body at the max (a small gzip body that inflates past it)', async () => {
    const { items, result, logs, url } = await run('/gzip-bomb', { downloadMaxsize: 1000 });
    expect(items).toEqual([]);
    expect(server.hits).toHaveLength(1);
    expect(result.stats['retry/count']).toBeUndefined();
    const errors = messages(logs, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^Error downloading <GET ${url}>: Cancelling download of ${url}: its gzip body \\(\\d+ bytes\\) decodes to more than download max size \\(1000\\)$`),
    );
  });

  it.each(['/gzip', '/deflate', '/deflate-raw', '/br'])('%s: decodes a compressed body within the max, without its encoded headers', async (path) => {
    let headers: Record<string, unknown> = {};
    class Decoding extends Spider {
      static override spiderName = 'decoding';
      override async *start() {
        yield this.request(`${server.url}${path}`);
      }
      override parse(response: Response) {
        headers = response.headers;
        return response.json() as object;
      }
    }
    const { items, logs } = await runSpider(Decoding, { settings: { downloadMaxsize: 1000 } });
    expect(items).toEqual([{ data: 'a'.repeat(100) }]);
    expect(headers['content-encoding']).toBeUndefined();
    expect(headers['content-length']).toBeUndefined();
    expect(server.hits[0]!.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(messages(logs, 'ERROR')).toEqual([]);
  });
});

describe('downloadWarnsize', () => {
  it('warns about a body over the warn size, naming the URL and sizes, and still parses it', async () => {
    const { items, logs, url } = await run('/json-2k', { downloadWarnsize: 1000 });
    expect(items).toHaveLength(1);
    const item = items[0] as { status: number; size: number; json: { pad: string } };
    expect(item.size).toBe(2000);
    expect(item.json.pad).toHaveLength(1990);
    expect(messages(logs, 'WARNING')).toEqual([`Received (2000) bytes larger than download warn size (1000) in request <GET ${url}>.`]);
  });
});

describe('truncated bodies', () => {
  it.each(['/truncated-end', '/truncated-destroy'])('%s: a body shorter than its Content-Length is retried, then given up', async (path) => {
    const { items, result, logs, url } = await run(path);
    expect(items).toEqual([]);
    expect(server.hits.map((h) => h.path)).toEqual([path, path, path]);
    // got rejects the short body (ReadError ECONNRESET); RetryMiddleware retries it as a network error.
    expect(result.stats['retry/reason_count/ECONNRESET']).toBe(2);
    expect(result.stats['downloader/exception_type_count/ECONNRESET']).toBe(3);
    expect(messages(logs, 'ERROR')).toEqual([
      `Gave up retrying <GET ${url}> (failed 3 times): ECONNRESET`,
      `Error downloading <GET ${url}>: Download of ${url} failed while reading the body: The server aborted pending request`,
    ]);
  });

  it('a body truncated once and then served whole reaches the callback', async () => {
    const { items, result, logs } = await run('/truncated-once');
    expect(server.hits).toHaveLength(2);
    expect(items).toEqual([{ status: 200, size: 14, json: { id: 'whole' } }]);
    expect(result.stats['retry/reason_count/ECONNRESET']).toBe(1);
    expect(messages(logs, 'ERROR')).toEqual([]);
  });
});
