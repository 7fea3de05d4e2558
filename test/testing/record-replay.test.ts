/**
 * Spider fixtures: record a crawl through the HTTP cache store (runSpider({ record }) and
 * `crawl --record`), then replay it with runSpider({ replay }) without the network.
 *
 * The server counts TCP connections, so "replay makes no connection" is measured, not assumed.
 * The CLI part uses the fixture project's `pages` spider, which imports 'teinei' (dist/), so that
 * part replays with dist's runSpider too (one from src/ would not recognise its Request class).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runSpider as runSpiderDist } from 'teinei';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/log.js';
import { Spider, type Response } from '../../src/index.js';
import { ReplayFixturesError, runSpider, type RunSpiderOptions } from '../../src/testing/run-spider.js';
import Pages from '../fixtures/project/spiders/pages.js';

const root = join(import.meta.dirname, '..', '..');
const project = join(root, 'test', 'fixtures', 'project');

/** A partner: 3 pages of items, a robots.txt, a path that always fails, and a data version. */
async function startPartner() {
  const partner = { url: '', connections: 0, hits: [] as string[], close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    partner.hits.push(req.url!);
    const url = new URL(req.url!, 'http://x');
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('User-agent: *\nDisallow: /private\n');
      return;
    }
    if (url.pathname === '/broken') return json({ error: 'down' }, 500);
    if (url.pathname === '/pages') {
      const count = Number(url.searchParams.get('count') ?? 2);
      const page = Number(url.searchParams.get('page'));
      const items = Array.from({ length: count }, (_, i) => ({ id: (page - 1) * count + i + 1, name: `店舗${i} v${version}` }));
      return json({ items, next: page < 3 ? `/pages?count=${count}&page=${page + 1}` : null });
    }
    json({ error: 'no such path' }, 404);
  });
  server.on('connection', () => partner.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  partner.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  partner.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return partner;
}

let partner: Awaited<ReturnType<typeof startPartner>>;
let baseUrl: string;
let version = 1;
beforeAll(async () => {
  partner = await startPartner();
  baseUrl = partner.url;
});
afterAll(() => partner.close());

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'teinei-fixtures-'));
  version = 1;
  return () => rmSync(dir, { recursive: true, force: true });
});

/** Pages of the test server; obeys robots.txt, tries a disallowed URL and a broken one on page 1. */
class Catalog extends Spider {
  static override spiderName = 'catalog';
  // A replay that kept these waits would take seconds per request; replay must drop them.
  static override customSettings = { robotstxtObey: true, downloadDelay: 2, randomizeDownloadDelay: false, autothrottleEnabled: true };
  declare args: { baseUrl: string; extra?: string };

  override async *start() {
    yield this.request(`${this.args.baseUrl}/pages?count=2&page=1`, { callback: this.parse });
    if (this.args.extra) yield this.request(`${this.args.baseUrl}${this.args.extra}`, { callback: this.parse });
  }

  override async *parse(response: Response) {
    const page = response.json<{ items: object[]; next: string | null }>();
    yield* page.items;
    if (response.url.endsWith('page=1')) {
      yield response.follow('/private/secret', { callback: this.parse });
      yield response.follow('/broken', { callback: this.parse });
    }
    if (page.next) yield response.follow(page.next, { callback: this.parse });
  }
}

/** Runs Catalog with logs captured; recording is fast (no delay, short backoff), replay adds nothing. */
async function run(options: RunSpiderOptions & { logs?: LogRecord[] }) {
  const logs = options.logs ?? [];
  const settings = options.record ? { downloadDelay: 0, autothrottleEnabled: false, retryBackoffBase: 0.01, logstatsInterval: 0 } : {};
  return runSpider<{ id: number; name: string }>(Catalog, { args: { baseUrl }, settings, logSink: (r) => void logs.push(r), ...options });
}

