/**
 * `crawl <spider> [--<arg> <value>]... [-s key=value]... [-o FILE|-O FILE] [-L level] [--record DIR]`
 * A thin shell over CrawlerProcess. Exit codes: 0 when every spider closed 'finished' with no
 * error logged, 1 otherwise, 2 for bad usage (unknown spider, bad argument or setting).
 */
import { resolve } from 'node:path';
import { CrawlerProcess } from '../crawler-process.js';
import { SpiderArgsError } from '../core/errors.js';
import { feedFromCliFlag } from '../feeds/index.js';
import { stderrSink } from '../core/log.js';
import { parseSettingAssignment, SettingsError, type SettingsInput } from '../settings.js';
import { fixtureSettings } from '../testing/fixtures.js';
import { CliError } from './cli-error.js';
import { loadProject } from './project.js';
import { checkUnknownArgs, describeArgsError, parseSpiderArgTokens } from './spider-args.js';
import { formatSummary, LiveLine } from './summary.js';

const usage = `Usage: crawl <spider> [--<arg> <value>]... [options]

Options:
  -s, --set <key=value>         override a setting (camelCase or SCRAPY_NAME), repeatable
  -o, --output <file>           append items to FILE (format from the extension: .jsonl .json .csv)
  -O, --overwrite-output <file> write items to FILE, replacing it
  -L, --log-level <level>       DEBUG, INFO, WARNING, ERROR or CRITICAL
      --record <dir>            store every response (any status, robots.txt too) in DIR for
                                offline tests: runSpider(Spider, { args, replay: DIR })
      --log-format <format>     text (default) or json: one JSON object per log line, for log shippers
  -a <name=value>               spider argument, Scrapy style (same as --name value)
  -h, --help                    show this help

Spider arguments are the spider's args schema, in kebab-case: --base-url fills baseUrl.
Exit codes: 0 finished without errors, 1 closed otherwise or errors logged, 2 bad usage.`;

interface CrawlCommand {
  spider: string;
  overrides: Record<string, unknown>;
  feeds: Record<string, unknown>;
  argTokens: string[];
  /** `--record <dir>`: the fixtures directory, as given. */
  record?: string;
}

function parseCommand(argv: string[]): CrawlCommand | 'help' {
  const overrides: Record<string, unknown> = {};
  const feeds: Record<string, unknown> = {};
  const argTokens: string[] = [];
  let spider: string | undefined;
  let record: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const [flag, inline] = token.startsWith('--') && token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new CliError(`${flag} needs a value\n\n${usage}`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '-s':
      case '--set': {
        const [key, parsed] = parseSettingAssignment(value());
        overrides[key] = parsed;
        break;
      }
      case '-o':
      case '--output':
      case '-O':
      case '--overwrite-output': {
        const feed = feedFromCliFlag(value(), flag === '-O' || flag === '--overwrite-output');
        feeds[feed.path] = feed.options;
        break;
      }
      case '-L':
      case '--log-level':
        overrides.logLevel = value().toUpperCase();
        break;
      case '--record':
        record = value();
        break;
      case '--log-format':
        overrides.logFormat = value().toLowerCase();
        break;
      default:
        if (spider === undefined && !token.startsWith('-')) spider = token;
        else if (token === '-a') argTokens.push(token, value());
        else argTokens.push(token);
    }
  }
  if (!spider) throw new CliError(`Missing the spider name\n\n${usage}`);
  return { spider, overrides, feeds, argTokens, record };
}

/** Runs the crawl command; resolves with the exit code (the bin script exits with it). */
export async function crawlMain(argv: string[], cwd = process.cwd()): Promise<number> {
  let prepared: { crawlerProcess: CrawlerProcess; live: LiveLine | undefined } | 'help';
  try {
    prepared = await prepare(argv, cwd);
  } catch (error) {
    // Everything before the first request is usage or configuration: report it and exit 2.
    process.stderr.write(`crawl: ${describeSetupError(error)}\n`);
    return error instanceof CliError ? error.exitCode : 2;
  }
  if (prepared === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const { crawlerProcess, live } = prepared;
  live?.start();
  try {
    const results = await crawlerProcess.start();
    live?.stop();
    for (const result of results) process.stdout.write(`${formatSummary(result)}\n`);
    const clean = results.every((r) => r.closeReason === 'finished' && !r.stats['log_count/ERROR'] && !r.stats['log_count/CRITICAL']);
    return clean ? 0 : 1;
  } finally {
    live?.stop();
  }
}

async function prepare(argv: string[], cwd: string) {
  const command = parseCommand(argv);
  if (command === 'help') return 'help' as const;
  const project = await loadProject(cwd);
  const entry = project.spiders.get(command.spider);
  if (!entry) {
    const known = [...project.spiders.keys()].sort();
    throw new CliError(`Unknown spider "${command.spider}". Known spiders: ${known.join(', ') || '(none)'}`);
  }
  const args = parseSpiderArgTokens(command.argTokens);
  checkUnknownArgs(command.spider, entry.spiderClass.args, args);
  // Over every -s: recording forces the cache on in record mode under DIR (relative to the working directory).
  const overrides = (command.record === undefined ? { ...command.overrides } : fixtureSettings('record', resolve(cwd, command.record), command.overrides as SettingsInput)) as SettingsInput;
  if (Object.keys(command.feeds).length) overrides.feeds = command.feeds as SettingsInput['feeds'];
  let live: LiveLine | undefined;
  const crawlerProcess = new CrawlerProcess(project.config.settings ?? {}, {
    overrides,
    handleSignals: true,
    logSink: (record) => (live ? live.wrap(stderrSink)(record) : stderrSink(record)),
  });
  const crawler = crawlerProcess.crawl(entry.spiderClass, args);
  if (process.stderr.isTTY) live = new LiveLine(process.stderr, [{ name: command.spider, stats: crawler.stats, slots: crawler.slots }]);
  return { crawlerProcess, live };
}

function describeSetupError(error: unknown): string {
  if (error instanceof SpiderArgsError) return describeArgsError(error);
  if (error instanceof CliError || error instanceof SettingsError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
