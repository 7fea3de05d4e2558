/**
 * Obeys robots.txt (Scrapy's RobotsTxtMiddleware), when `robotstxtObey` is on: fetches
 * `/robots.txt` once per origin, ignores disallowed requests, and raises the slot's delay to the
 * Crawl-delay asked of our user agent. A robots.txt that is missing (4xx) or cannot be fetched
 * (5xx, network error) allows everything.
 */
import robotsParserModule from 'robots-parser';
import type { Crawler } from '../../core/crawler.js';
import { Downloader } from '../../core/downloader.js';
import { errorName, IgnoreRequest, NotConfigured } from '../../core/errors.js';
import { HttpDownloadHandler } from '../../core/handlers/http.js';
import type { DownloadHandler } from '../../core/handlers/types.js';
import type { Logger } from '../../core/log.js';
import { SlotCancelled, type SlotLimiter } from '../../core/slots.js';
import type { StatsCollector } from '../../core/stats.js';
import { Request } from '../../http/request.js';
import type { DownloaderMiddleware } from '../types.js';
import { defaultUserAgent } from './user-agent.js';

// robots-parser is CommonJS (`module.exports = function`) and its typings declare an ES default
// export, so under NodeNext the default import *is* the function, typed as the module.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;
type Robots = ReturnType<typeof robotsParser>;

/** Meta keys this middleware reads. */
export interface RobotsTxtMeta {
  /** Skip the robots.txt check for this request. */
  dontObeyRobotstxt?: boolean;
}

/** One origin's parsed robots.txt; `undefined` rules allow everything. */
interface OriginRules {
  url: string;
  robots: Robots | undefined;
  lines: string[];
}

/** Skips requests that robots.txt disallows and honours its Crawl-delay. */
export class RobotsTxtMiddleware implements DownloaderMiddleware {
  static fromCrawler(crawler: Crawler): RobotsTxtMiddleware {
    const { settings } = crawler;
    if (!settings.robotstxtObey) throw new NotConfigured('robotstxtObey is false');
    const logger = crawler.logger.child('robotstxt');
    const handler = new HttpDownloadHandler(settings, logger);
    crawler.signals.on('spiderClosed', () => handler.close());
    return new RobotsTxtMiddleware(handler, crawler.slots, crawler.stats, logger, defaultUserAgent(settings), settings.robotstxtUserAgent ?? settings.botName);
  }

  /** One fetch per origin; concurrent requests share the pending promise. */
  private readonly origins = new Map<string, Promise<OriginRules>>();
  /** Slots whose delay was raised to a Crawl-delay (logged once each). */
  private readonly delayedSlots = new Set<string>();

  constructor(
    private readonly handler: DownloadHandler,
    private readonly slots: SlotLimiter,
    private readonly stats: StatsCollector,
    private readonly logger: Logger,
    /** The User-Agent header sent with the robots.txt request. */
    private readonly userAgent: string,
    /** The token matched against robots.txt `User-agent:` lines. */
    private readonly agentToken: string,
  ) {}

  async processRequest(request: Request): Promise<void> {
    if ((request.meta as RobotsTxtMeta).dontObeyRobotstxt) return;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    const rules = await this.rulesFor(url.origin);
    const { robots } = rules;
    if (!robots) return;

    const crawlDelay = robots.getCrawlDelay(this.agentToken);
    if (crawlDelay !== undefined && Number.isFinite(crawlDelay) && crawlDelay > 0) this.applyCrawlDelay(Downloader.slotKey(request), crawlDelay, rules.url);

    if (robots.isAllowed(request.url, this.agentToken) === false) {
      this.stats.inc('robotstxt/forbidden');
      const line = robots.getMatchingLineNumber(request.url, this.agentToken);
      const rule = line > 0 ? rules.lines[line - 1]?.trim() : undefined;
      throw new IgnoreRequest(`Forbidden by robots.txt: ${request.url}${rule ? ` (rule "${rule}" at line ${line} of ${rules.url})` : ''}`);
    }
  }

  /** Raises the slot's delay to at least the Crawl-delay (each time: AutoThrottle may have lowered it). */
  private applyCrawlDelay(slot: string, crawlDelay: number, robotsUrl: string): void {
    const current = this.slots.delayOf(slot);
    // Crawl-delay is a minimum gap, so it is not randomized down to half of it.
    if (current < crawlDelay) this.slots.setDelay(slot, crawlDelay, { randomize: false });
    if (!this.delayedSlots.has(slot)) {
      this.delayedSlots.add(slot);
      this.logger.info(`Crawl-delay of ${crawlDelay} s from ${robotsUrl} for user agent "${this.agentToken}": slot ${slot} delay is now ${Math.max(current, crawlDelay)} s`);
    }
  }

  private rulesFor(origin: string): Promise<OriginRules> {
    let pending = this.origins.get(origin);
    if (!pending) {
      pending = this.fetchRules(origin);
      this.origins.set(origin, pending);
      // A fetch cancelled by a closing spider is not an answer: forget it.
      pending.catch(() => this.origins.delete(origin));
    }
    return pending;
  }

  private async fetchRules(origin: string): Promise<OriginRules> {
    const url = `${origin}/robots.txt`;
    const request = new Request(url, { headers: { 'User-Agent': this.userAgent, Accept: 'text/plain, */*;q=0.8' } });
    this.stats.inc('robotstxt/request_count');
    const slot = Downloader.slotKey(request);
    let status: number;
    let text: string;
    let startedAt = Date.now();
    try {
      const response = await this.slots.run(slot, () => {
        startedAt = Date.now();
        return this.handler.download(request);
      });
      status = response.status;
      text = response.body.toString('utf8');
    } catch (error) {
      if (error instanceof SlotCancelled) throw error;
      this.stats.inc(`robotstxt/exception_count/${errorName(error)}`);
      this.logger.warning(`Could not fetch ${url}, allowing every URL of ${origin}: ${(error as Error)?.message ?? error}`);
      return { url, robots: undefined, lines: [] };
    }
    this.stats.inc('robotstxt/response_count');
    this.stats.inc(`robotstxt/response_status_count/${status}`);
    if (status >= 500) {
      this.logger.warning(`${url} answered ${status}, allowing every URL of ${origin}`);
      return { url, robots: undefined, lines: [] };
    }
    if (status >= 400) {
      this.logger.debug(`${url} answered ${status}: no robots.txt, every URL of ${origin} is allowed`);
      return { url, robots: undefined, lines: [] };
    }
    if (status >= 300) {
      // A redirect that was not followed (redirectEnabled false): nothing to parse.
      this.logger.debug(`${url} answered ${status} (not followed): every URL of ${origin} is allowed`);
      return { url, robots: undefined, lines: [] };
    }
    const robots = robotsParser(url, text);
    const crawlDelay = robots.getCrawlDelay(this.agentToken);
    if (crawlDelay !== undefined && Number.isFinite(crawlDelay) && crawlDelay > 0) {
      // The robots.txt fetch was itself a request: the first real one waits a Crawl-delay after it.
      this.slots.pauseUntil(slot, startedAt + crawlDelay * 1000);
    }
    return { url, robots, lines: text.split(/\r\n|\r|\n/) };
  }
}
