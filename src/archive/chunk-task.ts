/**
 * The two shapes of a `processChunks` task module's default export. The module is imported once
 * per worker thread; what it exports must be plain code (no state shared with the main thread).
 *
 *   // chunk form: all kept rows of a chunk at once
 *   export default (rows, { chunk, options }) => rows.length;
 *
 *   // row form: one row at a time, so a chunk's rows are never all in memory
 *   export default defineRowTask({
 *     start: () => ({ total: 0 }),
 *     row: (row, state) => { state.total += Number(row.price); },
 *     finish: (state) => state.total,
 *   });
 */

/** What a task is told about the chunk it works on. */
export interface ChunkTaskContext {
  /** Path of the chunk file. */
  chunk: string;
  /** `ProcessChunksOptions.options`, as sent to every worker. */
  options: unknown;
}

/** Chunk form: the default export gets all of a chunk's kept rows at once; its return value is the chunk's result. */
export type ChunkTask = (rows: Array<Record<string, string>>, context: ChunkTaskContext) => unknown;

/**
 * Row form: the default export is an object whose `row` is called for each kept row in order,
 * so a chunk's rows are never all in memory. `start` makes the chunk's state (default undefined),
 * `finish` turns it into the chunk's result (default: the state).
 */
export interface RowTask<State = unknown> {
  start?(context: ChunkTaskContext): State | Promise<State>;
  row(row: Record<string, string>, state: State, context: ChunkTaskContext): void | Promise<void>;
  finish?(state: State, context: ChunkTaskContext): unknown;
}

/** Types a row-form task module's default export: `export default defineRowTask({ start, row, finish })`. */
export function defineRowTask<State>(task: RowTask<State>): RowTask<State> {
  return task;
}
