/**
 * The chunk files of one `splitCsv` run: `<base>-00001.csv`, `<base>-00002.csv`, … each starting
 * with the header. Records arrive synchronously from the scanner as byte ranges; contiguous ranges
 * of the same read buffer are merged into one run, so a read of 256 KiB becomes a handful of
 * writes instead of one per record. `flush()` is awaited once per read: it writes the runs with
 * backpressure and closes the files that filled up.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { ByteRuns } from './byte-runs.js';

interface WriteJob {
  ws: WriteStream;
  pieces: Buffer[];
  close: boolean;
}

export interface ChunkFilesOptions {
  /** Absolute output directory. */
  outRoot: string;
  /** File name stem (already sanitised). */
  base: string;
  /** Data records per file. */
  chunkRows: number;
  /** Header for the first file (as in the source). */
  firstHeader: Buffer;
  /** Header for the other files (UTF-8 BOM stripped). */
  header: Buffer;
  /** Re-encodes a run of whole records (e.g. CP932 → UTF-8); identity when absent. */
  transcode?: (bytes: Buffer) => Buffer;
}

export class ChunkFiles {
  readonly chunks: Array<{ path: string; rows: number }> = [];
  private ws: WriteStream | undefined;
  private pieces: Buffer[] = [];
  private rows = 0;
  private jobs: WriteJob[] = [];
  private readonly runs = new ByteRuns((bytes) => this.pieces.push(this.options.transcode ? this.options.transcode(bytes) : bytes));

  constructor(private readonly options: ChunkFilesOptions) {}

  /** Adds the record `buffer[start, end)`; returns nothing, the file rolls over by itself when full. */
  add(buffer: Buffer, start: number, end: number): void {
    if (!this.ws) this.open();
    this.runs.add(buffer, start, end);
    this.chunks[this.chunks.length - 1]!.rows++;
    if (++this.rows >= this.options.chunkRows) {
      this.runs.flush();
      this.jobs.push({ ws: this.ws!, pieces: this.pieces, close: true });
      this.ws = undefined;
      this.pieces = [];
    }
  }

  /** Writes everything added so far (the caller may then reuse or drop its read buffers). */
  async flush(): Promise<void> {
    this.runs.flush();
    if (this.ws && this.pieces.length > 0) {
      this.jobs.push({ ws: this.ws, pieces: this.pieces, close: false });
      this.pieces = [];
    }
    const jobs = this.jobs;
    this.jobs = [];
    for (const job of jobs) {
      for (const piece of job.pieces) if (!job.ws.write(piece)) await once(job.ws, 'drain');
      if (job.close) {
        job.ws.end();
        await finished(job.ws);
      }
    }
  }

  /** Flushes and closes the last file. */
  async close(): Promise<void> {
    this.runs.flush();
    if (this.ws) this.jobs.push({ ws: this.ws, pieces: this.pieces, close: true });
    this.ws = undefined;
    this.pieces = [];
    await this.flush();
  }

  /** Abandons open files after an error. */
  destroy(): void {
    this.ws?.destroy();
    for (const job of this.jobs) job.ws.destroy();
  }

  private open(): void {
    const { outRoot, base } = this.options;
    const index = this.chunks.length + 1;
    const file = path.join(outRoot, `${base}-${String(index).padStart(5, '0')}.csv`);
    // Names come only from the sanitised basename, but check containment anyway.
    if (path.dirname(file) !== outRoot) throw new Error(`refusing to write outside ${outRoot}: ${file}`);
    // A deep write buffer lets the next read proceed while this file is still being written.
    const ws = createWriteStream(file, { highWaterMark: 1024 * 1024 });
    ws.on('error', () => {}); // surfaced through once('drain') / finished()
    this.ws = ws;
    this.chunks.push({ path: file, rows: 0 });
    this.rows = 0;
    const header = index === 1 ? this.options.firstHeader : this.options.header;
    this.pieces.push(this.options.transcode ? this.options.transcode(header) : header);
  }
}
