/**
 * Streaming, quote-aware CSV record boundary scanner working on raw bytes.
 *
 * It does not parse fields: it only finds where records end (an LF outside double quotes; a CRLF
 * terminator is therefore kept intact as part of the record) and counts the fields of each record
 * (commas outside quotes + 1). Quote state is a simple parity toggle on every `"`, which is exact
 * for RFC 4180 input (a doubled quote `""` inside a quoted field toggles out and straight back in)
 * and lenient for stray quotes inside unquoted fields (they open a quoted section).
 *
 * Safe on UTF-8 and CP932 (Shift_JIS) bytes: multibyte sequences in those encodings never contain
 * 0x22 `"`, 0x2C `,`, 0x0D CR or 0x0A LF. Bare-CR (classic Mac) line endings are not recognised.
 *
 * Records that lie entirely inside one pushed chunk are returned as zero-copy `subarray`s of that
 * chunk; only records spanning chunks are copied (concatenated). The scanner therefore keeps
 * references to pushed chunks: do not mutate a Buffer after pushing it.
 *
 * `scan(chunk, sink)` is the allocation-free form used by `splitCsv`: instead of an object per
 * record it calls `sink(buffer, start, end, fields, line, offset, error)`, so a caller copying runs
 * of records makes one subarray per run instead of one per record (measured on a 200 MB feed of
 * 2.2 M records: the object form spends more time allocating than scanning).
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;

export interface ScannedRecord {
  /** The record's bytes, including its line terminator (LF or CRLF) when it has one. Empty when the record was dropped for exceeding `maxRecordBytes`. */
  bytes: Buffer;
  /** 1-based physical line where the record starts (newlines inside quoted fields count as lines). */
  line: number;
  /** 0-based byte offset in the input where the record starts. */
  offset: number;
  /** Total byte length of the record in the input (equals `bytes.length` unless dropped). */
  length: number;
  /** Number of fields: commas outside quotes + 1. */
  fields: number;
  /** Whether the record ended with a line feed (false only for the final record, from `end()`). */
  terminated: boolean;
  /** Set when the record is malformed: unclosed quote at end of input, or larger than `maxRecordBytes`. */
  error?: string;
}

/**
 * Receives one record: its bytes are `buffer[start, end)` (a pushed chunk, or a copy when the record
 * spanned chunks; empty when dropped for size). `terminated` is false only for the final record from `end()`.
 */
export type RecordSink = (
  buffer: Buffer,
  start: number,
  end: number,
  fields: number,
  line: number,
  offset: number,
  terminated: boolean,
  error: string | undefined,
) => void;

export interface RecordScannerOptions {
  /**
   * Largest record kept in memory. A longer record (typically a stray quote swallowing the rest
   * of the file) is not buffered further; it is returned with `error` set and empty `bytes`, and
   * scanning continues after it. Default 64 MiB.
   */
  maxRecordBytes?: number;
}

export class RecordScanner {
  private readonly maxRecordBytes: number;
  private inQuote = false;
  /** Pieces of the current record from earlier chunks (zero-copy subarrays). */
  private parts: Buffer[] = [];
  /** Bytes of the current record seen in earlier chunks. */
  private partsLen = 0;
  private oversized = false;
  private fields = 1;
  /** Physical line at the scan position. */
  private line = 1;
  private recLine = 1;
  private recOffset = 0;
  /** Absolute offset of the start of the chunk being scanned. */
  private consumed = 0;
  private ended = false;

  constructor(options: RecordScannerOptions = {}) {
    this.maxRecordBytes = options.maxRecordBytes ?? 64 * 1024 * 1024;
  }

  /** Total bytes pushed so far. */
  get bytesScanned(): number {
    return this.consumed;
  }

  /** Feeds the next chunk; returns the records completed within it, in order. */
  push(chunk: Buffer): ScannedRecord[] {
    const out: ScannedRecord[] = [];
    this.scan(chunk, (buffer, start, end, fields, line, offset, terminated, error) => {
      out.push(toRecord(buffer, start, end, fields, line, offset, terminated, error, this.lastLength));
    });
    return out;
  }

