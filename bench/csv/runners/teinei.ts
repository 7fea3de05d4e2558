/**
 * teinei runner (one splitCsv call):
 *   node --import tsx bench/csv/runners/teinei.ts <split|filter> <source .csv|.zip> <outDir> <chunkRows> [--where EXPR] [--entry NAME]
 * `filter` needs --where; --entry picks the zip entry. Prints one JSON line
 * { runner, task, seconds, peakRssMb, rowsOut, chunks }.
 */
import { parseArgs } from 'node:util';
import { splitCsv } from '../../../src/archive/index.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { where: { type: 'string' }, entry: { type: 'string' } } });
const [task, source, outDir, chunkRowsArg] = positionals;
if ((task !== 'split' && task !== 'filter') || !source || !outDir || !chunkRowsArg || (task === 'filter' && !values.where)) {
  throw new Error('usage: teinei.ts <split|filter> <source> <outDir> <chunkRows> [--where EXPR] [--entry NAME]');
}
const started = performance.now();
const result = await splitCsv({
  source,
  outDir,
  chunkRows: Number(chunkRowsArg),
  ...(values.entry ? { entry: values.entry } : {}),
  ...(task === 'filter' ? { where: values.where } : {}),
});
const seconds = (performance.now() - started) / 1000;
if (result.badRows.length > 0) throw new Error(`${result.badRows.length} bad rows, first: ${JSON.stringify(result.badRows[0])}`);
console.log(JSON.stringify({
  runner: `teinei-${task}`,
  task,
  seconds,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  rowsOut: result.rowsWritten,
  chunks: result.chunks.length,
}));
