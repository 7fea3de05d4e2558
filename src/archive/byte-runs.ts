/**
 * Collects byte ranges and hands them on as runs: a range that starts where the previous one ended
 * in the same buffer extends it, so adjacent records of one read become one slice (one write, one
 * decode) instead of one per record. Used by splitCsv's chunk files and the chunk workers.
 */
export class ByteRuns {
  private buffer: Buffer | undefined;
  private start = 0;
  private end = 0;

  /** @param emit receives each finished run, a subarray of the buffer it came from */
  constructor(private readonly emit: (run: Buffer) => void) {}

  /** Adds `buffer[start, end)`. */
  add(buffer: Buffer, start: number, end: number): void {
    if (this.buffer === buffer && this.end === start) {
      this.end = end;
      return;
    }
    this.flush();
    this.buffer = buffer;
    this.start = start;
    this.end = end;
  }

  /** Emits the run in progress, if any (call before the buffer is reused or dropped). */
  flush(): void {
    if (!this.buffer) return;
    const run = this.buffer.subarray(this.start, this.end);
    this.buffer = undefined;
    this.emit(run);
  }
}
