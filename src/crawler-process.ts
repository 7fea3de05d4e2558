/**
 * CrawlerProcess: runs one or more spiders in this Node process and resolves with their results.
 * Unlike Scrapy's it can be created and started any number of times in one process, never calls
 * process.exit, and leaves nothing global behind (no signal handlers unless asked).
 */
import { Crawler, type CrawlerParts, type CrawlResult } from './core/crawler.js';
import { SpiderArgsError } from './core/errors.js';
import type { LogSink } from './core/log.js';
import { resolveSettings, type SettingsInput } from './settings.js';
import type { SpiderClass } from './spiders/spider.js';

/** Options of a CrawlerProcess beyond its settings. */
export interface CrawlerProcessOptions {
  /** Settings over every spider's customSettings (the CLI's `-s key=value`). */
  overrides?: SettingsInput;
  /** Where log records go (default: stderr). */
  logSink?: LogSink;
  /** Stop gracefully on SIGINT/SIGTERM, and abort on the second one (the CLI sets it). */
  handleSignals?: boolean;
  /** Replace in-memory parts (queue, seen set, slots, handler) for every crawler. */
  parts?: () => Omit<CrawlerParts, 'logSink'>;
}

/** Options of one `crawl()`. */
export interface CrawlOptions {
  /**
   * Settings for this spider only, over its customSettings (under the process's `overrides`):
   * e.g. a MySqlPipeline writing to this spider's table when several run in one process.
   */
  settings?: SettingsInput;
}

/** Runs spiders and awaits their results. */
export class CrawlerProcess {
  private readonly crawlers: Crawler[] = [];
  private stopRequests = 0;
  private running: Promise<CrawlResult[]> | undefined;

  /**
   * @param settings the project's settings (over the defaults, under each spider's customSettings)
   * @throws SettingsError naming the key and value of an invalid setting
   */
  constructor(
    private readonly settings: SettingsInput = {},
    private readonly options: CrawlerProcessOptions = {},
  ) {
    resolveSettings(settings as Record<string, unknown>, options.overrides as Record<string, unknown>);
  }

  /**
   * Adds a spider to run on start(). Arguments are checked against the spider's `args` schema now.
   * Settings layer, lowest first: defaults, the process's, the spider's customSettings,
   * `options.settings`, the process's `overrides`.
   * @throws SpiderArgsError naming each bad argument; SettingsError for bad customSettings
   */
  crawl<S extends SpiderClass>(spiderClass: S, args: Record<string, unknown> = {}, options: CrawlOptions = {}): Crawler {
    if (this.running) throw new Error('CrawlerProcess already started: create a new one for another run');
    const parsedArgs = parseSpiderArgs(spiderClass, args);
    const settings = resolveSettings(
      this.settings as Record<string, unknown>,
      spiderClass.customSettings as Record<string, unknown> | undefined,
      options.settings as Record<string, unknown> | undefined,
      this.options.overrides as Record<string, unknown> | undefined,
    );
    const crawler = new Crawler(spiderClass, parsedArgs, settings, { ...this.options.parts?.(), logSink: this.options.logSink });
    this.crawlers.push(crawler);
    return crawler;
  }

  /** Runs every added spider at once; resolves with one result per spider, in crawl() order. */
  start(): Promise<CrawlResult[]> {
    this.running ??= this.runAll();
    return this.running;
  }

  /** Stops every spider: the first call lets in-flight requests finish, the second aborts them. */
  stop(): void {
    this.stopRequests++;
    for (const crawler of this.crawlers) crawler.stop(this.stopRequests > 1);
  }

  private async runAll(): Promise<CrawlResult[]> {
    const onSignal = () => this.stop();
    if (this.options.handleSignals) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    try {
      return await Promise.all(this.crawlers.map((crawler) => crawler.crawl()));
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** Validates spider arguments with the spider's zod schema (or passes them through without one). */
export function parseSpiderArgs(spiderClass: SpiderClass, args: Record<string, unknown>): unknown {
  if (!spiderClass.args) return args;
  const parsed = spiderClass.args.safeParse(args);
  if (parsed.success) return parsed.data;
  throw new SpiderArgsError(
    spiderClass.spiderName,
    parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(arguments)', message: issue.message })),
  );
}
