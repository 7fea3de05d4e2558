/**
 * Progress while a crawl runs: MemorySlots.slowest(), the live TTY line (requests, items, rate,
 * retries, slowest slot), and the LogStats lines that replace it when stderr is not a terminal.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveLine } from '../../src/cli/summary.js';
import { describeSlowestSlot, MemorySlots } from '../../src/core/slots.js';
import { StatsCollector } from '../../src/core/stats.js';
import { sendJson, startServer, type TestServer } from '../helpers/server.js';

const root = join(import.meta.dirname, '..', '..');
const project = join(root, 'test', 'fixtures', 'project');

describe('MemorySlots.slowest', () => {
  it('is undefined without slots, then the slot with the biggest delay, then a longer pause', async () => {
    const delays: Record<string, number> = { 'a.test': 0.5, 'b.test': 1.5, 'c.test': 0 };
    const slots = new MemorySlots((key) => ({ concurrency: 1, delay: delays[key] ?? 0, randomizeDelay: false }));
    expect(slots.slowest()).toBeUndefined();
    for (const key of Object.keys(delays)) await slots.run(key, async () => undefined);
    expect(slots.slowest()).toEqual({ key: 'b.test', delaySeconds: 1.5, paused: false });
    slots.pauseUntil('a.test', Date.now() + 30_000);
    const paused = slots.slowest()!;
    expect(paused.key).toBe('a.test');
    expect(paused.paused).toBe(true);
    expect(paused.delaySeconds).toBeGreaterThan(29);
    expect(paused.delaySeconds).toBeLessThanOrEqual(30);
    slots.setDelay('c.test', 45);
    expect(slots.slowest()).toEqual({ key: 'c.test', delaySeconds: 45, paused: false });
    await slots.close();
  });

  it('is described for a person, and not at all when nothing is slowed', () => {
    expect(describeSlowestSlot({ key: 'api.partner.test', delaySeconds: 1.5, paused: false })).toBe('slowest slot api.partner.test 1.5 s');
    expect(describeSlowestSlot({ key: 'api.partner.test', delaySeconds: 29.64, paused: true })).toBe('slowest slot api.partner.test 30 s paused');
    expect(describeSlowestSlot({ key: 'x', delaySeconds: 0, paused: false })).toBe('');
    expect(describeSlowestSlot(undefined)).toBe('');
  });
});

describe('LiveLine', () => {
  it('draws requests, items, rate, retries and the slowest slot, and clears itself around log lines', async () => {
    let written = '';
    const stream = { columns: 200, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
    const stats = new StatsCollector();
    stats.inc('downloader/request_count', 12);
    stats.inc('item_scraped_count', 30);
    stats.inc('retry/count', 2);
    const slots = new MemorySlots(() => ({ concurrency: 1, delay: 1.5, randomizeDelay: false }));
    await slots.run('api.partner.test', async () => undefined);
    const live = new LiveLine(stream, [{ name: 'partnerA', stats, slots }]);
    live.start();
    const logged: string[] = [];
    live.wrap((record) => logged.push(`[${written.length}] ${record.message}`))({ time: new Date(), level: 'INFO', source: 'partnerA', message: 'hello' });
    live.stop();
    expect(logged).toEqual(['[0] hello']);
    expect(written).toMatch(/^\r\x1b\[2KpartnerA: 12 requests, 30 items, [\d.]+ req\/s, 2 retries, slowest slot api\.partner\.test 1\.5 s\r\x1b\[2K$/);
    await slots.close();
  });
});

let server: TestServer;
let throttled = 0;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.path, 'http://x');
    const page = Number(url.searchParams.get('page'));
    const next = `${url.pathname}?count=1&page=${page + 1}`;
    // The first request to /throttled is told to come back in 2 s (a pause of the whole slot).
    if (url.pathname === '/throttled' && throttled++ === 0) {
      res.writeHead(429, { 'retry-after': '2' }).end();
      return;
    }
    setTimeout(() => sendJson(res, { items: [{ id: page }], next }), 100);
  });
});

afterAll(() => server.close());

interface Run {
  code: number | null;
  out: string;
}

/** Runs `crawl` with stderr a pipe (stdio 'pipe') or, through `script`, a pseudo-terminal. */
function crawl(args: string[], tty: boolean): Promise<Run> {
  const crawlArgs = [join(root, 'bin', 'crawl.js'), ...args];
  return new Promise((resolve) => {
    const child = tty
      ? spawn('script', ['-qec', [process.execPath, ...crawlArgs].join(' '), '/dev/null'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, crawlArgs, { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    // Through `script` stdout carries the terminal (stderr included); otherwise keep stderr only.
    (tty ? child.stdout : child.stderr).on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('crawl progress', () => {
  it('on a TTY the live line shows retries and the slowest slot with its delay', async () => {
    const result = await crawl(['pages', '--base-url', server.url, '--path', '/slow', '--count', '1', '-s', 'closespiderPagecount=4', '-s', 'downloadDelay=0.4', '-s', 'randomizeDownloadDelay=false'], true);
    expect(result.out).toMatch(/\r\x1b\[2Kpages: \d+ requests, \d+ items, [\d.]+ req\/s, 0 retries, slowest slot 127\.0\.0\.1 0\.4 s/);
    expect(result.out).toMatch(/pages: closespider_pagecount in/);
  });

  it('off a TTY there is no live line; LogStats lines name the slowest slot, and a partner\'s pause', async () => {
    const result = await crawl(['pages', '--base-url', server.url, '--path', '/throttled', '--count', '1', '-s', 'closespiderPagecount=3', '-s', 'logstatsInterval=0.3', '-s', 'downloadDelay=0.2', '-s', 'randomizeDownloadDelay=false'], false);
    expect(result.out).not.toContain('\x1b[2K');
    expect(result.out).toMatch(/INFO: Crawled \d+ pages \(at \d+ pages\/min\), scraped \d+ items \(at \d+ items\/min\); slowest slot 127\.0\.0\.1 [\d.]+ s paused$/m);
    expect(result.out).toMatch(/INFO: Crawled \d+ pages \(at \d+ pages\/min\), scraped \d+ items \(at \d+ items\/min\); slowest slot 127\.0\.0\.1 0\.2 s$/m);
  });
});
