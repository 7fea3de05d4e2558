/**
 * Worker-thread side of `processChunks`: imports the task module once, then for every chunk it
 * is sent reads the file, checks and decodes its encoding, parses it with csv-parse (header row →
 * object keys), applies the `where` filter and calls the task's default export: a function gets
 * the chunk's rows at once (chunk form), an object with `row()` gets them one by one as csv-parse
 * yields them (row form, see `RowTask`). When the chunk's expected row count is known (splitCsv
 * records it), a different parsed count fails the chunk: a stray quote that swallowed rows must
 * not pass silently. Each chunk is answered with one message; errors are reported per chunk, never
 * thrown out of the worker.
 */
import { open } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { CsvError, parse as parseStream, type Options as CsvOptions } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { checkDecodes, decoderFor, type TextEncoding } from './encoding.js';
import { Readable } from 'node:stream';
import { compileRecordFilter, type RecordFilter } from './record-filter.js';
import { RecordScanner, type RecordSink } from './record-scanner.js';
import type { ChunkTask, ChunkTaskContext, RowTask } from './chunk-task.js';

export type { ChunkTask } from './chunk-task.js';

export interface ChunkWorkerData {
  /** file: URL of the task module. */
  taskUrl: string;
  encoding: TextEncoding;
  where?: string;
  options?: unknown;
}

export interface ChunkJob {
  index: number;
  chunk: string;
  /** Data rows the chunk must hold (from splitCsv), when known. */
  expectedRows?: number;
}

export type ChunkReply =
  | { index: number; ok: true; value: unknown; rows: number; kept: number }
  | { index: number; ok: false; error: string };

const data = workerData as ChunkWorkerData;
const port = parentPort;
if (!port) throw new Error('chunk-worker must run in a worker thread');

type LoadedTask = { kind: 'chunk'; run: ChunkTask } | { kind: 'row'; run: RowTask };

let taskPromise: Promise<LoadedTask> | undefined;
function loadTask(taskUrl: string): Promise<LoadedTask> {
  taskPromise ??= import(taskUrl).then((mod: { default?: unknown }) => {
    const task = mod.default;
    if (typeof task === 'function') return { kind: 'chunk', run: task as ChunkTask };
    if (typeof task === 'object' && task !== null && typeof (task as RowTask).row === 'function') return { kind: 'row', run: task as RowTask };
    throw new Error(`task module ${taskUrl}: the default export must be a function (rows, context) or an object with a row(row, state, context) method`);
  });
  return taskPromise;
}


function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const csvOptions: CsvOptions = { bom: true, relax_column_count: false, skip_empty_lines: false, columns: true };
/** Decoded text is handed to the streaming parser in slices of about this many bytes, cut after an LF. */
const SLICE_BYTES = 256 * 1024;

/**
 * The byte pass over one chunk: counts its records, checks each has the header's field count and
 * keeps those matching `where`, decoding only the columns it reads. Returns the header plus the kept
 * records as buffers (runs of adjacent records stay one slice), so csv-parse only ever parses rows
 * the task will see.
 */
function selectRecords(bytes: Buffer, where: string | undefined, decode: (b: Buffer) => string): { pieces: Buffer[]; rows: number; kept: number; keptLines: number[] } {
  const pieces: Buffer[] = [];
  const keptLines: number[] = [];
  let sawHeader = false;
  let headerFields = 0;
  let rows = 0;
  let kept = 0;
  let keep: RecordFilter | undefined;
  let runStart = -1;
  let runEnd = -1;
  const endRun = () => {
    if (runStart >= 0) pieces.push(bytes.subarray(runStart, runEnd));
    runStart = -1;
  };
  const scanner = new RecordScanner();
  const sink: RecordSink = (buffer, start, end, fields, line, _offset, _terminated, error) => {
    if (error !== undefined) throw new Error(`line ${line}: ${error}`);
    if (!sawHeader) {
      sawHeader = true;
      headerFields = fields;
      pieces.push(buffer.subarray(start, end));
      if (where !== undefined) keep = compileRecordFilter(where, buffer.subarray(start, end), decode);
      return;
    }
    rows++;
    if (fields !== headerFields) throw new Error(`line ${line}: expected ${headerFields} fields, got ${fields}`);
    if (keep && !keep(buffer, start, end)) return;
    kept++;
    if (keep) keptLines.push(line);
    if (buffer !== bytes) {
      // Only the final record can be a copy (no trailing newline); it is whole, so keep it as is.
      endRun();
      pieces.push(buffer.subarray(start, end));
    } else if (runStart >= 0 && runEnd === start) runEnd = end;
    else {
      endRun();
      runStart = start;
      runEnd = end;
    }
  };
  scanner.scan(bytes, sink);
  scanner.endInto(sink);
  endRun();
  return { pieces, rows, kept, keptLines };
}

