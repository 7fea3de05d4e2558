/**
 * A ready-made processChunks task: each worker upserts its chunk's (filtered) rows into MySQL
 * through MySqlPipeline, in batches, and returns how many rows it wrote.
 *
 *   await processChunks(split.chunks, { task: mysqlChunkTask, where: '…',
 *     options: { url: 'mysql://…', table: 'plans', key: 'id', batchSize: 500 } });
 */
import { MySqlPipeline, type MySqlPipelineOptions } from '../../pipelines/mysql.js';
import type { Spider } from '../../spiders/spider.js';

/** The options a chunk task takes: MySqlPipeline's, without functions (they cross threads). */
export type MySqlChunkTaskOptions = Omit<MySqlPipelineOptions, 'toRow'>;

/** Upserts one chunk's rows; resolves with the number of rows written. */
export default async function writeChunk(rows: Array<Record<string, string>>, context: { chunk: string; options: unknown }): Promise<number> {
  // flushInterval 0: the chunk is flushed in full batches and once at close, never on a timer.
  const pipeline = new MySqlPipeline({ flushInterval: 0, ...(context.options as MySqlChunkTaskOptions) });
  const spider = {} as Spider;
  await pipeline.open(spider);
  try {
    for (const row of rows) await pipeline.process(row, spider);
  } finally {
    await pipeline.close(spider, 'finished');
  }
  return rows.length;
}
