/**
 * Worker-thread side of `processChunks`: imports the task module once, then for every chunk it
 * is sent reads the file, checks and decodes its encoding, parses it with csv-parse (header row →
 * object keys), applies the `where` filter and calls the task's default export. Each chunk is
 * answered with one message; errors are reported per chunk, never thrown out of the worker.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { parse } from 'csv-parse/sync';
import { checkDecodes, decoderFor, type TextEncoding } from './encoding.js';
import { compileWhere, type RowPredicate } from './filter.js';

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
}

export type ChunkReply =
  | { index: number; ok: true; value: unknown; rows: number; kept: number }
  | { index: number; ok: false; error: string };

export type ChunkTask = (rows: Array<Record<string, string>>, context: { chunk: string; options: unknown }) => unknown;

const data = workerData as ChunkWorkerData;
const port = parentPort;
if (!port) throw new Error('chunk-worker must run in a worker thread');

let taskPromise: Promise<ChunkTask> | undefined;
function loadTask(): Promise<ChunkTask> {
  taskPromise ??= import(data.taskUrl).then((mod: { default?: unknown }) => {
    if (typeof mod.default !== 'function') throw new Error(`task module ${data.taskUrl} has no default export function`);
    return mod.default as ChunkTask;
  });
  return taskPromise;
}

const decode = decoderFor(data.encoding);

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function runChunk(chunk: string): Promise<{ value: unknown; rows: number; kept: number }> {
  const task = await loadTask();
  const bytes = await readFile(chunk);
  const check = checkDecodes(bytes, data.encoding);
  if (!check.ok) throw new Error(`not valid ${data.encoding} at line ${check.line} (byte ${check.offset}): ${check.reason}`);
  let predicate: RowPredicate | undefined;
  const rows = parse(decode(bytes), {
    bom: true,
    relax_column_count: false,
    skip_empty_lines: false,
    columns: (header: string[]) => {
      if (data.where !== undefined) predicate = compileWhere(data.where, header);
      return header;
    },
  }) as Array<Record<string, string>>;
  const kept = predicate ? rows.filter(predicate) : rows;
  const value = await task(kept, { chunk, options: data.options });
  return { value, rows: rows.length, kept: kept.length };
}

port.on('message', (job: ChunkJob) => {
  void runChunk(job.chunk).then(
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
