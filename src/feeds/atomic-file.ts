import { once } from 'node:events';
import { copyFile, mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** How {@link AtomicFileWriter.open} treats an existing file. */
export interface AtomicFileOptions {
  /**
   * Keep the current content of the file and add to it (CLI `-o`).
   * Default `false`: start empty and replace the file on commit (CLI `-O`).
   */
  append?: boolean;
  /**
   * Buffered characters that trigger a write to the stream. Items arrive many
   * thousands per second; one `stream.write` per item costs far more than the
   * bytes themselves, so small chunks are joined first.
   */
  flushThreshold?: number;
}

const DEFAULT_FLUSH_THRESHOLD = 64 * 1024;

type State = 'open' | 'committed' | 'aborted' | 'failed';

/**
 * Writes a file so that it only ever appears complete.
 *
 * Data goes to `FILE.part`; {@link commit} flushes, fsyncs and renames it over
 * `FILE`. `rename` is atomic within one filesystem, so a process that waits
 * for `FILE` to exist never reads a half-written feed, and a crash leaves the
 * previous `FILE` untouched. Appending is atomic too: the existing file is
 * copied to `FILE.part` first, so the old content is only replaced once the
 * new content is complete.
 *
 * Not safe for two writers on the same path at once: both would use one `.part`.
 */
export class AtomicFileWriter {
  /** Final path, created by {@link commit}. */
  readonly path: string;
  /** Temporary path holding data until {@link commit}. */
  readonly partPath: string;
  /** Bytes carried over from the existing file when appending (0 otherwise). */
  readonly initialSize: number;

  private readonly handle: FileHandle;
  private readonly stream: WriteStream;
  private readonly flushThreshold: number;
  private pending = '';
  private state: State = 'open';
  private failure: Error | undefined;

  private constructor(path: string, handle: FileHandle, initialSize: number, flushThreshold: number) {
    this.path = path;
    this.partPath = `${path}.part`;
    this.handle = handle;
    this.initialSize = initialSize;
    this.flushThreshold = flushThreshold;
    // autoClose is off so commit() can fsync the descriptor after the last
    // write and before closing it (the stream's own `flush` option needs
    // Node 20.10); release() closes the handle.
    this.stream = handle.createWriteStream({ autoClose: false, highWaterMark: 4 * flushThreshold });
    // Without a listener an I/O error would crash the process; keep it and
    // report it from the next write/commit instead.
    this.stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  /**
   * Creates parent directories and opens `path + '.part'` for writing. A stale
   * `.part` from an earlier aborted run is overwritten.
   */
  static async open(path: string, options: AtomicFileOptions = {}): Promise<AtomicFileWriter> {
    const partPath = `${path}.part`;
    await mkdir(dirname(path), { recursive: true });
    let flags = 'w';
    if (options.append === true) {
      try {
        await copyFile(path, partPath);
        flags = 'a';
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    // Opening the handle up front makes EACCES/EISDIR reject here rather than
    // surface later as an asynchronous stream error.
    const handle = await open(partPath, flags);
    try {
      const { size } = await handle.stat();
      return new AtomicFileWriter(path, handle, size, options.flushThreshold ?? DEFAULT_FLUSH_THRESHOLD);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Queues `chunk`. Resolves immediately unless the buffer was handed to the
   * stream and the stream is over its high-water mark, in which case it waits
   * for 'drain' so a fast producer cannot grow memory without bound.
   */
  async write(chunk: string): Promise<void> {
    this.assertOpen('write');
    this.pending += chunk;
    if (this.pending.length >= this.flushThreshold) await this.flush();
  }

  /** Writes everything, fsyncs, closes and renames `.part` over the final path. */
  async commit(): Promise<void> {
    this.assertOpen('commit');
    try {
      await this.end();
      // fsync before rename: otherwise a power loss can leave the renamed file
      // empty on some filesystems, which is worse than the old file.
      await this.handle.sync();
      this.state = 'committed';
      await this.release();
      await rename(this.partPath, this.path);
    } catch (error) {
      this.state = 'failed';
      await this.release().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stops writing and closes the file, leaving `FILE.part` (with everything
   * written so far) in place for inspection; `FILE` is not touched. Never
   * throws: it runs on error paths where the original error matters more.
   */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    try {
      await this.end();
    } catch {
      // Best effort: the .part is only kept for debugging.
    }
    await this.release().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.pending === '') return;
    const data = this.pending;
    this.pending = '';
    this.throwIfFailed();
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  // Hands over the remaining buffer and waits until every byte reached the fd.
  private async end(): Promise<void> {
    this.throwIfFailed();
    const finished = new Promise<void>((resolve, reject) => {
      this.stream.once('finish', resolve);
      this.stream.once('error', reject);
    });
    const rest = this.pending;
    this.pending = '';
    if (rest === '') this.stream.end();
    else this.stream.end(rest);
    await finished;
  }

  // The stream holds a reference on the FileHandle until it is destroyed, and
  // FileHandle.close() waits for that; with autoClose off we must destroy it.
  private async release(): Promise<void> {
    if (!this.stream.closed) {
      const closed = once(this.stream, 'close').catch(() => undefined);
      this.stream.destroy();
      await closed;
    }
    await this.handle.close();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private assertOpen(action: string): void {
    if (this.state !== 'open') {
      throw new Error(`cannot ${action} ${this.path}: the file is already ${this.state}`);
    }
    this.throwIfFailed();
  }
}
