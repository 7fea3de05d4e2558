/**
 * TLS verification stays on (got-scraping turns it off by default): a self-signed HTTPS server on
 * loopback is refused before any request reaches it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CrawlerProcess, Spider, type LogRecord, type Response } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'teinei-tls-'));
let server: https.Server;
let url: string;
let hits = 0;

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

it('refuses a self-signed certificate: no callback runs, the error is logged and counted', async () => {
  const parsed: unknown[] = [];
  class Tls extends Spider {
    static spiderName = 'tls';
    async *start() {
      yield this.request(url, { callback: this.parse });
    }
    parse(response: Response) {
      parsed.push(response.json());
    }
  }
  const logs: LogRecord[] = [];
  const crawlerProcess = new CrawlerProcess({ downloadDelay: 0, retryEnabled: false, logstatsInterval: 0 }, { logSink: (r) => logs.push(r) });
  crawlerProcess.crawl(Tls);
  const [result] = await crawlerProcess.start();
  expect(parsed).toEqual([]);
  expect(hits).toBe(0);
  expect(result!.stats['downloader/exception_count']).toBe(1);
  const error = logs.find((l) => l.level === 'ERROR');
  expect(error?.message).toMatch(/Error downloading <GET https:\/\/127\.0\.0\.1/);
  expect(error?.message).toMatch(/self[- ]signed/i);
});
