/**
 * Splits a large CSV file into chunk files of at most `chunkRows` records each, every chunk
 * starting with the header row. Records are found with the quote-aware byte scanner and copied
 * byte-for-byte (no field parsing, no re-encoding), so UTF-8 and CP932 files survive unchanged.
 *
 * Header / BOM choice: the header record is copied verbatim into every chunk, except that a UTF-8
 * BOM (EF BB BF) is kept only in the first chunk and stripped from the others' headers. Thus the
 * first chunk starts exactly like the source, and every chunk is a valid standalone CSV.
 *
 * Records whose field count differs from the header's (including blank lines in a multi-column
 * file) and a record left inside an unclosed quote at end of input are not written to any chunk:
 * they are listed in `badRows` and in `<outDir>/bad-rows.csv` (columns line, offset, reason;
 * always written, header-only when there are none). Reading continues after a bad row.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { RecordScanner, type ScannedRecord } from './record-scanner.js';
import { decoderFor } from './encoding.js';
import { parseRecordFields } from './fields.js';
import { compileWhere } from './filter.js';
import { openZipEntry, safeEntryBaseName } from './zip.js';

export type SplitEncoding = 'utf8' | 'cp932';

export interface SplitCsvOptions {
  /** Path to the source .csv file, or to a .zip archive (extension checked case-insensitively). */
  source: string;
  /** Maximum data records per chunk file (positive integer). */
  chunkRows: number;
  /** Output directory (created if missing). */
  outDir: string;
  /** Informational only: bytes are copied as is. Recorded in the result. Default 'utf8'. */
  encoding?: SplitEncoding;
  // --- zip sources (see zip.ts) ---
  /** Zip only: exact entry name to split. Default: the archive's only .csv entry. */
  entry?: string;
  /** Zip only: largest accepted uncompressed entry size in bytes. Default 20 GiB. */
  maxBytes?: number;
  /** Zip only: largest accepted uncompressed/compressed ratio. Default 200. */
  maxRatio?: number;
  /**
   * Keep only records matching this expression (the CLI's `--where`), e.g.
   * `date >= 20171224 && date <= 20171225`; only then are fields parsed (decoded with `encoding`).
   */
  where?: string;
  /** Called after each read with the bytes read so far and the total (the CLI's progress bar). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface BadRow {
  /** 1-based physical line where the record starts. */
  line: number;
  /** 0-based byte offset of the record in the source. */
  offset: number;
  reason: string;
}

export interface SplitCsvResult {
  chunks: Array<{ path: string; rows: number }>;
  /** Data records read (header excluded), bad ones included. */
  rowsRead: number;
  /** Data records written to chunk files. */
  rowsWritten: number;
  badRows: BadRow[];
  /** The header record exactly as in the source (BOM and terminator included). */
  header: Buffer;
  encoding: SplitEncoding;
  /** Path of the bad-rows report. */
  badRowsPath: string;
}

const READ_SIZE = 256 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Source basename without extension, reduced to letters, digits, `.`, `_` and `-`; never empty, never a dot name. */
export function chunkBaseName(source: string): string {
  const base = path.basename(source, path.extname(source));
  const clean = base.replace(/[^\p{L}\p{N}._-]/gu, '_').replace(/^\.+/, '').slice(0, 100);
  return clean === '' ? 'chunk' : clean;
}

