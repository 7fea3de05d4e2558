/**
 * `teinei split <source> --chunk-rows N --out DIR [--entry NAME] [--encoding auto|utf8|cp932]
 *   [--output-encoding source|utf8] [--where EXPR]`:
 * splits a CSV (or a CSV inside a zip) into chunk files of N records, each with the header,
 * byte-exact. Exit codes as `crawl`: 0 every row written, 1 bad rows were set aside, 2 bad usage
 * or unreadable input.
 */
import type { Command } from 'commander';
import { splitCsv, type SplitCsvOptions } from '../archive/index.js';
import { CliError } from './cli-error.js';

interface SplitFlags {
  chunkRows: string;
  out: string;
  entry?: string;
  encoding?: string;
  outputEncoding?: string;
  where?: string;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const v = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) throw new CliError(`${flag} must be ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return v as T;
}

/** A one-line bar over bytes, redrawn at most every 100 ms. */
function progressBar(stream: NodeJS.WriteStream) {
  let last = 0;
  return {
    update: (read: number, total: number) => {
      const now = Date.now();
      if (now - last < 100 && read < total) return;
      last = now;
      const share = total > 0 ? Math.min(1, read / total) : 0;
      const width = 30;
      const filled = Math.round(share * width);
      stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0)}% ${(read / 2 ** 20).toFixed(0)}/${(total / 2 ** 20).toFixed(0)} MiB`);
    },
    done: () => stream.write('\r\x1b[2K'),
  };
}

/** Adds the `split` command to the `teinei` program; `setCode` receives the exit code. */
export function addSplitCommand(program: Command, setCode: (code: number) => void): void {
  program
    .command('split')
    .description('split a CSV (or a CSV in a zip) into chunk files of N records, each with the header')
    .argument('<source>', 'a .csv file, or a .zip holding one')
    .requiredOption('--chunk-rows <n>', 'records per chunk file')
    .requiredOption('--out <dir>', 'directory for the chunk files and bad-rows.csv')
    .option('--entry <name>', 'the CSV entry inside a zip')
    .option('--encoding <encoding>', "the source's encoding: utf8, cp932 or auto (detected from the first 256 KiB)", 'auto')
    .option('--output-encoding <encoding>', 'source (copy bytes as they are) or utf8 (re-encode a CP932 source)', 'source')
    .option('--where <expression>', "keep matching records only, e.g. 'date >= 20171224 && date <= 20171225'")
    .action(async (source: string, flags: SplitFlags) => {
      const chunkRows = Number(flags.chunkRows);
      if (!Number.isInteger(chunkRows) || chunkRows <= 0) throw new CliError(`--chunk-rows must be a positive integer, got ${JSON.stringify(flags.chunkRows)}`);
      const encoding = oneOf('--encoding', flags.encoding ?? 'auto', ['auto', 'utf8', 'cp932'] as const);
      const outputEncoding = oneOf('--output-encoding', flags.outputEncoding ?? 'source', ['source', 'utf8'] as const);
      const bar = process.stderr.isTTY ? progressBar(process.stderr) : undefined;
      const options: SplitCsvOptions = { source, chunkRows, outDir: flags.out, encoding, outputEncoding, entry: flags.entry, where: flags.where, onProgress: bar?.update };
      const started = performance.now();
      let result;
      try {
        result = await splitCsv(options);
      } catch (error) {
        throw new CliError(`split: ${(error as Error)?.message ?? error}`);
      } finally {
        bar?.done();
      }
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        [
          `${source}: ${result.rowsRead.toLocaleString('en-US')} rows read, ${result.rowsWritten.toLocaleString('en-US')} written to ${result.chunks.length} chunks in ${flags.out} (${seconds.toFixed(1)} s)`,
          `  encoding  ${result.encoding}${result.encodingDetected ? ' (detected)' : ''}${result.outputEncoding !== result.encoding ? `, chunks re-encoded to ${result.outputEncoding}` : ', chunks are byte-exact copies'}`,
          `  bad rows  ${result.badRows.length}${result.badRows.length ? ` (see ${result.badRowsPath}; first at line ${result.badRows[0]!.line}: ${result.badRows[0]!.reason})` : ''}`,
        ].join('\n') + '\n',
      );
      setCode(result.badRows.length ? 1 : 0);
    });
}