/** Decoded text of `pieces`, in slices cut after an LF (never inside a character in UTF-8 or CP932). */
function* decodedSlices(pieces: Buffer[], decode: (b: Buffer) => string): Generator<string> {
  for (const piece of pieces) {
    let at = 0;
    while (at < piece.length) {
      let end = piece.length;
      if (end - at > SLICE_BYTES) {
        const lf = piece.indexOf(0x0a, at + SLICE_BYTES);
        if (lf !== -1) end = lf + 1;
      }
      yield decode(piece.subarray(at, end));
      at = end;
    }
  }
}

async function runChunk(data: ChunkWorkerData, job: ChunkJob): Promise<{ value: unknown; rows: number; kept: number }> {
  const { chunk } = job;
  const task = await loadTask(data.taskUrl);
  const bytes = await readChunk(chunk);
  const check = checkDecodes(bytes, data.encoding);
  if (!check.ok) throw new Error(`not valid ${data.encoding} at line ${check.line} (byte ${check.offset}): ${check.reason}`);
  const decode = decoderFor(data.encoding);
  const { pieces, rows, kept, keptLines } = selectRecords(bytes, data.where, decode);
  reconcile(job, rows);
  const context: ChunkTaskContext = { chunk, options: data.options };
  let parsed = 0;
  let value: unknown;
  try {
    if (task.kind === 'chunk') {
      const keptRows = parse(pieces.length === 1 ? decode(pieces[0]!) : [...decodedSlices(pieces, decode)].join(''), csvOptions) as unknown as Array<Record<string, string>>;
      parsed = keptRows.length;
      if (parsed === kept) value = await task.run(keptRows, context);
    } else {
      const state = await task.run.start?.(context);
      const parser = Readable.from(decodedSlices(pieces, decode)).pipe(parseStream(csvOptions));
      for await (const row of parser as AsyncIterable<Record<string, string>>) {
        parsed++;
        await task.run.row(row, state, context);
      }
      value = task.run.finish ? await task.run.finish(state, context) : state;
    }
  } catch (error) {
    // csv-parse numbers lines in the text it was given; with `where` that is the kept rows only.
    const records = error instanceof CsvError ? (error as CsvError & { records?: number }).records : undefined;
    if (data.where !== undefined && records !== undefined && keptLines[records] !== undefined) {
      throw new Error(`line ${keptLines[records]}: ${(error as Error).message} (csv-parse's line counts only the rows kept by where)`, { cause: error });
    }
    throw error;
  }
  // The byte scan and csv-parse must agree on the records, or a quote was read two ways.
  if (parsed !== kept) throw new Error(`csv-parse read ${parsed} rows where the byte scan found ${kept}`);
  return { value, rows, kept };
}

/** One read buffer per worker, grown as needed: a fresh multi-MB Buffer per chunk grew each thread's heap by tens of MB. */
let readBuffer = Buffer.alloc(0);

/** The chunk file's bytes, in the worker's read buffer (valid until the next chunk). */
async function readChunk(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (readBuffer.length < size) readBuffer = Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(readBuffer, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return readBuffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

function reconcile(job: ChunkJob, rows: number): void {
  if (job.expectedRows !== undefined && rows !== job.expectedRows) {
    throw new Error(`found ${rows} rows where ${job.expectedRows} were written (a stray quote may have merged rows)`);
  }
}

port.on('message', (job: ChunkJob) => {
  void runChunk(data, job).then(
    (r) => {
      const reply: ChunkReply = { index: job.index, ok: true, ...r };
      try {
        port.postMessage(reply);
      } catch (err) {
        port.postMessage({ index: job.index, ok: false, error: `${job.chunk}: task result cannot be sent back: ${message(err)}` } satisfies ChunkReply);
      }
    },
    (err: unknown) => {
      port.postMessage({ index: job.index, ok: false, error: `${job.chunk}: ${message(err)}` } satisfies ChunkReply);
    },
  );
});
