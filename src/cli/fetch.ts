/**
 * `teinei fetch <url> [--spider name]`: one request through a spider's (or the project's) settings
 * and downloader middlewares (User-Agent, default headers, cache, throttling, robots.txt), printed
 * as status line, headers and body (pretty when JSON). Exit 0 on 2xx–3xx, 1 otherwise, 2 on bad usage.
 * `fetchOnce` is shared with `teinei parse`.
 */
import { STATUS_CODES } from 'node:http';
import type { Command } from 'commander';
import type { CrawlResult } from '../core/crawler.js';
import { SpiderArgsError } from '../core/errors.js';
import { CrawlerProcess } from '../crawler-process.js';
import { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { parseSettingAssignment, resolveSettings, SettingsError, type SettingsInput } from '../settings.js';
import { Spider, type SpiderClass } from '../spiders/spider.js';
import { CliError } from './cli-error.js';
import { findConfig, loadProject, type Project } from './project.js';
import { describeArgsError } from './spider-args.js';

/** Flags fetch and parse share. */
export interface OneRequestFlags {
  spider?: string;
  set: string[];
  logLevel?: string;
}

/** What one request came to: the response, or why there is none. */
export interface Fetched {
  response?: Response;
  error?: unknown;
  result: CrawlResult;
}

/** What fetchOnce needs besides the URL. */
export interface FetchOnceOptions {
  /** The project whose settings apply (none outside a project: the defaults). */
  project?: Project;
  /** Its settings (customSettings) apply; for parse also its arguments and callbacks. */
  spiderClass: SpiderClass;
  /** Spider arguments, checked by the spider's schema. */
  args?: Record<string, unknown>;
  /** The command line's -s and -L. */
  flags: OneRequestFlags;
  /** Give every status to the capture (fetch), or only those the spider handles (parse). */
  allStatuses: boolean;
  /** Runs inside the crawl, on the spider instance, with the response. */
  onResponse?: (spider: Spider, response: Response) => Promise<void>;
}

/** Adds `-s` and `-L` to a command. */
export function oneRequestOptions(command: Command): Command {
  return command
    .option('-s, --set <key=value>', 'override a setting (camelCase or SCRAPY_NAME), repeatable', (value: string, previous: string[]) => [...previous, value], [])
    .option('-L, --log-level <level>', 'DEBUG, INFO, WARNING (default here), ERROR or CRITICAL');
}

/** The project (when there is a config) and the named spider (when asked for). @throws CliError */
export async function projectAndSpider(cwd: string, spiderName: string | undefined): Promise<{ project?: Project; spiderClass?: SpiderClass }> {
  if (!spiderName && !findConfig(cwd)) return {};
  const project = await loadProject(cwd);
  if (!spiderName) return { project };
  const entry = project.spiders.get(spiderName);
  if (!entry) throw new CliError(`Unknown spider "${spiderName}". Known spiders: ${[...project.spiders.keys()].sort().join(', ') || '(none)'}`);
  return { project, spiderClass: entry.spiderClass };
}

/**
 * Runs `spiderClass` (a subclass of it) on one request to `url` with a real Crawler, so every
 * downloader middleware applies.
 * Extensions and item pipelines other than stats and AutoThrottle are off: a look at one URL must
 * not commit feeds, write to databases or notify anyone.
 * @throws CliError (exit 2) for bad settings or spider arguments
 */
export async function fetchOnce(url: string, options: FetchOnceOptions): Promise<Fetched> {
  const fetched: Partial<Fetched> = {};
  const base = options.spiderClass as unknown as new () => Spider;
  class OneRequest extends base {
    override async *start() {
      // handleHttpStatusAll: a 404 or 500 is what fetch is asked to show, not an error to drop.
      const meta = options.allStatuses ? { handleHttpStatusAll: true } : {};
      yield new Request(url, { dontFilter: true, meta, callback: 'teineiCaptured', errback: 'teineiFailed' });
    }
    async teineiCaptured(response: Response) {
      fetched.response = response;
      await options.onResponse?.(this, response);
    }
    teineiFailed(error: unknown) {
      fetched.error = error;
    }
  }
  try {
    const projectSettings = (options.project?.config.settings ?? {}) as Record<string, unknown>;
    const cli: Record<string, unknown> = Object.fromEntries(options.flags.set.map(parseSettingAssignment));
    if (options.flags.logLevel) cli.logLevel = options.flags.logLevel.toUpperCase();
    const resolved = resolveSettings(projectSettings, options.spiderClass.customSettings as Record<string, unknown> | undefined, cli);
    const off = (...maps: object[]) => Object.fromEntries(maps.flatMap((m) => Object.keys(m)).filter((n) => n !== 'CoreStats' && n !== 'AutoThrottle').map((n) => [n, null]));
    const overrides = {
      ...cli,
      logLevel: cli.logLevel ?? 'WARNING',
      extensions: off(resolved.extensionsBase, resolved.extensions),
      itemPipelines: off(resolved.itemPipelinesBase, resolved.itemPipelines),
    } as SettingsInput;
    const crawlerProcess = new CrawlerProcess(projectSettings as SettingsInput, { overrides });
    crawlerProcess.crawl(OneRequest as unknown as SpiderClass, options.args ?? {});
    const [result] = await crawlerProcess.start();
    return { ...fetched, result: result! };
  } catch (error) {
    if (error instanceof SpiderArgsError) throw new CliError(describeArgsError(error));
    if (error instanceof SettingsError) throw new CliError(error.message);
    throw error;
  }
}

/** The response as text: status line, headers, a blank line, then the body (indented when JSON). */
export function formatResponse(response: Response): string {
  const lines = [`HTTP ${response.status} ${STATUS_CODES[response.status] ?? ''}`.trimEnd()];
  for (const [name, value] of Object.entries(response.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) lines.push(`${name}: ${one}`);
  }
  const text = response.text();
  let body = text;
  if (/json/i.test(response.header('content-type') ?? '') || /^\s*[[{]/.test(text)) {
    try {
      body = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON after all (or truncated): show it as it came.
    }
  }
  return `${lines.join('\n')}\n\n${body}${body.endsWith('\n') ? '' : '\n'}`;
}

/** The error's message, with the stack when it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

/** Adds the `fetch` command to the `teinei` program; `setCode` receives the exit code. */
export function addFetchCommand(program: Command, cwd: string, setCode: (code: number) => void): void {
  oneRequestOptions(
    program
      .command('fetch')
      .description("fetch one URL through a spider's (or the project's) settings and downloader middlewares; print status, headers and body")
      .argument('<url>', 'an absolute http(s) URL')
      .option('--spider <name>', "use this spider's settings (customSettings) over the project's"),
  ).action(async (url: string, flags: OneRequestFlags) => {
    checkUrl(url);
    const { project, spiderClass } = await projectAndSpider(cwd, flags.spider);
    // Only the spider's settings: its arguments and callbacks play no part in one plain request.
    class FetchSpider extends Spider {
      static override spiderName = spiderClass?.spiderName ?? 'fetch';
      static override customSettings = spiderClass?.customSettings;
    }
    const { response, error } = await fetchOnce(url, { project, spiderClass: FetchSpider, flags, allStatuses: true });
    if (!response) {
      process.stderr.write(`teinei fetch: no response from ${url}: ${(error as Error)?.message ?? error ?? 'the request was dropped'}\n`);
      return setCode(1);
    }
    if (response.flags.length) process.stderr.write(`teinei fetch: ${response.url} [${response.flags.join(', ')}]\n`);
    process.stdout.write(formatResponse(response));
    setCode(response.status >= 200 && response.status < 400 ? 0 : 1);
  });
}

/** @throws CliError unless `url` is an absolute http(s) URL */
export function checkUrl(url: string): void {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new CliError(`Invalid URL ${JSON.stringify(url)}: give an absolute http(s) URL`);
}
