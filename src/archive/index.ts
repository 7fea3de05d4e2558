export { RecordScanner, type RecordScannerOptions, type ScannedRecord } from './record-scanner.js';
export { splitCsv, chunkBaseName, type BadRow, type SplitCsvOptions, type SplitCsvResult, type SplitEncoding } from './split.js';
export {
  openZipEntry,
  safeEntryBaseName,
  DEFAULT_ZIP_MAX_BYTES,
  DEFAULT_ZIP_MAX_RATIO,
  type OpenZipEntryOptions,
  type ZipEntryStream,
} from './zip.js';
export { detectEncoding, decoderFor, checkDecodes, normalizeEncoding, type TextEncoding, type DecodeCheck } from './encoding.js';
export { compileWhere, type RowPredicate } from './filter.js';
export { processChunks, type ProcessChunksOptions, type ProcessChunksResult, type ChunkResult } from './process-chunks.js';
export type { ChunkTask } from './chunk-worker.js';
export { mysqlChunkTask, type MySqlChunkTaskOptions } from './tasks/mysql.js';
