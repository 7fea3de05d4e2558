import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrawlerProcess, Spider, type LogRecord, type Response, type SettingsInput } from '../../src/index.js';
import { fastSettings, messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

/** How the webhook receiver answers the next posts. */
let receiverMode: 'ok' | '500' | '404' | 'hang' = 'ok';
let partner: TestServer;
let receiver: TestServer;
beforeEach(async () => {
  receiverMode = 'ok';
  partner = await startServer((req, res) => {
    // /pages and /broken serve the CLI fixture project's `pages` spider.
    if (req.path.startsWith('/broken')) return void res.writeHead(500).end('no');
    if (req.path.startsWith('/pages')) return sendJson(res, { items: [{ id: 1 }], next: null });
    sendJson(res, { page: req.path });
  });
  receiver = await startServer((_req, res) => {
    if (receiverMode === 'hang') return; // never answers
    if (receiverMode === '500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
    if (receiverMode === '404') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
afterEach(async () => {
  await partner.close();
  await receiver.close();
});

// The path stands in for Slack's token: it must never show up in a log line.
const hookPath = '/services/T000/B000/s3cr3tT0ken';
const hookUrl = () => `${receiver.url}${hookPath}`;

/** Crawls /p0 … /p(pages-1), one item per page; `logError` logs one ERROR from the first callback. */
function pagesSpider(url: string, options: { name?: string; pages?: number; logError?: boolean } = {}) {
  const { name = 'pagesForNotify', pages = 3, logError = false } = options;
  return class Pages extends Spider {
    static override spiderName = name;
    override async *start() {
      for (let i = 0; i < pages; i++) yield this.request(`${url}/p${i}`);
    }
    override parse(response: Response) {
      if (logError && response.url.endsWith('/p0')) this.logger.error(`partner sent something odd at ${response.url}`);
      return response.json() as object;
    }
  };
}

const run = (settings: SettingsInput, options: Parameters<typeof pagesSpider>[1] = {}) =>
  runSpider(pagesSpider(partner.url, options), { settings: { notifyWebhookUrl: hookUrl(), ...settings } });

/** The JSON body of the receiver's only post. */
function onlyPost(): { text: string } {
  expect(receiver.hits).toHaveLength(1);
  const [hit] = receiver.hits;
  expect(hit!.method).toBe('POST');
  expect(hit!.path).toBe(hookPath);
  expect(hit!.headers['content-type']).toBe('application/json');
  return JSON.parse(hit!.body) as { text: string };
}

const noSecretIn = (logs: LogRecord[]) => expect(messages(logs).filter((m) => m.includes('s3cr3t'))).toEqual([]);

describe('NotifyWebhook', () => {
  it('posts the summary when a callback logged an ERROR, before the crawl result resolves', async () => {
    const { result, logs } = await run({}, { logError: true });
    // Checked straight after start() resolved: the post was awaited in the close path.
    const body = onlyPost();
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toContain('FAILED');
    expect(body.text).toContain('pagesForNotify');
    expect(body.text).toContain('`finished`');
    expect(body.text).toContain(hostname());
    expect(body.text).toContain('items 3 scraped, 0 dropped');
    expect(body.text).toContain('requests 3 sent, 3 responses');
    expect(body.text).toContain('retries 0');
    expect(body.text).toContain('errors 1 logged');
    expect(body.text).toMatch(/elapsed \d+\.\d s/);
    expect(body.text).not.toContain(hookPath);
    expect(result.closeReason).toBe('finished');
    expect(result.stats['notify/sent']).toBe(1);
    expect(result.stats['notify/failed']).toBeUndefined();
    noSecretIn(logs);
  });

  it('posts when the spider closes for a reason other than finished (closespider)', async () => {
    const { result } = await run({ closespiderItemcount: 1 }, { pages: 5 });
    expect(result.closeReason).toBe('closespider_itemcount');
    const body = onlyPost();
    expect(body.text).toContain('`closespider_itemcount`');
    expect(body.text).toContain('errors 0 logged');
    expect(result.stats['notify/sent']).toBe(1);
  });

  it('posts nothing after a clean finished run with notifyOn failure (the default), or its alias "errors"', async () => {
    const { result } = await run({});
    expect(result.closeReason).toBe('finished');
    expect(result.stats['log_count/ERROR']).toBeUndefined();
    expect(receiver.hits).toHaveLength(0);
    expect(result.stats['notify/sent']).toBeUndefined();

    const alias = await run({ notifyOn: 'errors' });
    expect(alias.crawler.settings.notifyOn).toBe('failure');
    expect(receiver.hits).toHaveLength(0);
  });

  it('posts after a clean run with notifyOn always', async () => {
    const { result } = await run({ notifyOn: 'always' });
    const body = onlyPost();
    expect(body.text).toMatch(/^OK: spider \*pagesForNotify\* closed `finished` on /);
    expect(result.stats['notify/sent']).toBe(1);
  });

  it('is not enabled without notifyWebhookUrl', async () => {
    const { result } = await runSpider(pagesSpider(partner.url, { logError: true }), { settings: { notifyOn: 'always' } });
    expect(result.stats['log_count/ERROR']).toBe(1);
    expect(receiver.hits).toHaveLength(0);
    expect(Object.keys(result.stats).filter((k) => k.startsWith('notify/'))).toEqual([]);
  });

  describe('a failed notification is a WARNING, never fatal', () => {
    /** A clean run that always notifies: any ERROR or a changed reason would come from the notifier. */
    async function failingRun(settings: SettingsInput = {}) {
      const run1 = await run({ notifyOn: 'always', ...settings });
      const { result, logs } = run1;
      expect(result.closeReason).toBe('finished');
      expect(result.stats.finish_reason).toBe('finished');
      expect(result.stats['item_scraped_count']).toBe(3);
      expect(result.stats['log_count/ERROR']).toBeUndefined();
      expect(result.stats['log_count/CRITICAL']).toBeUndefined();
      expect(result.stats['notify/failed']).toBe(1);
      expect(result.stats['notify/sent']).toBeUndefined();
      const warnings = messages(logs, 'WARNING').filter((m) => m.startsWith('Could not post the close summary'));
      expect(warnings).toHaveLength(1);
      expect(messages(logs, 'ERROR')).toEqual([]);
      noSecretIn(logs);
      return { ...run1, warning: warnings[0]! };
    }

    it('receiver answers 500: retried once, then a warning naming the status', async () => {
      receiverMode = '500';
      const { warning } = await failingRun();
      expect(receiver.hits).toHaveLength(2);
      expect(warning).toContain(new URL(receiver.url).host);
      expect(warning).toContain('HTTP 500 "boom" (twice)');
    });

    it('receiver answers 404: not retried (the same answer would come back)', async () => {
      receiverMode = '404';
      const { warning } = await failingRun();
      expect(receiver.hits).toHaveLength(1);
      expect(warning).toContain('HTTP 404 "no_service"');
    });

    it('receiver hangs: the close waits no longer than notifyTimeout', async () => {
      receiverMode = 'hang';
      const started = Date.now();
      const { warning } = await failingRun({ notifyTimeout: 0.5 });
      const took = Date.now() - started;
      expect(warning).toContain('no answer within 0.5 s');
      expect(receiver.hits).toHaveLength(1);
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(4000);
    });

    it('port closed: a warning naming the refused connection', async () => {
      const gone = await startServer((_req, res) => void res.end());
      const goneUrl = `${gone.url}${hookPath}`;
      await gone.close();
      const { warning } = await failingRun({ notifyWebhookUrl: goneUrl });
      expect(warning).toContain('ECONNREFUSED');
      expect(warning).toContain(new URL(goneUrl).host);
    });
  });

  it('keeps each crawl to its own webhook and stats when several run in one process', async () => {
    const other = await startServer((_req, res) => void res.end('ok'));
    try {
      const logs: LogRecord[] = [];
      const crawlerProcess = new CrawlerProcess(fastSettings, { logSink: (r) => logs.push(r) });
      crawlerProcess.crawl(pagesSpider(partner.url, { name: 'alpha', logError: true }), {}, { settings: { notifyWebhookUrl: hookUrl() } });
      crawlerProcess.crawl(pagesSpider(partner.url, { name: 'beta' }), {}, { settings: { notifyWebhookUrl: `${other.url}/hook`, notifyOn: 'always' } });
      crawlerProcess.crawl(pagesSpider(partner.url, { name: 'gamma' }), {}, { settings: { notifyWebhookUrl: `${other.url}/hook` } });
      const results = await crawlerProcess.start();
      expect(results.map((r) => [r.spiderName, r.stats['notify/sent']])).toEqual([['alpha', 1], ['beta', 1], ['gamma', undefined]]);
      expect(onlyPost().text).toContain('*alpha*');
      expect(other.hits).toHaveLength(1);
      expect((JSON.parse(other.hits[0]!.body) as { text: string }).text).toContain('*beta*');
    } finally {
      await other.close();
    }
  });
});

describe('NotifyWebhook from the crawl command', () => {
  const root = join(import.meta.dirname, '..', '..');
  /** Runs bin/crawl.js (built dist/) in the CLI fixture project; resolves with its exit code and output. */
  const crawl = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(root, 'bin', 'crawl.js'), 'pages', '--base-url', partner.url, '--count', '1', ...args], {
        cwd: join(root, 'test', 'fixtures', 'project'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it('a failing webhook leaves a clean crawl at exit 0', async () => {
    receiverMode = '500';
    const result = await crawl(['-s', `notifyWebhookUrl=${hookUrl()}`, '-s', 'notifyOn=always']);
    expect(result.stderr).toMatch(/WARNING: Could not post the close summary to the webhook at 127\.0\.0\.1:\d+: HTTP 500/);
    expect(result.stderr).not.toMatch(/ERROR|s3cr3t/);
    expect(result.stdout).toMatch(/pages: finished/);
    expect(result.code).toBe(0);
    expect(receiver.hits).toHaveLength(2);
  });

  it('posts before the process exits 1 on a crawl that logged errors', async () => {
    const result = await crawl(['--path', '/broken', '-s', `NOTIFY_WEBHOOK_URL=${hookUrl()}`]);
    expect(result.code).toBe(1);
    const { text } = onlyPost();
    expect(text).toContain('FAILED: spider *pages* closed `finished`');
    expect(text).toMatch(/errors [1-9]\d* logged/);
    expect(result.stderr).not.toContain('s3cr3t');
  });
});