  /** Feeds the next chunk, calling `sink` for each record completed within it, in order. */
  scan(chunk: Buffer, sink: RecordSink): void {
    if (this.ended) throw new Error('RecordScanner: push() after end()');
    const len = chunk.length;
    let pos = 0;
    let recStart = 0;
    let nextQ = -1;
    let nextNl = -1;
    let nextC = -1;

    while (pos < len) {
      if (nextQ < pos) nextQ = indexOrEnd(chunk, QUOTE, pos);
      if (nextNl < pos) nextNl = indexOrEnd(chunk, LF, pos);
      if (this.inQuote) {
        // Inside quotes: jump to the next quote, counting the newlines on the way.
        while (nextNl < nextQ) {
          this.line++;
          nextNl = indexOrEnd(chunk, LF, nextNl + 1);
        }
        if (nextQ >= len) break;
        this.inQuote = false;
        pos = nextQ + 1;
        continue;
      }
      if (nextC < pos) nextC = indexOrEnd(chunk, COMMA, pos);
      if (nextC < nextNl && nextC < nextQ) {
        this.fields++;
        pos = nextC + 1;
      } else if (nextNl < nextQ) {
        const end = nextNl + 1;
        this.finish(chunk, recStart, end, true, sink);
        this.line++;
        pos = end;
        recStart = end;
        this.recLine = this.line;
        this.recOffset = this.consumed + end;
      } else if (nextQ < len) {
        this.inQuote = true;
        pos = nextQ + 1;
      } else {
        break;
      }
    }

    if (recStart < len) this.keep(chunk.subarray(recStart));
    this.consumed += len;
  }

  /**
   * Signals end of input; returns the final record if the input did not end with a newline
   * (with `error` set when it ends inside a quoted field), or null.
   */
  end(): ScannedRecord | null {
    let last: ScannedRecord | null = null;
    this.endInto((buffer, start, end, fields, line, offset, terminated, error) => {
      last = toRecord(buffer, start, end, fields, line, offset, terminated, error, this.lastLength);
    });
    return last;
  }

  /** `end()` for `scan` users: calls `sink` with the final record, if any. */
  endInto(sink: RecordSink): void {
    if (this.ended) return;
    this.ended = true;
    if (this.partsLen === 0) return;
    this.finish(EMPTY, 0, 0, false, sink, this.inQuote ? 'unclosed quote at end of input' : undefined);
  }

  private keep(piece: Buffer): void {
    this.partsLen += piece.length;
    if (this.oversized) return;
    if (this.partsLen > this.maxRecordBytes) {
      this.oversized = true;
      this.parts = [];
      return;
    }
    this.parts.push(piece);
  }

  /** Length in the input of the record last passed to a sink (differs from its bytes when dropped). */
  private lastLength = 0;

  private finish(chunk: Buffer, start: number, end: number, terminated: boolean, sink: RecordSink, endError?: string): void {
    const length = this.partsLen + (end - start);
    let buffer = chunk;
    let error: string | undefined;
    if (this.oversized || length > this.maxRecordBytes) {
      buffer = EMPTY;
      start = end = 0;
      error = `record longer than ${this.maxRecordBytes} bytes (possible unbalanced quote)`;
    } else if (this.parts.length > 0) {
      this.parts.push(chunk.subarray(start, end));
      buffer = Buffer.concat(this.parts, length);
      start = 0;
      end = length;
    }
    const fields = this.fields;
    this.parts = [];
    this.partsLen = 0;
    this.oversized = false;
    this.fields = 1;
    this.lastLength = length;
    sink(buffer, start, end, fields, this.recLine, this.recOffset, terminated, error ?? endError);
  }
}

const EMPTY = Buffer.alloc(0);

function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const i = chunk.indexOf(byte, from);
  return i === -1 ? chunk.length : i;
}

function toRecord(
  buffer: Buffer,
  start: number,
  end: number,
  fields: number,
  line: number,
  offset: number,
  terminated: boolean,
  error: string | undefined,
  length: number,
): ScannedRecord {
  const rec: ScannedRecord = { bytes: buffer.subarray(start, end), line, offset, length, fields, terminated };
  if (error !== undefined) rec.error = error;
  return rec;
}
