/**
 * Feed exports (Scrapy's FEEDS): write scraped items to JSON lines, JSON or
 * CSV files that only appear once complete.
 * @module
 */
export { AtomicFileWriter, type AtomicFileOptions } from './atomic-file.js';
export { selectFields, stringifyItem, type ExporterOptions, type ItemExporter } from './exporter.js';
export { CsvExporter, parseCsvHeader, type CsvExporterOptions } from './exporters/csv.js';
export { JsonExporter, type JsonExporterOptions } from './exporters/json.js';
export { JsonLinesExporter } from './exporters/jsonlines.js';
export {
  FEED_EXTENSIONS,
  feedFormatSchema,
  feedFromCliFlag,
  feedOptionsSchema,
  feedsSchema,
  type CliFeed,
  type FeedFormat,
  type FeedOptions,
  type FeedOptionsInput,
} from './feed-options.js';
export { FeedWriter, type FeedResult } from './feed-writer.js';
export { expandPathTemplate, formatTimeForPath, resolveFeedPath, type PathParams } from './path-template.js';
