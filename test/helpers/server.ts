/**
 * Test helpers: a real HTTP server on 127.0.0.1 that records every arrival, and runSpider(), which
 * runs one spider in a fresh CrawlerProcess with fast settings and captures items and log records.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CrawlerProcess, type CrawlerProcessOptions } from '../../src/crawler-process.js';
import type { Crawler, CrawlResult } from '../../src/core/crawler.js';
import type { LogRecord } from '../../src/core/log.js';
import type { LogLevel, SettingsInput } from '../../src/settings.js';
import type { SpiderClass } from '../../src/spiders/spider.js';

/** One request as the server saw it. */
export interface Hit {
  method: string;
  /** Path and query, as sent (`/items?page=2`). */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The request body, decoded as UTF-8 ('' when none). */
  body: string;
  /** performance.now() when the request's headers arrived. */
  at: number;
}

/** What a handler receives: the request, with its path and (already read) body. */
export type ServerRequest = http.IncomingMessage & { path: string; body: string };
export type Handler = (req: ServerRequest, res: http.ServerResponse) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  hits: Hit[];
  /** Most requests the server had open at once (arrival → response closed). */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1, ephemeral port. A handler that throws answers 500. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const hits: Hit[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    const at = performance.now();
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      hits.push({ method: req.method ?? 'GET', path, headers: req.headers, body, at });
      Promise.resolve()
        .then(() => handler(Object.assign(req, { path, body }), res))
        .catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    get maxInFlight() {
      return maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a JSON body. */
export function sendJson(res: http.ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settings every test run starts from: no delay, no periodic log lines, a contact. */
export const fastSettings: SettingsInput = {
  downloadDelay: 0,
  logstatsInterval: 0,
  downloadTimeout: 10,
  // Retries back off for up to 10 ms, not seconds: tests of the backoff itself set their own.
  retryBackoffBase: 0.01,
  contact: 'mailto:tests@example.test',
};

export interface RunOptions {
  settings?: SettingsInput;
  args?: Record<string, unknown>;
  /** Called after crawl() and before start(): subscribe to signals here. */
  onCrawler?: (crawler: Crawler, process: CrawlerProcess) => void;
  /** Extra CrawlerProcess options (logSink is always the capturing one). */
  processOptions?: Omit<CrawlerProcessOptions, 'logSink'>;
}

export interface RunResult {
  result: CrawlResult;
  items: object[];
  logs: LogRecord[];
  crawler: Crawler;
}

/** Runs one spider to the end with fastSettings under `settings`; items come from itemScraped. */
export async function runSpider(spiderClass: SpiderClass, options: RunOptions = {}): Promise<RunResult> {
  const logs: LogRecord[] = [];
  const items: object[] = [];
  const process = new CrawlerProcess({ ...fastSettings, ...options.settings }, { ...options.processOptions, logSink: (record) => logs.push(record) });
  const crawler = process.crawl(spiderClass, options.args);
  crawler.signals.on('itemScraped', ({ item }) => void items.push(item));
  options.onCrawler?.(crawler, process);
  const [result] = await process.start();
  return { result: result!, items, logs, crawler };
}

/** Messages of the records at `level` (all levels when omitted). */
export function messages(logs: LogRecord[], level?: LogLevel): string[] {
  return logs.filter((r) => level === undefined || r.level === level).map((r) => r.message);
}