function csvCell(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes runs of buffers, merging adjacent subarrays of the same chunk into one write, honouring backpressure. */
async function writeAll(ws: WriteStream, pieces: Buffer[]): Promise<void> {
  let i = 0;
  while (i < pieces.length) {
    const first = pieces[i]!;
    let end = first.byteOffset + first.length;
    let j = i + 1;
    while (j < pieces.length) {
      const next = pieces[j]!;
      if (next.buffer !== first.buffer || next.byteOffset !== end) break;
      end += next.length;
      j++;
    }
    const run = j === i + 1 ? first : Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
    if (!ws.write(run)) await once(ws, 'drain');
    i = j;
  }
}

export async function splitCsv(options: SplitCsvOptions): Promise<SplitCsvResult> {
  const { source, chunkRows, outDir } = options;
  const encoding = options.encoding ?? 'utf8';
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`);
  await mkdir(outDir, { recursive: true });
  const outRoot = path.resolve(outDir);
  // --- zip sources: stream the chosen entry; chunk names come from its sanitised basename ---
  const zipped = /\.zip$/i.test(source)
    ? await openZipEntry(source, { entry: options.entry, maxBytes: options.maxBytes, maxRatio: options.maxRatio })
    : undefined;
  const base = chunkBaseName(zipped ? safeEntryBaseName(zipped.name) : source);

  const result: SplitCsvResult = {
    chunks: [],
    rowsRead: 0,
    rowsWritten: 0,
    badRows: [],
    header: Buffer.alloc(0),
    encoding,
    badRowsPath: path.join(outRoot, 'bad-rows.csv'),
  };

  let header: ScannedRecord | undefined;
  let headerNoBom: Buffer = Buffer.alloc(0);
  let ws: WriteStream | undefined;
  let rowsInChunk = 0;
  let pending: Buffer[] = [];

  const closeChunk = async (): Promise<void> => {
    if (!ws) return;
    await writeAll(ws, pending);
    pending = [];
    ws.end();
    await finished(ws);
    ws = undefined;
  };

  const openChunk = (): void => {
    const index = result.chunks.length + 1;
    const file = path.join(outRoot, `${base}-${String(index).padStart(5, '0')}.csv`);
    // Names come only from the sanitised basename, but check containment anyway.
    if (path.dirname(file) !== outRoot) throw new Error(`refusing to write outside ${outRoot}: ${file}`);
    // A deep write buffer lets the next read proceed while the last chunk is still being written.
    ws = createWriteStream(file, { highWaterMark: 1024 * 1024 });
    ws.on('error', () => {}); // surfaced through once('drain') / finished()
    result.chunks.push({ path: file, rows: 0 });
    rowsInChunk = 0;
    pending.push(index === 1 ? result.header : headerNoBom);
  };

  let keep: ((rec: ScannedRecord) => boolean) | undefined;
  const handle = async (rec: ScannedRecord): Promise<void> => {
    if (!header) {
      if (rec.error !== undefined) throw new Error(`invalid header record at line ${rec.line}: ${rec.error}`);
      header = rec;
      if (options.where) keep = recordFilter(options.where, rec, encoding);
      result.header = Buffer.from(rec.bytes); // own copy: do not pin the first read chunk
      headerNoBom = result.header.subarray(0, 3).equals(BOM) ? result.header.subarray(3) : result.header;
      return;
    }
    result.rowsRead++;
    let reason = rec.error;
    if (reason === undefined && rec.fields !== header.fields) reason = `expected ${header.fields} fields, got ${rec.fields}`;
    if (reason !== undefined) {
      result.badRows.push({ line: rec.line, offset: rec.offset, reason });
      return;
    }
    if (keep && !keep(rec)) return;
    if (!ws) openChunk();
    pending.push(rec.bytes);
    rowsInChunk++;
    result.rowsWritten++;
    result.chunks[result.chunks.length - 1]!.rows++;
    if (rowsInChunk >= chunkRows) await closeChunk();
  };

  try {
    const scanner = new RecordScanner();
    // Sized before the stream opens, so a missing file fails here and not as an unhandled stream error.
    const totalBytes = zipped ? zipped.uncompressedSize : (await stat(source)).size;
    const input = zipped ? zipped.stream : createReadStream(source, { highWaterMark: READ_SIZE }); // zip: see above
    let bytesRead = 0;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      options.onProgress?.(bytesRead, totalBytes);
      for (const rec of scanner.push(chunk)) await handle(rec);
      if (ws && pending.length > 0) {
        await writeAll(ws, pending);
        pending = [];
      }
    }
    const last = scanner.end();
    if (last) await handle(last);
    await closeChunk();
  } catch (error) {
    if (ws) {
      const open: WriteStream = ws;
      open.destroy();
    }
    zipped?.stream.destroy(); // zip: release the archive
    throw error;
  }

  const report = ['line,offset,reason\n', ...result.badRows.map((b) => `${b.line},${b.offset},${csvCell(b.reason)}\n`)].join('');
  await writeFile(result.badRowsPath, report);
  return result;
}

/** A predicate over raw records from a `where` expression, with the header's column names. */
function recordFilter(where: string, header: ScannedRecord, encoding: SplitEncoding): (rec: ScannedRecord) => boolean {
  const decode = decoderFor(encoding);
  const names = parseRecordFields(decode(header.bytes));
  const predicate = compileWhere(where, names);
  return (rec) => {
    const values = parseRecordFields(decode(rec.bytes));
    const row: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i] ?? '';
    return predicate(row);
  };
}
