/**
 * `teinei <command>`: the commands other than crawl (list, settings, …).
 */
import { Command } from 'commander';
import { settingsSchema } from '../settings.js';
import { version } from '../version.js';
import { CliError } from './cli-error.js';
import { addFetchCommand } from './fetch.js';
import { addNewCommand } from './new.js';
import { addParseCommand } from './parse.js';
import { loadProject } from './project.js';
import { knownArgFlags } from './spider-args.js';
import { addSplitCommand } from './split.js';

/** Runs `teinei`; resolves with the exit code. */
export async function teineiMain(argv: string[], cwd = process.cwd()): Promise<number> {
  const program = new Command('teinei').version(version).description('teinei: polite crawling of partner JSON APIs').exitOverride();
  program
    .command('list')
    .description('list the spiders of the project (teinei.config.ts)')
    .action(async () => {
      const project = await loadProject(cwd);
      for (const [name, { spiderClass, file }] of [...project.spiders].sort(([a], [b]) => a.localeCompare(b))) {
        const flags = knownArgFlags(spiderClass.args);
        process.stdout.write(`${name}${file ? `\t${file}` : ''}${flags?.length ? `\t${flags.join(' ')}` : ''}\n`);
      }
    });
  let code = 0;
  addSplitCommand(program, (c) => (code = c));
  addNewCommand(program, cwd);
  addFetchCommand(program, cwd, (c) => (code = c));
  addParseCommand(program, cwd, (c) => (code = c));
  program
    .command('settings')
    .description('list every setting with its default and doc line')
    .action(() => {
      const defaults = settingsSchema.parse({});
      for (const [key, schema] of Object.entries(settingsSchema.shape)) {
        process.stdout.write(`${key} = ${JSON.stringify(defaults[key as keyof typeof defaults])}\n    ${schema.description ?? ''}\n`);
      }
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    if (e.code?.startsWith('commander.')) return 2;
    if (error instanceof CliError) {
      process.stderr.write(`teinei: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
  return code;
}
