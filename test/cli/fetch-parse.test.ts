/**
 * `teinei fetch` and `teinei parse` as spawned processes, in a consumer project, against a
 * loopback partner that records what it receives.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const root = join(import.meta.dirname, '..', '..');
const project = mkdtempSync(join(tmpdir(), 'teinei-fetch-'));

type Run = { code: number | null; stdout: string; stderr: string };

function teinei(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'teinei.js'), ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d));
    child.stderr.on('data', (d: Buffer) => (out.stderr += d));
    child.on('exit', (code) => resolve({ code, ...out }));
  });
}

// A feed in the project config: fetch and parse must not write it (nor any pipeline or notifier).
const config = `import { defineConfig } from 'teinei';
export default defineConfig({
  spiders: ['spiders/*.ts'],
  settings: { contact: 'mailto:tests@example.com', downloadDelay: 0, logstatsInterval: 0, retryTimes: 1, retryBackoffBase: 0.01, feeds: { 'out/%(name)s.jsonl': { format: 'jsonlines' } } },
});
`;
const spider = `import { Spider, type Response } from 'teinei';
import { z } from 'zod';

export default class Shops extends Spider {
  static override spiderName = 'shops';
  static override args = z.object({ baseUrl: z.url().optional(), tag: z.string().default('none') });
  declare args: z.infer<typeof Shops.args>;
  static override customSettings = { defaultRequestHeaders: { Accept: 'application/json', 'X-Partner-Key': 'k-123' } };

  override async *start() {}

  override async *parse(response: Response) {
    const page = response.json<{ items: Array<{ id: number }>; next: string | null }>();
    for (const item of page.items) yield { ...item, tag: this.args.tag };
    if (page.next) yield response.follow(page.next, { callback: this.parseDetail });
  }

  parseDetail(response: Response) {
    return [{ headers: response.json(), tag: this.args.tag }];
  }

  async *parseBroken(response: Response) {
    yield { status: response.status };
    throw new Error('the partner changed its format');
  }
}
`;

let server: TestServer;
const paths = () => server.hits.map((hit) => hit.path);

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.path, 'http://x');
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    if (url.pathname === '/shops') {
      const page = Number(url.searchParams.get('page'));
      return json(200, { items: [{ id: page * 10 + 1 }, { id: page * 10 + 2 }], next: `/shops?page=${page + 1}` });
    }
    if (url.pathname === '/echo') return json(200, req.headers);
    if (url.pathname === '/plain') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('hello, <b>partner</b>\n');
    if (url.pathname === '/robots.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /private\n');
    if (url.pathname === '/boom') return json(500, { error: 'database down' });
    json(404, { error: 'no such shop' });
  });
  // A consumer project as `npm install teinei zod` leaves it.
  for (const dir of ['node_modules', 'spiders']) mkdirSync(join(project, dir));
  symlinkSync(root, join(project, 'node_modules', 'teinei'), 'dir');
  symlinkSync(join(root, 'node_modules', 'zod'), join(project, 'node_modules', 'zod'), 'dir');
  writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }');
  writeFileSync(join(project, 'teinei.config.ts'), config);
  writeFileSync(join(project, 'spiders', 'shops.ts'), spider);
});

afterAll(async () => {
  await server.close();
  rmSync(project, { recursive: true, force: true });
});

describe('teinei fetch', () => {
  it("prints the status line, headers and indented JSON, sent with the project's User-Agent", async () => {
    const result = await teinei(['fetch', `${server.url}/shops?page=1`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^HTTP 200 OK\ncontent-type: application\/json; charset=utf-8\n/);
    expect(result.stdout).toContain('\n\n{\n  "items": [\n    {\n      "id": 11\n    },');
    expect(result.stdout).toContain('"next": "/shops?page=2"\n}\n');
    const hit = server.hits.at(-1)!;
    expect(hit.headers['user-agent']).toMatch(/^teinei\/\S+ \(\+mailto:tests@example\.com\)$/);
    expect(hit.headers['x-partner-key']).toBeUndefined();
  });

  it("sends the spider's settings with --spider, and -s wins over them", async () => {
    const result = await teinei(['fetch', `${server.url}/echo`, '--spider', 'shops', '-s', 'USER_AGENT=probe/1.0']);
    expect(result.code).toBe(0);
    const hit = server.hits.at(-1)!;
    expect(hit.headers['x-partner-key']).toBe('k-123');
    expect(hit.headers['user-agent']).toBe('probe/1.0');
    expect(result.stdout).toContain('"x-partner-key": "k-123"');
  });

  it('prints HTTP error responses too, and exits 1', async () => {
    const missing = await teinei(['fetch', `${server.url}/missing`]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^HTTP 404 Not Found\n/);
    expect(missing.stdout).toContain('{\n  "error": "no such shop"\n}');
    const boom = await teinei(['fetch', `${server.url}/boom`]);
    expect(boom.code).toBe(1);
    expect(boom.stdout).toMatch(/^HTTP 500 Internal Server Error\n/);
    expect(boom.stdout).toContain('"error": "database down"');
    // Retries still apply (retryTimes 1 in the project): the last answer is the one shown.
    expect(paths().filter((p) => p === '/boom')).toHaveLength(2);
  });

  it('prints a body that is not JSON as it came', async () => {
    const result = await teinei(['fetch', `${server.url}/plain`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\ncontent-type: text\/plain\n[^]*\n\nhello, <b>partner<\/b>\n$/);
  });

  it('obeys robots.txt when the settings ask, exiting 1 without requesting the URL', async () => {
    const result = await teinei(['fetch', `${server.url}/private`, '-s', 'ROBOTSTXT_OBEY=true']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Forbidden by robots\.txt/);
    expect(paths()).toContain('/robots.txt');
    expect(paths()).not.toContain('/private');
  });

  it('answers a second fetch from the HTTP cache when it is on', async () => {
    const cache = ['-s', 'HTTPCACHE_ENABLED=true', '-s', `HTTPCACHE_DIR=${join(project, 'cache')}`];
    expect((await teinei(['fetch', `${server.url}/shops?page=7`, ...cache])).code).toBe(0);
    const hits = server.hits.length;
    const second = await teinei(['fetch', `${server.url}/shops?page=7`, ...cache]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('"id": 71');
    expect(second.stderr).toMatch(/\[cached\]/);
    expect(server.hits.length).toBe(hits);
  });

  it('exits 1 when nothing answers, and 2 on bad usage', async () => {
    const refused = await teinei(['fetch', 'http://127.0.0.1:1/x', '-s', 'RETRY_ENABLED=false']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no response from http:\/\/127\.0\.0\.1:1\/x/);
    expect((await teinei(['fetch', 'not-a-url'])).code).toBe(2);
    expect((await teinei(['fetch'])).code).toBe(2);
    const unknown = await teinei(['fetch', `${server.url}/x`, '--spider', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown spider "nope"\. Known spiders: shops/);
    expect((await teinei(['fetch', `${server.url}/x`, '-s', 'DOWNLOAD_DELAY=-1'])).stderr).toMatch(/downloadDelay/);
  });
});

describe('teinei parse', () => {
  /** The items JSON and the request lines of parse's output. */
  function sections(stdout: string): { items: unknown[]; requests: string[] } {
    const [itemsPart = '', requestsPart = ''] = stdout.split(/^# Requests \(\d+\), not followed\n/m);
    return { items: JSON.parse(itemsPart.replace(/^# Items.*\n/, '')) as unknown[], requests: requestsPart.split('\n').filter(Boolean) };
  }

  it('runs parse on the response and prints its items and requests, without following them', async () => {
    const result = await teinei(['parse', `${server.url}/shops?page=3`, '--spider', 'shops']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^# Items \\(2\\) from ${server.url}/shops\\?page=3\\n`));
    expect(sections(result.stdout)).toEqual({ items: [{ id: 31, tag: 'none' }, { id: 32, tag: 'none' }], requests: [`GET ${server.url}/shops?page=4 parseDetail`] });
    expect(paths()).not.toContain('/shops?page=4');
  });

  it('runs the --callback with spider arguments given as -a or --flag, through the spider settings', async () => {
    const dashA = await teinei(['parse', `${server.url}/echo`, '--spider', 'shops', '--callback', 'parseDetail', '-a', 'tag=from-a']);
    expect(dashA.code).toBe(0);
    const { items } = sections(dashA.stdout);
    expect(items).toMatchObject([{ tag: 'from-a', headers: { 'x-partner-key': 'k-123' } }]);
    const flag = await teinei(['parse', `${server.url}/echo`, '--tag', 'from-flag', '--callback', 'parseDetail', '--spider', 'shops']);
    expect(sections(flag.stdout).items).toMatchObject([{ tag: 'from-flag' }]);
  });

  it('exits 1 with the error and its stack when the callback throws, after printing what it yielded', async () => {
    const result = await teinei(['parse', `${server.url}/shops?page=1`, '--spider', 'shops', '--callback', 'parseBroken']);
    expect(result.code).toBe(1);
    expect(sections(result.stdout).items).toEqual([{ status: 200 }]);
    expect(result.stderr).toMatch(/shops\.parseBroken\(\) threw on .*\nError: the partner changed its format\n\s+at /);
  });

  it('exits 1 when the spider does not handle the status, pointing at fetch', async () => {
    const result = await teinei(['parse', `${server.url}/missing`, '--spider', 'shops']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/404.*teinei fetch/);
  });

  it.each([
    [['parse', 'URL', '--spider', 'shops', '--callback', 'nope'], /no method "nope"/],
    [['parse', 'URL', '--spider', 'shops', '--colour', 'red'], /Unknown option --colour for spider shops \(its options: --base-url, --tag\)/],
    [['parse', 'URL', '--spider', 'shops', '--base-url', 'nowhere'], /--base-url: /],
    [['parse', 'URL', '--spider', 'nope'], /Unknown spider "nope"/],
    [['parse', 'URL'], /--spider/],
    [['parse', 'ftp://127.0.0.1/x', '--spider', 'shops'], /Invalid URL/],
  ])('bad usage %j exits 2 before any request', async (args, message) => {
    const before = server.hits.length;
    const result = await teinei((args as string[]).map((a) => a.replace('URL', `${server.url}/shops?page=1`)));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message as RegExp);
    expect(server.hits.length).toBe(before);
  });

  it("never wrote the project's feed", () => {
    expect(existsSync(join(project, 'out'))).toBe(false);
  });
});
