/**
 * `teinei new` end to end: generate a spider per pagination style into a consumer project, then
 * crawl a loopback API with it, typecheck it strictly, record it and run the generated test.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'teinei-new-'));

type Run = { code: number | null; stdout: string; stderr: string };

function run(command: string[], cwd: string): Promise<Run> {
  // A nested vitest must not believe it is a worker of this one.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV')), NO_COLOR: '1' };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, command, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d));
    child.stderr.on('data', (d: Buffer) => (out.stderr += d));
    child.on('exit', (code) => resolve({ code, ...out }));
  });
}
const teinei = (args: string[], cwd: string) => run([join(root, 'bin', 'teinei.js'), ...args], cwd);
const crawl = (args: string[], cwd: string) => run([join(root, 'bin', 'crawl.js'), ...args], cwd);

/** A consumer project as `npm install teinei zod vitest` leaves it, with a strict tsconfig. */
function makeProject(name: string, spidersGlob: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'teinei'), 'dir');
  for (const dep of ['zod', 'vitest', '@types']) symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  writeFileSync(
    join(dir, 'teinei.config.ts'),
    `import { defineConfig } from 'teinei';\nexport default defineConfig({ spiders: ['${spidersGlob}'], settings: { contact: 'mailto:tests@example.com', downloadDelay: 0, logstatsInterval: 0, retryTimes: 1, retryBackoffBase: 0.01 } });\n`,
  );
  const compilerOptions = {
    target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true,
    noImplicitOverride: true, noUnusedLocals: true, noUnusedParameters: true, exactOptionalPropertyTypes: true,
    isolatedModules: true, verbatimModuleSyntax: true, skipLibCheck: true, types: ['node'], noEmit: true,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['**/*.ts'], exclude: ['node_modules', 'out'] }));
  return dir;
}

const total = 25;
const record = (i: number) => ({ id: i, name: `店舗${i}` });
const records = (from: number, count: number) => Array.from({ length: Math.max(0, Math.min(count, total - from)) }, (_, i) => record(from + i + 1));

