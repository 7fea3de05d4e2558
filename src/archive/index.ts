export { RecordScanner, type RecordScannerOptions, type ScannedRecord, type RecordSink } from './record-scanner.js';
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
export { compileWhere, type RowPredicate, type CompiledWhere } from './filter.js';
export { processChunks, type ProcessChunksOptions, type ProcessChunksResult, type ChunkResult } from './process-chunks.js';
export { defineRowTask, type ChunkTask, type ChunkTaskContext, type RowTask } from './chunk-task.js';
export { mysqlChunkTask } from './tasks/index.js';
export type { MySqlChunkTaskOptions } from './tasks/mysql.js';
