/**
 * `teinei parse <url> --spider name [--callback parse] [-a k=v | --<arg> v]...` (Scrapy's `parse`):
 * fetches the URL through the spider's settings, runs one callback on the response, and prints the
 * items (pretty JSON) and requests (method URL callback) it yields, without following them.
 * Exit 0 when the callback ran cleanly, 1 when it threw or there was no response to give it,
 * 2 on bad usage.
 */
import type { Command } from 'commander';
import { toAsyncIterable } from '../core/scraper.js';
import { HttpError } from '../core/errors.js';
import { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Spider } from '../spiders/spider.js';
import { CliError } from './cli-error.js';
import { checkUrl, describeError, fetchOnce, oneRequestOptions, projectAndSpider, type OneRequestFlags } from './fetch.js';
import { checkUnknownArgs, parseSpiderArgTokens } from './spider-args.js';

/** What a callback yielded, split the way `parse` prints it. */
interface CallbackOutput {
  items: unknown[];
  requests: Request[];
  error?: unknown;
}

/** Adds the `parse` command to the `teinei` program; `setCode` receives the exit code. */
export function addParseCommand(program: Command, cwd: string, setCode: (code: number) => void): void {
  oneRequestOptions(
    program
      .command('parse')
      .description("run one spider callback on one URL's response; print the items and requests it yields (not followed)")
      .argument('<url>', 'an absolute http(s) URL')
      .argument('[spider-args...]', 'spider arguments: --name value or -a name=value')
      .requiredOption('--spider <name>', 'the spider whose settings and callback to use')
      .option('--callback <method>', 'the spider method to run on the response', 'parse')
      // Spider arguments are the spider's own flags, unknown to commander: they arrive in spider-args.
      .allowUnknownOption()
      .allowExcessArguments(),
  ).action(async (url: string, argTokens: string[], flags: OneRequestFlags & { spider: string; callback: string }) => {
    checkUrl(url);
    const { project, spiderClass } = await projectAndSpider(cwd, flags.spider);
    if (!spiderClass) throw new CliError(`Unknown spider "${flags.spider}"`);
    const args = parseSpiderArgTokens(argTokens);
    checkUnknownArgs(flags.spider, spiderClass.args, args);
    if (typeof (spiderClass.prototype as unknown as Record<string, unknown>)[flags.callback] !== 'function') {
      throw new CliError(`Spider ${flags.spider} has no method "${flags.callback}" (--callback)`);
    }
    const output: CallbackOutput = { items: [], requests: [] };
    // Runs inside the crawl, so the callback sees a spider with its crawler, settings and logger.
    const onResponse = async (spider: Spider, response: Response) => {
      try {
        const callback = (spider as unknown as Record<string, (...a: unknown[]) => unknown>)[flags.callback]!;
        for await (const value of toAsyncIterable(callback.call(spider, response))) {
          if (value instanceof Request) output.requests.push(value);
          else if (value !== undefined && value !== null) output.items.push(value);
        }
      } catch (error) {
        output.error = error;
      }
    };
    // The spider's own handleHttpStatusList decides which statuses its callback sees, as in a crawl.
    const { response, error } = await fetchOnce(url, { project, spiderClass, args, flags, allStatuses: false, onResponse });
    if (!response) {
      const hint = error instanceof HttpError ? ` (the spider does not handle HTTP ${error.response.status}; see it with: teinei fetch ${url})` : '';
      process.stderr.write(`teinei parse: no response for ${flags.callback}(): ${(error as Error)?.message ?? error ?? 'the request was dropped'}${hint}\n`);
      return setCode(1);
    }
    process.stdout.write(formatOutput(output, response.url));
    if (output.error !== undefined) {
      process.stderr.write(`teinei parse: ${flags.spider}.${flags.callback}() threw on ${response.url}:\n${describeError(output.error)}\n`);
      return setCode(1);
    }
    setCode(0);
  });
}

function formatOutput({ items, requests }: CallbackOutput, url: string): string {
  const lines = [
    `# Items (${items.length}) from ${url}`,
    JSON.stringify(items, null, 2),
    `# Requests (${requests.length}), not followed`,
    ...requests.map((r) => `${r.method} ${r.url} ${r.callback ?? 'parse'}`),
  ];
  return `${lines.join('\n')}\n`;
}
