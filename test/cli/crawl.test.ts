/**
 * The crawl and teinei commands as spawned processes against a loopback server.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const project = join(root, 'test', 'fixtures', 'project');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: 'crawl' | 'teinei', args: string[], onSpawn?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', `${bin}.js`), ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    onSpawn?.(child);
  });
}

let server: http.Server;
let baseUrl: string;
let hits = 0;
const tmp = mkdtempSync(join(tmpdir(), 'teinei-cli-'));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits++;
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/slow') {
      const page = Number(url.searchParams.get('page'));
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ items: [{ id: page }], next: `/slow?count=1&page=${page + 1}` }));
      }, 200);
      return;
    }
    if (url.pathname === '/broken') {
      res.writeHead(500).end('no');
      return;
    }
    const count = Number(url.searchParams.get('count'));
    const page = Number(url.searchParams.get('page'));
    const items = Array.from({ length: count }, (_, i) => ({ id: (page - 1) * count + i + 1, name: `店舗${i}` }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ items, next: page < 3 ? `/pages?count=${count}&page=${page + 1}` : null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('crawl', () => {
  it('crawls, writes -O output atomically and exits 0 with a summary', async () => {
    const out = join(tmp, 'pages.jsonl');
    const result = await run('crawl', ['pages', '--base-url', baseUrl, '--count', '5', '-O', out]);
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(result.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number });
    expect(lines.map((l) => l.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(existsSync(`${out}.part`)).toBe(false);
    expect(result.stdout).toMatch(/pages: finished/);
    expect(result.stdout).toMatch(/items\s+15 scraped/);
    expect(result.stdout).toMatch(/200×3/);
  });

  it('-o appends, -O overwrites', async () => {
    const out = join(tmp, 'append.jsonl');
    await run('crawl', ['pages', '--base-url', baseUrl, '--count', '2', '-o', out]);
    await run('crawl', ['pages', '--base-url', baseUrl, '--count', '2', '-o', out]);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(12);
    await run('crawl', ['pages', '--base-url', baseUrl, '--count', '2', '-O', out]);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('exits 2 naming the flag when --count is out of range, before any request', async () => {
    const before = hits;
    const result = await run('crawl', ['pages', '--base-url', baseUrl, '--count', '101']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--count/);
    expect(result.stderr).toMatch(/100/);
    expect(hits).toBe(before);
  });

  it('exits 2 for a non-number --count and for an unknown flag', async () => {
    const notNumber = await run('crawl', ['pages', '--base-url', baseUrl, '--count', 'many']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toMatch(/--count/);
    const unknown = await run('crawl', ['pages', '--base-url', baseUrl, '--cuont', '5']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--cuont/);
    expect(unknown.stderr).toMatch(/--count/);
  });

  it('exits 2 for an unknown spider and lists the known ones', async () => {
    const result = await run('crawl', ['nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Unknown spider "nope"/);
    expect(result.stderr).toMatch(/other, pages/);
  });

  it('exits 2 for an invalid setting, naming key and value, in Scrapy spelling too', async () => {
    const result = await run('crawl', ['pages', '--base-url', baseUrl, '-s', 'DOWNLOAD_DELAY=-3']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/downloadDelay/);
    expect(result.stderr).toMatch(/-3/);
  });

  it('accepts -s in Scrapy spelling and --log-level', async () => {
    const result = await run('crawl', ['pages', '--base-url', baseUrl, '--count', '1', '-s', 'CONCURRENT_REQUESTS=2', '--log-level', 'DEBUG']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/DEBUG/);
  });

  it('exits 1 when errors were logged (retries given up)', async () => {
    const result = await run('crawl', ['pages', '--base-url', baseUrl, '--path', '/broken']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Gave up retrying .*\/broken/);
    expect(result.stdout).toMatch(/500×2/);
  });
});

describe('crawl on a terminal', () => {
  it('draws a live line (requests, items, rate) on a TTY and still prints the summary', async () => {
    // `script` (util-linux) gives the child a pseudo-terminal, as a person's shell would.
    const command = `${process.execPath} ${join(root, 'bin', 'crawl.js')} pages --base-url ${baseUrl} --path /slow --count 1 -s closespiderPagecount=4`;
    const result = await new Promise<Run>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr: '' }));
    });
    expect(result.stdout).toMatch(/\r\x1b\[2Kpages: \d+ requests, \d+ items, [\d.]+ req\/s/);
    expect(result.stdout).toMatch(/pages: closespider_pagecount in/);
  });
});

describe('crawl graceful stop', () => {
  it('stops on SIGINT: in-flight requests finish, the feed is committed, exit 1 with reason shutdown', async () => {
    const out = join(tmp, 'stopped.jsonl');
    const started = hits;
    let signalledAt = 0;
    const result = await run('crawl', ['pages', '--base-url', baseUrl, '--path', '/slow', '--count', '1', '-O', out], (child) => {
      const timer = setInterval(() => {
        if (hits - started >= 3) {
          clearInterval(timer);
          signalledAt = Date.now();
          child.kill('SIGINT');
        }
      }, 20);
    });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/pages: shutdown/);
    expect(existsSync(`${out}.part`)).toBe(false);
    const items = readFileSync(out, 'utf8').trim().split('\n');
    expect(items.length).toBeGreaterThanOrEqual(3);
    const after = hits;
    await new Promise((r) => setTimeout(r, 400));
    expect(hits).toBe(after);
  });
});

describe('teinei', () => {
  it('lists the spiders with their flags', async () => {
    const result = await run('teinei', ['list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^other\b/m);
    expect(result.stdout).toMatch(/^pages\tspiders\/pages\.ts\t--base-url --count --path$/m);
  });

  it('prints every setting with its default', async () => {
    const result = await run('teinei', ['settings']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^concurrentRequestsPerDomain = 1$/m);
    expect(result.stdout).toMatch(/^downloadDelay = 1$/m);
  });
});