let server: TestServer;
let project: string;
/** Spider name, --pagination and the first URL's path for each style. */
const styles = [
  { name: 'shopsNext', pagination: 'next-link', path: '/next/shops' },
  { name: 'shopsOffset', pagination: 'offset', path: '/offset/shops?offset=0&limit=10' },
  { name: 'shopsPage', pagination: 'page', path: '/page/shops?page=1' },
  { name: 'shopsCursor', pagination: 'cursor', path: '/cursor/shops?limit=10' },
];

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.path, 'http://x');
    const q = (key: string) => url.searchParams.get(key);
    const json = (body: unknown, headers: Record<string, string> = {}): void => void res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    const self = `http://${req.headers.host}`;
    if (url.pathname === '/next/shops') {
      // Odd pages name the next in the body (relative), even pages in a Link header only.
      const p = Number(q('p') ?? 1);
      const more = p * 10 < total;
      if (p % 2 === 1) return json({ items: records((p - 1) * 10, 10), next: more ? `/next/shops?p=${p + 1}` : null });
      return json({ items: records((p - 1) * 10, 10) }, more ? { link: `<${self}/next/shops?p=1>; rel="first", <${self}/next/shops?p=${p + 1}>; rel="next"` } : {});
    }
    // The server caps pages at 7 whatever the limit: the spider must move by what it got.
    if (url.pathname === '/offset/shops') return json({ total, data: records(Number(q('offset')), Math.min(Number(q('limit')), 7)) });
    if (url.pathname === '/page/shops') return json(records((Number(q('page')) - 1) * 10, 10));
    if (url.pathname === '/cursor/shops') {
      const from = q('cursor') ? Number(Buffer.from(q('cursor')!, 'base64url').toString()) : 0;
      const next = from + 10 < total ? Buffer.from(String(from + 10)).toString('base64url') : null;
      return json({ shops: records(from, Number(q('limit'))), next_cursor: next });
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  project = makeProject('consumer', 'spiders/*.ts');
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('teinei new', () => {
  it('writes a spider and its test for each pagination style, and prints next steps', async () => {
    for (const { name, pagination, path } of styles) {
      const result = await teinei(['new', name, '--url', `${server.url}${path}`, '--pagination', pagination], project);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Created spiders/${name}.ts`);
      expect(result.stdout).toMatch(new RegExp(`^  crawl ${name} -O out/${name}\\.jsonl`, 'm'));
      expect(result.stdout).toMatch(new RegExp(`^  crawl ${name} --record fixtures/${name}`, 'm'));
      // Next to the spider: the project loader skips *.test.* files that spiders/*.ts matches.
      expect(readFileSync(join(project, 'spiders', `${name}.test.ts`), 'utf8')).toContain(`await runSpider(`);
    }
    expect(readdirSync(join(project, 'spiders')).sort()).toEqual(styles.flatMap((s) => [`${s.name}.test.ts`, `${s.name}.ts`]).sort());
    const test = readFileSync(join(project, 'spiders', 'shopsPage.test.ts'), 'utf8');
    expect(test).toContain("const { items, requests, stats, closeReason } = await runSpider(ShopsPageSpider, { args, replay: 'fixtures/shopsPage' });");
    expect(test).toContain("import ShopsPageSpider from './shopsPage.js';");
    expect(test).toContain('crawl shopsPage --record fixtures/shopsPage');
  }, 90_000);

  it.each(styles)('crawl $name follows $pagination pagination to every record', async ({ name, path }) => {
    const before = server.hits.length;
    const result = await crawl([name, '-O', `out/${name}.jsonl`], project);
    expect(result.stderr).not.toMatch(/ERROR|WARNING/);
    expect(result.code).toBe(0);
    const items = readFileSync(join(project, 'out', `${name}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: number; name: string });
    expect(items.map((item) => item.id).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(items.find((item) => item.id === 7)).toEqual(record(7));
    const paths = server.hits.slice(before).map((hit) => hit.path);
    expect(paths[0]).toBe(path);
    if (name === 'shopsOffset') expect(paths).toEqual([0, 7, 14, 21, 25].map((o) => `/offset/shops?offset=${o}&limit=10`));
    if (name === 'shopsPage') expect(paths).toEqual([1, 2, 3, 4].map((p) => `/page/shops?page=${p}`));
  }, 60_000);

  it('writes files that typecheck under a strict tsconfig (noImplicitOverride, exactOptionalPropertyTypes, noUnused*)', async () => {
    const result = await run([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 90_000);

  it('writes a test that passes on responses recorded with crawl --record', async () => {
    for (const { name } of styles) expect((await crawl([name, '--record', `fixtures/${name}`], project)).code).toBe(0);
    const result = await run([join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=verbose'], project);
    expect(result.stdout).toMatch(/Tests\s+4 passed/);
    expect(result.code).toBe(0);
  }, 120_000);
});

describe('teinei new refuses', () => {
  it('to overwrite the spider or its test, naming the file', async () => {
    const spider = join(project, 'spiders', 'shopsPage.ts');
    const before = readFileSync(spider, 'utf8');
    const again = await teinei(['new', 'shopsPage', '--url', `${server.url}/other`], project);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/spiders\/shopsPage\.ts already exists/);
    expect(readFileSync(spider, 'utf8')).toBe(before);

    writeFileSync(join(project, 'spiders', 'orphan.test.ts'), '// mine\n');
    const test = await teinei(['new', 'orphan', '--url', `${server.url}/x`], project);
    expect(test.code).toBe(2);
    expect(test.stderr).toMatch(/spiders\/orphan\.test\.ts already exists/);
    expect(existsSync(join(project, 'spiders', 'orphan.ts'))).toBe(false);
    expect(readFileSync(join(project, 'spiders', 'orphan.test.ts'), 'utf8')).toBe('// mine\n');
  });

  it('a name another spider already has', async () => {
    const result = await teinei(['new', 'shopsNext', '--url', `${server.url}/x`], project);
    expect(result.code).toBe(2);
    writeFileSync(join(project, 'spiders', 'legacy.ts'), "import { Spider } from 'teinei';\nexport default class Legacy extends Spider {\n  static override spiderName = 'legacyShops';\n}\n");
    const taken = await teinei(['new', 'legacyShops', '--url', `${server.url}/x`], project);
    rmSync(join(project, 'spiders', 'legacy.ts'));
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/spider named "legacyShops" already exists in spiders\/legacy\.ts/);
    expect(existsSync(join(project, 'spiders', 'legacyShops.ts'))).toBe(false);
  });

  it.each([
    [['new', '1shops', '--url', 'http://127.0.0.1/x'], /Invalid spider name "1shops"/],
    [['new', '../evil', '--url', 'http://127.0.0.1/x'], /Invalid spider name/],
    [['new', 'a.b', '--url', 'http://127.0.0.1/x'], /Invalid spider name/],
    [['new', 'ok', '--url', 'not a url'], /Invalid --url "not a url"/],
    [['new', 'ok', '--url', 'ftp://127.0.0.1/x'], /only http and https/],
    [['new', 'ok', '--url', 'http://127.0.0.1/x', '--pagination', 'scroll'], /Unknown --pagination "scroll".*next-link, offset, page, cursor/],
    [['new', 'ok'], /--url/],
  ])('bad usage %j: exit 2 and nothing written', async (args, message) => {
    const before = readdirSync(join(project, 'spiders')).sort();
    const result = await teinei(args as string[], project);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message as RegExp);
    expect(readdirSync(join(project, 'spiders')).sort()).toEqual(before);
    expect(existsSync(join(tmp, 'evil.ts'))).toBe(false);
  });

  it('outside a project', async () => {
    const bare = mkdtempSync(join(tmp, 'bare-'));
    const result = await teinei(['new', 'shops', '--url', 'http://127.0.0.1/x'], bare);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No teinei\.config\.ts found/);
  });
});

describe('teinei new with a glob that leaves tests out', () => {
  it('puts the test next to the spider, and crawl still loads only the spider', async () => {
    const other = makeProject('nested', 'src/spiders/!(*.test).ts');
    const result = await teinei(['new', 'shops', '--url', `${server.url}/page/shops?page=1`, '--pagination', 'page'], other);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created src/spiders/shops.ts (ShopsSpider, page pagination) and src/spiders/shops.test.ts.');
    expect(readFileSync(join(other, 'src', 'spiders', 'shops.test.ts'), 'utf8')).toContain("import ShopsSpider from './shops.js';");
    const crawled = await crawl(['shops', '-O', 'out.jsonl'], other);
    expect(crawled.code).toBe(0);
    expect(readFileSync(join(other, 'out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(total);
  });
});
