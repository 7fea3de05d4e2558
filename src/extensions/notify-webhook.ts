/**
 * Tells a person when a crawl went wrong: posts a short summary to a Slack-compatible incoming
 * webhook when the spider closes with errors or for any reason other than 'finished' (or always,
 * with `notifyOn: 'always'`).
 *
 * Notifying is best effort: a receiver that fails, hangs or is not there costs at most
 * `notifyTimeout` seconds and a WARNING, never the crawl's close reason, its ERROR count or its
 * exit code.
 */
import { hostname } from 'node:os';
import type { Crawler } from '../core/crawler.js';
import { NotConfigured } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { StatsCollector } from '../core/stats.js';
import type { Extension } from '../middlewares/types.js';
import type { Spider } from '../spiders/spider.js';

/** When NotifyWebhook posts: only on a failed crawl, or after every crawl. */
export type NotifyOn = 'failure' | 'always';

/** What NotifyWebhook needs besides the crawler (its settings, as `fromCrawler` reads them). */
export interface NotifyWebhookOptions {
  /** The incoming webhook's URL. It is a secret (Slack puts the token in the path): never logged. */
  url: string;
  /** 'failure' (default) or 'always'. */
  notifyOn?: NotifyOn;
  /** Seconds the close may wait for the webhook, both attempts together (default 10). */
  timeout?: number;
}

/** The JSON body posted: Slack's incoming-webhook shape, which Mattermost and others also accept. */
export interface NotifyPayload {
  /** The whole message (Slack mrkdwn); Slack requires it. */
  text: string;
}

// A pause before the one retry, so a receiver that just restarted gets a moment.
const RETRY_PAUSE_MS = 250;
// Below this much time left, a retry could not finish anyway.
const MIN_RETRY_BUDGET_MS = 100;

/** Posts the close summary to `notifyWebhookUrl` (Scrapy's StatsMailer, for chat). */
export class NotifyWebhook implements Extension {
  /** @throws NotConfigured when `notifyWebhookUrl` is unset (the extension is then left out) */
  static fromCrawler(crawler: Crawler): NotifyWebhook {
    const { notifyWebhookUrl, notifyOn, notifyTimeout } = crawler.settings;
    if (!notifyWebhookUrl) throw new NotConfigured('no notifyWebhookUrl');
    return new NotifyWebhook(crawler, { url: notifyWebhookUrl, notifyOn, timeout: notifyTimeout });
  }

  private readonly url: string;
  private readonly notifyOn: NotifyOn;
  private readonly timeoutMs: number;
  private readonly stats: StatsCollector;
  private readonly logger: Logger;
  /** Host (and port) of the webhook: what logs may name, unlike the URL. */
  private readonly target: string;
  private started: number | undefined;

  /** @param crawler whose stats and logger it uses; one instance per crawl, nothing shared */
  constructor(crawler: Crawler, options: NotifyWebhookOptions) {
    this.url = options.url;
    this.notifyOn = options.notifyOn ?? 'failure';
    this.timeoutMs = (options.timeout ?? 10) * 1000;
    this.stats = crawler.stats;
    this.logger = crawler.logger.child('notify');
    this.target = new URL(options.url).host;
  }

  /** Notes the start, for the elapsed time when CoreStats is disabled. */
  open(): void {
    this.started = Date.now();
  }

  /**
   * Posts when due and waits for it (bounded by the timeout), so the summary has gone out before
   * the crawl's result resolves and before a CLI exits.
   */
  async close(spider: Spider, reason: string): Promise<void> {
    const errors = this.stats.count('log_count/ERROR') + this.stats.count('log_count/CRITICAL');
    const failed = reason !== 'finished' || errors > 0;
    if (!failed && this.notifyOn !== 'always') return;
    const payload = { text: this.message(spider.name, reason, errors, failed) } satisfies NotifyPayload;
    const problem = await this.post(JSON.stringify(payload));
    if (problem === undefined) {
      this.stats.inc('notify/sent');
      this.logger.info(`Posted the close summary to the webhook at ${this.target}`);
    } else {
      this.stats.inc('notify/failed');
      // WARNING, not ERROR: log_count/ERROR decides the exit code, and a chat outage must not fail a good crawl.
      this.logger.warning(`Could not post the close summary to the webhook at ${this.target}: ${problem}`);
    }
  }

  private message(spiderName: string, reason: string, errors: number, failed: boolean): string {
    const num = (key: string) => this.stats.count(key).toLocaleString('en-US');
    // CoreStats (closed before this extension) records the elapsed time; measure it when it is disabled.
    const elapsedStat = this.stats.get('elapsed_time_seconds');
    const elapsed = typeof elapsedStat === 'number' ? elapsedStat : this.started === undefined ? 0 : (Date.now() - this.started) / 1000;
    const lines = [
      `${failed ? 'FAILED' : 'OK'}: spider *${escape(spiderName)}* closed \`${escape(reason)}\` on ${escape(hostname())}`,
      `elapsed ${elapsed.toFixed(1)} s · items ${num('item_scraped_count')} scraped, ${num('item_dropped_count')} dropped · ` +
        `requests ${num('downloader/request_count')} sent, ${num('downloader/response_count')} responses · ` +
        `retries ${num('retry/count')} · errors ${errors.toLocaleString('en-US')} logged`,
    ];
    return lines.join('\n');
  }

  /** Posts with one retry inside one deadline; resolves with why it failed, or undefined when sent. */
  private async post(body: string): Promise<string | undefined> {
    const deadline = Date.now() + this.timeoutMs;
    const first = await this.attempt(body, this.timeoutMs);
    if (!first) return undefined;
    if (!first.retry) return first.reason;
    const left = deadline - Date.now() - RETRY_PAUSE_MS;
    if (left < MIN_RETRY_BUDGET_MS) return first.reason;
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    const second = await this.attempt(body, left);
    if (!second) return undefined;
    return second.reason === first.reason ? `${first.reason} (twice)` : `${first.reason}, then ${second.reason}`;
  }

  private async attempt(body: string, timeoutMs: number): Promise<{ reason: string; retry: boolean } | undefined> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        // A redirected POST would turn into a GET elsewhere; a webhook that moved is a failure to report.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read the body either way: it frees the connection, and Slack explains a refusal in it.
      const text = await response.text();
      if (response.ok) return undefined;
      const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 100);
      // Other 4xx (bad token, bad payload, gone) answer the same way the second time.
      const retry = response.status >= 500 || response.status === 408 || response.status === 429;
      return { reason: `HTTP ${response.status}${snippet ? ` "${snippet}"` : ''}`, retry };
    } catch (error) {
      return { reason: describeFailure(error, timeoutMs), retry: true };
    }
  }
}

/** Why fetch failed, in words a reader can act on (fetch's own message is only "fetch failed"). */
function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${(timeoutMs / 1000).toFixed(1)} s`;
  const cause = err?.cause;
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return err?.message ?? String(error);
}

/** Slack mrkdwn treats &, < and > as control characters; everything else passes. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
