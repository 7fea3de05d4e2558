/**
 * `logFormat: 'json'`: one JSON object per stderr line, from CrawlerProcess's default sink and
 * from the `crawl` CLI (`--log-format json`, `-s logFormat=json`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CrawlerProcess } from '../../src/crawler-process.js';
import { formatJsonLogRecord, formatLogRecord } from '../../src/core/log.js';
import { Spider } from '../../src/spiders/spider.js';
import { fastSettings, sendJson, startServer, type TestServer } from '../helpers/server.js';

const root = join(import.meta.dirname, '..', '..');
const project = join(root, 'test', 'fixtures', 'project');

interface JsonLine {
  time: string;
  level: string;
  logger: string;
  message: string;
  error?: { name: string; message: string; stack?: string };
}

/** Parses every line; a line that is not one JSON object fails the test with the line shown. */
function parseLines(stderr: string): JsonLine[] {
  return stderr
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      let parsed: unknown;
      expect(() => (parsed = JSON.parse(line)), line).not.toThrow();
      expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), line).toBe(true);
      return parsed as JsonLine;
    });
}

function expectWellFormed(line: JsonLine): void {
  expect(new Date(line.time).toISOString()).toBe(line.time);
  expect(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']).toContain(line.level);
  expect(typeof line.logger).toBe('string');
  expect(typeof line.message).toBe('string');
}

let server: TestServer;

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.path.startsWith('/broken')) {
      res.writeHead(500).end('no');
      return;
    }
    sendJson(res, { items: [{ id: 1 }, { id: 2 }], next: null });
  });
});

afterAll(() => server.close());

describe('formatJsonLogRecord', () => {
  it('writes time (ISO-8601), level, logger, message and the error as {name, message, stack}', () => {
    const time = new Date('2026-11-27T06:30:00.123Z');
    const error = new RangeError('too far\nsecond line');
    const line = formatJsonLogRecord({ time, level: 'ERROR', source: 'partnerA.retry', message: 'Gave up "x"\nnext', error });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      time: '2026-11-27T06:30:00.123Z',
      level: 'ERROR',
      logger: 'partnerA.retry',
      message: 'Gave up "x"\nnext',
      error: { name: 'RangeError', message: 'too far\nsecond line', stack: error.stack },
    });
    expect(JSON.parse(formatJsonLogRecord({ time, level: 'INFO', source: 's', message: 'm' }))).toEqual({ time: time.toISOString(), level: 'INFO', logger: 's', message: 'm' });
    expect(JSON.parse(formatJsonLogRecord({ time, level: 'WARNING', source: 's', message: 'm', error: 'plain' })).error).toEqual({ name: 'string', message: 'plain' });
  });

  it('leaves the text format as it was', () => {
    expect(formatLogRecord({ time: new Date(2026, 10, 27, 6, 30, 0), level: 'INFO', source: 'p', message: 'hi' })).toBe('2026-11-27 06:30:00 [p] INFO: hi');
  });
});

describe('CrawlerProcess with logFormat json', () => {
  it('writes only JSON lines to stderr through the default sink, redacted, with the error object', async () => {
    class Failing extends Spider {
      static spiderName = 'failing';
      async *start() {
        yield this.request(`${server.url}/items?api_key=k-123456`, { callback: this.parse });
      }
      parse() {
        throw new TypeError('callback broke on k-123456');
      }
    }
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      const crawlerProcess = new CrawlerProcess({ ...fastSettings, logFormat: 'json', logLevel: 'DEBUG', logRedactValues: ['k-123456'] });
      crawlerProcess.crawl(Failing);
      await crawlerProcess.start();
    } finally {
      spy.mockRestore();
    }
    const stderr = chunks.join('');
    const lines = parseLines(stderr);
    lines.forEach(expectWellFormed);
    expect(lines.find((l) => l.message === 'Spider opened')).toMatchObject({ level: 'INFO', logger: 'failing' });
    const failure = lines.find((l) => l.error !== undefined);
    expect(failure?.level).toBe('ERROR');
    expect(failure?.message).toContain('/items?api_key=***');
    expect(failure?.error).toMatchObject({ name: 'TypeError', message: 'callback broke on ***' });
    expect(failure?.error?.stack).toMatch(/^TypeError: callback broke on \*\*\*\n\s+at /);
    expect(stderr).not.toContain('k-123456');
  });
});

interface Run {
  code: number | null;
  stderr: string;
}

function crawl(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'crawl.js'), ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('crawl --log-format', () => {
  it('--log-format json makes every stderr line one JSON object', async () => {
    const result = await crawl(['pages', '--base-url', server.url, '--count', '2', '--log-format', 'json', '-L', 'DEBUG']);
    expect(result.code).toBe(0);
    const lines = parseLines(result.stderr);
    lines.forEach(expectWellFormed);
    expect(lines.some((l) => l.level === 'DEBUG' && /not enabled/.test(l.message))).toBe(true);
    expect(lines.some((l) => l.level === 'INFO' && l.message === 'Spider opened')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ logger: 'pages', message: 'Spider closed (finished)' });
  });

  it('-s logFormat=json works too, and the failing request\'s line has its URL password hidden', async () => {
    const baseUrl = server.url.replace('//', '//crawler:pw-9911@');
    const result = await crawl(['pages', '--base-url', baseUrl, '--path', '/broken', '-s', 'logFormat=json', '--count', '3']);
    expect(result.code).toBe(1);
    const lines = parseLines(result.stderr);
    lines.forEach(expectWellFormed);
    expect(lines.find((l) => l.level === 'ERROR')?.message).toMatch(/Gave up retrying <GET http:\/\/crawler:\*\*\*@127\.0\.0\.1:\d+\/broken\?count=3&page=1>/);
    expect(result.stderr).not.toContain('pw-9911');
  });

  it('keeps text by default and exits 2 for an unknown format, naming the setting', async () => {
    const text = await crawl(['pages', '--base-url', server.url, '--count', '1']);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[pages\] INFO: Spider opened$/m);
    const bad = await crawl(['pages', '--base-url', server.url, '--log-format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/logFormat/);
    expect(bad.stderr).toMatch(/xml/);
  });
});
