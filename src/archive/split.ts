/**
 * Splits a large CSV file into chunk files of at most `chunkRows` records each, every chunk
 * starting with the header row. Records are found with the quote-aware byte scanner and copied
 * byte-for-byte (no field parsing, no re-encoding), so UTF-8 and CP932 files survive unchanged;
 * `outputEncoding: 'utf8'` re-encodes a CP932 source instead. Fields are parsed only for `where`.
 *
 * Header / BOM choice: the header record is copied verbatim into every chunk, except that a UTF-8
 * BOM (EF BB BF) is kept only in the first chunk and stripped from the others' headers. Thus the
 * first chunk starts exactly like the source, and every chunk is a valid standalone CSV.
 *
 * Records whose field count differs from the header's (including blank lines in a multi-column
 * file), records holding bytes that do not decode in the source's encoding, and a record left
 * inside an unclosed quote at end of input are not written to any chunk:
 * they are listed in `badRows` and in `<outDir>/bad-rows.csv` (columns line, offset, reason;
 * always written, header-only when there are none). Reading continues after a bad row.
 */
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { RecordScanner } from './record-scanner.js';
import { ChunkFiles } from './chunk-files.js';
import { DecodeGuard } from './decode-guard.js';
import { decoderFor, detectEncoding, type TextEncoding } from './encoding.js';
import { compileRecordFilter, type RecordFilter } from './record-filter.js';
import { openZipEntry, safeEntryBaseName } from './zip.js';

export type SplitEncoding = TextEncoding;

export interface SplitCsvOptions {
  /** Path to the source .csv file, or to a .zip archive (extension checked case-insensitively). */
  source: string;
  /** Maximum data records per chunk file (positive integer). */
  chunkRows: number;
  /** Output directory (created if missing). */
  outDir: string;
  /**
   * The source's encoding. Default 'auto': a UTF-8 BOM or valid UTF-8 in the first read (256 KiB)
   * means 'utf8', anything else 'cp932'. Every record is checked to decode cleanly in it; one that
   * does not is a bad row.
   */
  encoding?: SplitEncoding | 'auto';
  /** 'source' (default) copies records byte for byte; 'utf8' re-encodes a CP932 source to UTF-8. */
  outputEncoding?: 'source' | 'utf8';
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
  /** The source's encoding, as declared or detected. */
  encoding: SplitEncoding;
  /** Whether `encoding` was detected rather than declared. */
  encodingDetected: boolean;
  /** Encoding of the chunk files. */
  outputEncoding: SplitEncoding;
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

export async function splitCsv(options: SplitCsvOptions): Promise<SplitCsvResult> {
  const { source, chunkRows, outDir } = options;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`);
  await mkdir(outDir, { recursive: true });
  const outRoot = path.resolve(outDir);
  // --- zip sources: stream the chosen entry; chunk names come from its sanitised basename ---
  const zipped = /\.zip$/i.test(source)
    ? await openZipEntry(source, { entry: options.entry, maxBytes: options.maxBytes, maxRatio: options.maxRatio })
    : undefined;
  const base = chunkBaseName(zipped ? safeEntryBaseName(zipped.name) : source);
  const declared = options.encoding && options.encoding !== 'auto' ? options.encoding : undefined;

  const result: SplitCsvResult = {
    chunks: [],
    rowsRead: 0,
    rowsWritten: 0,
    badRows: [],
    header: Buffer.alloc(0),
    encoding: declared ?? 'utf8',
    encodingDetected: declared === undefined,
    outputEncoding: declared ?? 'utf8',
    badRowsPath: path.join(outRoot, 'bad-rows.csv'),
  };

  let files: ChunkFiles | undefined;
  let guard: DecodeGuard | undefined;
  let headerFields = 0;
  let keep: RecordFilter | undefined;

  /** The first read fixes the encoding (declared or detected) and with it the decode check. */
  const begin = (firstRead: Buffer): void => {
    const encoding = declared ?? detectEncoding(firstRead);
    result.encoding = encoding;
    result.outputEncoding = options.outputEncoding === 'utf8' ? 'utf8' : encoding;
    const hint = declared ? '' : ` (encoding ${encoding} was detected from the first ${READ_SIZE / 1024} KiB; declare it if that is wrong)`;
    guard = new DecodeGuard(encoding, hint);
  };

  const onRecord = (buffer: Buffer, start: number, end: number, fields: number, line: number, offset: number, _terminated: boolean, error: string | undefined): void => {
    error ??= guard!.claim(offset, end - start);
    if (!files) {
      if (error !== undefined) throw new Error(`invalid header record at line ${line}: ${error}`);
      headerFields = fields;
      const header = Buffer.from(buffer.subarray(start, end)); // own copy: do not pin the first read
      result.header = header;
      if (options.where) keep = compileRecordFilter(options.where, header, decoderFor(result.encoding));
      const transcode = result.outputEncoding !== result.encoding ? (bytes: Buffer) => Buffer.from(iconv.decode(bytes, result.encoding), 'utf8') : undefined;
      files = new ChunkFiles({ outRoot, base, chunkRows, firstHeader: header, header: header.subarray(0, 3).equals(BOM) ? header.subarray(3) : header, transcode });
      result.chunks = files.chunks;
      return;
    }
    result.rowsRead++;
    if (error === undefined && fields !== headerFields) error = `expected ${headerFields} fields, got ${fields}`;
    if (error !== undefined) {
      result.badRows.push({ line, offset, reason: error });
      return;
    }
    if (keep && !keep(buffer, start, end)) return;
    result.rowsWritten++;
    files.add(buffer, start, end);
  };

  try {
    const scanner = new RecordScanner();
    // Sized before the stream opens, so a missing file fails here and not as an unhandled stream error.
    const totalBytes = zipped ? zipped.uncompressedSize : (await stat(source)).size;
    const input = zipped ? zipped.stream : createReadStream(source, { highWaterMark: READ_SIZE });
    let bytesRead = 0;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (!guard) begin(chunk);
      guard!.check(chunk, bytesRead);
      bytesRead += chunk.length;
      options.onProgress?.(bytesRead, totalBytes);
      scanner.scan(chunk, onRecord);
      await files?.flush();
    }
    guard?.end();
    scanner.endInto(onRecord);
    await files?.close();
  } catch (error) {
    files?.destroy();
    zipped?.stream.destroy(); // zip: release the archive
    throw error;
  }

  const report = ['line,offset,reason\n', ...result.badRows.map((b) => `${b.line},${b.offset},${csvCell(b.reason)}\n`)].join('');
  await writeFile(result.badRowsPath, report);
  return result;
}
