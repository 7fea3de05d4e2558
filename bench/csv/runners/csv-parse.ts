/**
 * Plain csv-parse → csv-stringify pipeline: `node --import tsx bench/csv/runners/csv-parse.ts <source.csv> <outDir> <chunkRows>`
 * Parses records as arrays (first one is the header) and writes them, re-quoted by csv-stringify,
 * into chunk files of at most chunkRows records each, each with the header. Honours backpressure.
 * Prints one JSON line { runner, task, seconds, peakRssMb, rowsOut, chunks }.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { parse } from 'csv-parse';
import { stringify, type Stringifier } from 'csv-stringify';

const [source, outDir, chunkRowsArg] = process.argv.slice(2);
if (!source || !outDir || !chunkRowsArg) throw new Error('usage: csv-parse.ts <source.csv> <outDir> <chunkRows>');
const chunkRows = Number(chunkRowsArg);
const base = path.basename(source, path.extname(source));
await mkdir(outDir, { recursive: true });

const started = performance.now();
const parser = createReadStream(source, { highWaterMark: 64 * 1024 }).pipe(parse({ relax_column_count: false }));
let header: string[] | undefined;
let out: { s: Stringifier; ws: WriteStream } | undefined;
let inChunk = 0;
let chunks = 0;
let rowsOut = 0;

const close = async (): Promise<void> => {
  if (!out) return;
  out.s.end();
  await finished(out.ws);
  out = undefined;
};

for await (const record of parser as AsyncIterable<string[]>) {
  if (!header) {
    header = record;
    continue;
  }
  if (!out || inChunk === chunkRows) {
    await close();
    chunks++;
    const s = stringify({ record_delimiter: 'windows' });
    const ws = createWriteStream(path.join(outDir, `${base}_${String(chunks).padStart(5, '0')}.csv`));
    s.pipe(ws);
    s.write(header);
    out = { s, ws };
    inChunk = 0;
  }
  if (!out.s.write(record)) await once(out.s, 'drain');
  inChunk++;
  rowsOut++;
}
await close();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  runner: 'csv-parse-split',
  task: 'split',
  seconds,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  rowsOut,
  chunks,
}));
