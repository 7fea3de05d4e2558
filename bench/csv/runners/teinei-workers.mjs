/**
 * teinei filter with worker threads:
 *   node bench/csv/runners/teinei-workers.mjs <source .csv|.zip> <outDir> <chunkRows> --where EXPR [--entry NAME] [--workers N]
 * splitCsv into <outDir>/chunks (chunkRows rows each, no where), then processChunks over those
 * chunks with `where` and the row-form task filter-task.ts, `workers` threads (default
 * os.availableParallelism()), which writes each chunk's kept rows to <outDir>/kept/<chunk name>.
 * `seconds` is split + process; `peakRssMb` is the whole process's (worker threads included).
 * Plain JavaScript on the built library's archive entry (dist/archive, what `teinei/archive`
 * resolves to) with a plain .mjs task: neither this process nor its workers load tsx or the
 * crawler, as in an installed teinei; run `npm run build` first.
 * Prints one JSON line { runner, task, seconds, peakRssMb, rowsOut, chunks, splitSeconds, processSeconds, workers }.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { processChunks, splitCsv } from '../../../dist/archive/index.js';
import { parse } from 'csv-parse/sync';


const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { where: { type: 'string' }, entry: { type: 'string' }, workers: { type: 'string' } },
});
const [source, outDir, chunkRowsArg] = positionals;
if (!source || !outDir || !chunkRowsArg || !values.where) {
  throw new Error('usage: teinei-workers.mjs <source> <outDir> <chunkRows> --where EXPR [--entry NAME] [--workers N]');
}
const workers = values.workers ? Number(values.workers) : os.availableParallelism();
const task = path.join(path.dirname(fileURLToPath(import.meta.url)), 'filter-task.mjs');
const keptDir = path.join(outDir, 'kept');
await mkdir(keptDir, { recursive: true });

const started = performance.now();
const split = await splitCsv({
  source,
  outDir: path.join(outDir, 'chunks'),
  chunkRows: Number(chunkRowsArg),
  ...(values.entry ? { entry: values.entry } : {}),
});
if (split.badRows.length > 0) throw new Error(`${split.badRows.length} bad rows, first: ${JSON.stringify(split.badRows[0])}`);
const splitDone = performance.now();
const columns = parse(split.header, { bom: true })[0] ?? [];
const options = { outDir: keptDir, columns };
const processed = await processChunks(split.chunks, { task, workers, where: values.where, options });
const ended = performance.now();

const failed = processed.results.filter((r) => !r.ok);
if (failed.length > 0) throw new Error(`${failed.length} chunk(s) failed, first: ${JSON.stringify(failed[0])}`);
const written = processed.results.reduce((n, r) => n + (r.ok ? Number(r.value) : 0), 0);
if (written !== processed.rowsKept) throw new Error(`task wrote ${written} rows but processChunks kept ${processed.rowsKept}`);
if (processed.rowsRead !== split.rowsWritten) throw new Error(`workers read ${processed.rowsRead} rows, split wrote ${split.rowsWritten}`);
console.log(JSON.stringify({
  runner: 'teinei-filter-workers',
  task: 'filter',
  seconds: (ended - started) / 1000,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  rowsOut: written,
  chunks: split.chunks.length,
  splitSeconds: (splitDone - started) / 1000,
  processSeconds: (ended - splitDone) / 1000,
  workers: Math.min(workers, split.chunks.length),
}));
