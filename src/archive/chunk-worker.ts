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
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { parse as parseStream, type Options as CsvOptions } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { checkDecodes, decoderFor, type TextEncoding } from './encoding.js';
import { compileWhere, type RowPredicate } from './filter.js';
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

const csvOptions = (columns: (header: string[]) => string[]): CsvOptions => ({ bom: true, relax_column_count: false, skip_empty_lines: false, columns });

async function runChunk(data: ChunkWorkerData, job: ChunkJob): Promise<{ value: unknown; rows: number; kept: number }> {
  const { chunk } = job;
  const task = await loadTask(data.taskUrl);
  const bytes = await readFile(chunk);
  const check = checkDecodes(bytes, data.encoding);
  if (!check.ok) throw new Error(`not valid ${data.encoding} at line ${check.line} (byte ${check.offset}): ${check.reason}`);
  const text = decoderFor(data.encoding)(bytes);
  let predicate: RowPredicate | undefined;
  const columns = (header: string[]) => {
    if (data.where !== undefined) predicate = compileWhere(data.where, header);
    return header;
  };
  const context: ChunkTaskContext = { chunk, options: data.options };
  let rows = 0;
  let kept = 0;
  let value: unknown;
  if (task.kind === 'chunk') {
    const all = parse(text, csvOptions(columns)) as unknown as Array<Record<string, string>>;
    rows = all.length;
    reconcile(job, rows);
    const keptRows = predicate ? all.filter(predicate) : all;
    kept = keptRows.length;
    value = await task.run(keptRows, context);
  } else {
    const state = await task.run.start?.(context);
    for await (const row of parseStream(text, csvOptions(columns)) as AsyncIterable<Record<string, string>>) {
      rows++;
      if (predicate && !predicate(row)) continue;
      kept++;
      await task.run.row(row, state, context);
    }
    reconcile(job, rows);
    value = task.run.finish ? await task.run.finish(state, context) : state;
  }
  return { value, rows, kept };
}

function reconcile(job: ChunkJob, rows: number): void {
  if (job.expectedRows !== undefined && rows !== job.expectedRows) {
    throw new Error(`parsed ${rows} rows where ${job.expectedRows} were written (a stray quote may have merged rows)`);
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