describe('record and replay', () => {
  it('records every response through the cache store and replays the same run with no connection', async () => {
    partner.hits = [];
    const recorded = await run({ record: dir });
    expect(recorded.closeReason).toBe('finished');
    expect(recorded.items.map((i) => i.id)).toEqual([1, 2, 3, 4, 5, 6]);
    // robots.txt, 3 pages and the final 500 (after 2 retries) are stored; /private was never fetched.
    expect(recorded.stats['httpcache/store']).toBe(5);
    expect(partner.hits.filter((h) => h === '/broken')).toHaveLength(3);
    expect(partner.hits.some((h) => h.startsWith('/private'))).toBe(false);
    // The HTTP cache's own layout: keyv metadata files and gzip bodies.
    expect(readdirSync(join(dir, 'meta')).filter((f) => f.endsWith('.json'))).toHaveLength(5);
    expect(readdirSync(join(dir, 'bodies')).filter((f) => f.endsWith('.gz'))).toHaveLength(5);

    const signalListeners = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    partner.connections = 0;
    partner.hits = [];
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      const replayed = await run({ replay: dir });
      // The spider asks for 2 s between requests and AutoThrottle; a replay waits for none of it (~50 ms; slack for a loaded CI).
      expect(performance.now() - started).toBeLessThan(2500);
      expect(replayed.items).toEqual(recorded.items);
      expect(replayed.closeReason).toBe('finished');
      expect(replayed.requests.map((r) => r.url)).toEqual(recorded.requests.map((r) => r.url));
      expect(replayed.requests.map((r) => new URL(r.url).pathname + new URL(r.url).search)).toEqual([
        '/pages?count=2&page=1',
        '/private/secret',
        '/broken',
        '/pages?count=2&page=2',
        '/pages?count=2&page=3',
      ]);
      expect(replayed.stats['httpcache/hit']).toBe(5);
      expect(replayed.stats['robotstxt/forbidden']).toBe(1);
      // The recorded 500 is replayed as the spider saw it: ignored by HttpErrorMiddleware, not retried.
      expect(replayed.stats['httperror/response_ignored_status_count/500']).toBe(1);
      expect(replayed.stats['retry/count']).toBeUndefined();
      expect(replayed.stats['downloader/request_count']).toBeUndefined();
    }
    expect(partner.connections).toBe(0);
    expect(partner.hits).toEqual([]);
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(signalListeners);
  });

  it('replays with the partner stopped, from a path relative to the working directory', async () => {
    const own = await startPartner();
    const recorded = await run({ record: dir, args: { baseUrl: own.url } });
    expect(recorded.items).toHaveLength(6);
    await own.close();
    // Its port is closed now: any download would fail with ECONNREFUSED and lose items.
    const replayed = await run({ replay: relative(process.cwd(), dir), args: { baseUrl: own.url } });
    expect(replayed.items).toEqual(recorded.items);
    // The only exception is robots.txt's IgnoreRequest for /private, as when recording: no ECONNREFUSED.
    expect(replayed.stats['downloader/exception_count']).toBe(1);
    expect(replayed.stats['downloader/exception_type_count/IgnoreRequest']).toBe(1);
    expect(replayed.stats['log_count/ERROR']).toBeUndefined();
    expect(replayed.closeReason).toBe('finished');
  });

  it('fails a request missing from the fixtures with an error naming it and the record command', async () => {
    await run({ record: dir });
    partner.connections = 0;
    const logs: LogRecord[] = [];
    const error = await run({ replay: dir, args: { baseUrl, extra: '/extra?x=1' }, logs }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReplayFixturesError);
    const e = error as ReplayFixturesError;
    expect(e.message).toContain(`GET ${baseUrl}/extra?x=1`);
    expect(e.message).toContain(`crawl catalog --record ${dir} --base-url ${baseUrl} --extra '/extra?x=1'`);
    expect(e.missing.map((m) => m.url)).toEqual([`${baseUrl}/extra?x=1`]);
    // The rest of the run still replayed, and the failure was logged as it happened.
    expect(e.result.items).toHaveLength(6);
    expect(logs.some((r) => r.level === 'ERROR' && r.message.includes(`Not in the replay fixtures: GET ${baseUrl}/extra?x=1`))).toBe(true);
    expect(partner.connections).toBe(0);
  });

  it('fails when the fixtures directory does not exist, saying how to record it', async () => {
    await expect(run({ replay: join(dir, 'nope') })).rejects.toThrow(/no fixtures at .*nope; record them first: crawl catalog --record/);
  });

  it('records afresh: a second recording overwrites what the first stored', async () => {
    await run({ record: dir });
    expect((await run({ replay: dir })).items[0]!.name).toBe('店舗0 v1');
    version = 2;
    partner.hits = [];
    await run({ record: dir });
    // Every page was downloaded again, none served from the old entries.
    expect(partner.hits.filter((h) => h.startsWith('/pages'))).toHaveLength(3);
    const replayed = await run({ replay: dir });
    expect(replayed.items.map((i) => i.name)).toEqual(['店舗0 v2', '店舗1 v2', '店舗0 v2', '店舗1 v2', '店舗0 v2', '店舗1 v2']);
  });
});

describe('crawl --record', () => {
  function crawl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [join(root, 'bin', 'crawl.js'), ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('records a CLI crawl that runSpider then replays offline', async () => {
    partner.hits = [];
    const result = await crawl(['pages', '--base-url', baseUrl, '--count', '2', '--record', dir]);
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/HTTP cache in record mode/);
    expect(partner.hits).toHaveLength(3);
    expect(existsSync(join(dir, 'meta'))).toBe(true);

    partner.connections = 0;
    const replayed = await runSpiderDist(Pages, { args: { baseUrl, count: 2 }, replay: dir, logSink: () => {} });
    expect(replayed.closeReason).toBe('finished');
    expect((replayed.items as Array<{ id: number }>).map((i) => i.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(replayed.requests).toHaveLength(3);
    expect(partner.connections).toBe(0);

    // Other arguments are other URLs: not in the fixtures, and the error says how to record them.
    await expect(runSpiderDist(Pages, { args: { baseUrl, count: 3 }, replay: dir, logSink: () => {} })).rejects.toThrow(
      `crawl pages --record ${dir} --base-url ${baseUrl} --count 3`,
    );
    expect(partner.connections).toBe(0);
  });

  it('lists --record in the usage text', async () => {
    const result = await crawl(['--help']);
    expect(result.stdout).toMatch(/--record <dir>/);
  });
});
