/**
 * The Spider base class: a partner's crawl as start requests and callbacks.
 */
import type { ZodType } from 'zod';
import type { Crawler } from '../core/crawler.js';
import type { Logger } from '../core/log.js';
import { Request, type RequestOptions } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Settings, SettingsInput } from '../settings.js';

/** What a callback may return: a (async) generator, an iterable, a promise of one, a single value, or nothing. */
export type CallbackResult =
  | AsyncIterable<unknown>
  | Iterable<unknown>
  | Promise<unknown>
  | object
  | void
  | undefined;

/** The static side of a spider class, which the CLI and CrawlerProcess read. */
export interface SpiderClass<S extends Spider = Spider> {
  new (): S;
  /** Unique name used by `crawl <name>`. */
  spiderName: string;
  /** zod schema of the arguments (`crawl name --count 10`). */
  args?: ZodType;
  /** Settings that override the project's for this spider. */
  customSettings?: SettingsInput;
  /** Hosts this spider may request; others are filtered (offsite). Empty allows all. */
  allowedDomains?: string[];
  /** URLs the default start() requests with callback parse. */
  startUrls?: string[];
  /** zod schema of the items (or kind → schema); the built-in ValidationPipeline drops invalid ones. */
  item?: ZodType | Record<string, ZodType>;
}

/**
 * Subclass it, set `static spiderName`, and implement `start()` (or `startUrls`) and callbacks.
 * Callbacks are methods: pass them as `this.parse`; they are kept by name.
 */
export abstract class Spider {
  /** Unique name used by `crawl <name>`. */
  static spiderName: string;
  /** zod schema of the spider's arguments. */
  static args?: ZodType;
  /** Settings that override the project's for this spider. */
  static customSettings?: SettingsInput;
  /** Hosts this spider may request; others are filtered (offsite). */
  static allowedDomains?: string[];
  /** URLs the default start() requests. */
  static startUrls?: string[];
  /**
   * zod schema of the spider's items, or a map kind → schema (the kind read from the item's `kind`
   * field). When set, the built-in ValidationPipeline drops invalid items and passes on the parsed
   * output (coercions, defaults).
   */
  static item?: ZodType | Record<string, ZodType>;

  /** Parsed arguments; narrow the type with `declare args: z.infer<typeof MySpider.args>`. */
  args: unknown = {};
  /** Extra non-2xx statuses this spider's callbacks handle (Scrapy's handle_httpstatus_list). */
  handleHttpStatusList?: number[];
  /** Pass every status to callbacks. */
  handleHttpStatusAll?: boolean;

  /** The crawler running this spider; set before start(). */
  crawler!: Crawler;

  /** The spider's name. */
  get name(): string {
    return (this.constructor as SpiderClass).spiderName;
  }

  /** This run's resolved settings. */
  get settings(): Settings {
    return this.crawler.settings;
  }

  /** A logger named after the spider. */
  get logger(): Logger {
    return this.crawler.spiderLogger;
  }

  /** Builds a request; `callback` defaults to `parse`. */
  request(url: string | URL, options: RequestOptions = {}): Request {
    return new Request(url, options);
  }

  /** Yields the first requests (and items). Default: one GET per `startUrls` entry. */
  async *start(): AsyncGenerator<unknown, void, undefined> {
    for (const url of (this.constructor as SpiderClass).startUrls ?? []) yield new Request(url, { dontFilter: true });
  }

  /** The default callback. */
  parse(response: Response): unknown {
    throw new Error(`${this.name}.parse is not defined, and ${response.request} has no other callback`);
  }

  /** Called once when the spider closes. */
  closed?(reason: string): void | Promise<void>;
}
