export { RecordScanner, type RecordScannerOptions, type ScannedRecord } from './record-scanner.js';
export { splitCsv, chunkBaseName, type BadRow, type SplitCsvOptions, type SplitCsvResult, type SplitEncoding } from './split.js';
