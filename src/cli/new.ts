/**
 * `teinei new <name> --url <first API url> [--pagination next-link|offset|page|cursor]`: writes a
 * typed spider and its replay test into the project's spiders folder, ready for `crawl <name>`.
 * It never overwrites a file (exit 2, naming it).
 */
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { glob } from 'tinyglobby';
import type { TeineiConfig } from '../config.js';
import { CliError } from './cli-error.js';
import { configFileNames, findConfig, loadProject, spiderGlobIgnore } from './project.js';
import { paginationStyles, spiderClassName, spiderSource, spiderTestFile, type PaginationStyle } from './templates/index.js';

// Starts with a letter so the class name and `crawl <name>` read well; no dots or slashes, so the
// name is a safe file name on every OS.
const namePattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** The folder part of a glob before its first wildcard: `spiders/*.ts` → `spiders`. */
export function globFolder(pattern: string): string {
  const parts = pattern.split('/');
  const firstMagic = parts.findIndex((part) => /[*?[\]{}()!]/.test(part));
  return parts.slice(0, firstMagic === -1 ? parts.length - 1 : firstMagic).join('/') || '.';
}

/** Adds the `new` command to the `teinei` program. */
export function addNewCommand(program: Command, cwd: string): void {
  program
    .command('new')
    .description('write a typed spider (and its replay test) for a partner API into the spiders folder')
    .argument('<name>', 'the spider name (letters, digits, _ and -; starts with a letter)')
    .requiredOption('--url <url>', 'the first API URL, e.g. https://api.partner.example/v1/shops?limit=50')
    .option('--pagination <style>', `how the API pages: ${paginationStyles.join(', ')}`, 'next-link')
    .action(async (name: string, flags: { url: string; pagination: string }) => newSpider(name, flags.url, flags.pagination, cwd));
}

async function newSpider(name: string, rawUrl: string, pagination: string, cwd: string): Promise<void> {
  if (!namePattern.test(name)) throw new CliError(`Invalid spider name ${JSON.stringify(name)}: use letters, digits, _ and -, starting with a letter (at most 64)`);
  const url = parseUrl(rawUrl);
  if (!paginationStyles.includes(pagination as PaginationStyle)) {
    throw new CliError(`Unknown --pagination ${JSON.stringify(pagination)}: use one of ${paginationStyles.join(', ')}`);
  }
  const configPath = findConfig(cwd);
  if (!configPath) throw new CliError(`No ${configFileNames[0]} found in ${cwd} or any parent directory. Create one: export default { spiders: ['spiders/*.ts'] }`);
  const root = dirname(configPath);
  const config = ((await import(pathToFileURL(configPath).href)) as { default?: TeineiConfig }).default;
  const globs = (config?.spiders ?? []).filter((entry): entry is string => typeof entry === 'string');
  const folder = resolve(root, globFolder(globs[0] ?? 'spiders/*.ts'));
  const spiderFile = join(folder, `${name}.ts`);
  await refuseExisting(name, spiderFile, cwd);
  await mkdir(folder, { recursive: true });
  const testFile = await testFileFor(name, folder, root, globs, cwd);
  if (existsSync(testFile)) throw new CliError(`${relative(cwd, testFile)} already exists; not overwriting it (remove it or choose another name)`);

  const input = { name, className: spiderClassName(name), url, style: pagination as PaginationStyle };
  let spiderImport = relative(dirname(testFile), spiderFile).split(sep).join('/').replace(/\.ts$/, '.js');
  if (!spiderImport.startsWith('.')) spiderImport = `./${spiderImport}`;
  await mkdir(dirname(testFile), { recursive: true });
  // 'wx': a file that appeared since the checks above is still not overwritten.
  writeFileSync(spiderFile, spiderSource(input), { flag: 'wx' });
  writeFileSync(testFile, spiderTestFile(input, spiderImport), { flag: 'wx' });

  const show = (file: string) => relative(cwd, file) || file;
  const matched = await matchedBySpiderGlobs(globs, root);
  const lines = [
    `Created ${show(spiderFile)} (${input.className}, ${pagination} pagination) and ${show(testFile)}.`,
    ...(dirname(testFile) === folder ? [] : [`The test is not next to the spider: ${globs.join(', ')} in the config would load it as a spider.`]),
    ...(matched.has(spiderFile) ? [] : [`warning: no glob in the config's spiders (${globs.join(', ') || 'none'}) matches ${show(spiderFile)}: add one, or crawl will not find it`]),
    '',
    'Next steps:',
    ...[
      [`teinei fetch '${url.href}'`, 'see a page as the crawler gets it'],
      [`teinei parse '${url.href}' --spider ${name}`, 'see the items and requests parse() makes of it'],
      [`$EDITOR ${show(spiderFile)}`, 'set RECORDS_FIELD, toItem() and the item schema to fit the records'],
      [`crawl ${name} -O out/${name}.jsonl`, 'crawl every page'],
      [`crawl ${name} --record fixtures/${name}`, `record the responses ${show(testFile)} replays`],
      [`npx vitest run ${show(testFile)}`, 'test the spider offline'],
    ].map(([command, why], _, all) => `  ${command!.padEnd(Math.max(...all.map(([c]) => c!.length)))}   ${why}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`Invalid --url ${JSON.stringify(raw)}: give an absolute URL such as https://api.partner.example/v1/shops`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`Invalid --url ${JSON.stringify(raw)}: only http and https URLs can be crawled`);
  return url;
}

/** Refuses an existing spider file, and a name another spider has. */
async function refuseExisting(name: string, file: string, cwd: string): Promise<void> {
  if (existsSync(file)) throw new CliError(`${relative(cwd, file)} already exists; not overwriting it (remove it or choose another name)`);
  // Best effort: a project whose spiders do not load yet cannot be checked, and is no reason to refuse.
  const existing = await loadProject(cwd).then((project) => project.spiders.get(name), () => undefined);
  if (existing) throw new CliError(`A spider named "${name}" already exists${existing.file ? ` in ${existing.file}` : ''}`);
}

/**
 * Where the test goes: next to the spider (the loader skips `*.test.*`), unless a custom glob would
 * still match it there and crawl would import it as a spider (and fail on vitest); then `test/`.
 * Decided on the file system, with an empty placeholder, so any glob syntax is judged by the same
 * library the project loader uses.
 */
async function testFileFor(name: string, folder: string, root: string, globs: string[], cwd: string): Promise<string> {
  const nextToSpider = join(folder, `${name}.test.ts`);
  try {
    writeFileSync(nextToSpider, '', { flag: 'wx' });
  } catch {
    throw new CliError(`${relative(cwd, nextToSpider) || nextToSpider} already exists; not overwriting it (remove it or choose another name)`);
  }
  try {
    return (await matchedBySpiderGlobs(globs, root)).has(nextToSpider) ? join(root, 'test', `${name}.test.ts`) : nextToSpider;
  } finally {
    unlinkSync(nextToSpider);
  }
}

/** The files the config's spider globs match, as loadProject() globs them. */
async function matchedBySpiderGlobs(globs: string[], root: string): Promise<Set<string>> {
  const files = await Promise.all(globs.map((pattern) => glob(pattern, { cwd: root, absolute: true, ignore: spiderGlobIgnore })));
  return new Set(files.flat().map((file) => resolve(file)));
}
