/**
 * teinei runner: `node --import tsx bench/csv/runners/teinei.ts <split|filter> <source .csv|.zip> <outDir> <chunkRows> [where]`
 * Prints one JSON line { runner, task, seconds, peakRssMb, rowsOut, chunks }.
 */
import { splitCsv } from '../../../src/archive/index.js';

const [task, source, outDir, chunkRowsArg, where] = process.argv.slice(2);
if ((task !== 'split' && task !== 'filter') || !source || !outDir || !chunkRowsArg) {
  throw new Error('usage: teinei.ts <split|filter> <source> <outDir> <chunkRows> [where]');
}
const started = performance.now();
const result = await splitCsv({
  source,
  outDir,
  chunkRows: Number(chunkRowsArg),
  ...(task === 'filter' ? { where: where ?? 'date >= 20171224 && date <= 20171225' } : {}),
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
