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
