/**
 * The spool: rows that could not be written go to a JSON-lines file, one row per line, so a failed
 * batch is never dropped silently and can be replayed (the upsert makes replaying idempotent).
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Row } from './rows.js';

/** Appends rows to one file per pipeline run: `<dir>/<table>-<timestamp>.jsonl`, created on first use. */
export class Spool {
  private file?: string;

  constructor(
    private readonly dir: string,
    private readonly table: string,
  ) {}

  /** The spool file's path, once something was spooled. */
  get path(): string | undefined {
    return this.file;
  }

  /** Appends the rows (Dates as ISO strings, Buffers as base64, bigints as strings); returns the file. */
  async write(rows: readonly Row[]): Promise<string> {
    if (!this.file) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      this.file = path.resolve(this.dir, `${this.table}-${stamp}.jsonl`);
      await mkdir(path.dirname(this.file), { recursive: true });
    }
    const text = rows.map((row) => JSON.stringify(row, replacer)).join('\n') + '\n';
    await appendFile(this.file, text, 'utf8');
    return this.file;
  }
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (Buffer.isBuffer(original)) return { base64: original.toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
