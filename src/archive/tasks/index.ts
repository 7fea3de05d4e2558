/**
 * Paths of the ready-made processChunks task modules. Only paths: a task module is imported by
 * the worker threads, so the main thread never loads what it needs (MySqlPipeline and mysql2 for
 * the MySQL task).
 */
import { fileURLToPath } from 'node:url';

const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** The MySQL upsert task (see tasks/mysql): pass it as `task`, with MySqlChunkTaskOptions as `options`. */
export const mysqlChunkTask: string = fileURLToPath(new URL(`./mysql${extension}`, import.meta.url));
