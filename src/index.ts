/**
 * teinei's public API.
 */
export { Spider, type SpiderClass, type CallbackResult } from './spiders/spider.js';
export { Request, type RequestOptions, type CallbackRef, type HeadersInit } from './http/request.js';
export { Response, type ResponseInit, type ResponseHeaders } from './http/response.js';
export { CrawlerProcess, parseSpiderArgs, type CrawlerProcessOptions, type CrawlOptions } from './crawler-process.js';
export { Crawler, type CrawlResult, type CrawlerParts } from './core/crawler.js';
export {
  settingsSchema,
  resolveSettings,
  normalizeSettingKey,
  parseSettingAssignment,
  SettingsError,
  type Settings,
  type SettingsInput,
  type SettingName,
  type ComponentEntry,
  type LogLevel,
  type LogFormat,
} from './settings.js';
export {
  TeineiError,
  DropItem,
  IgnoreRequest,
  HttpError,
  JsonParseError,
  DownloadError,
  SpiderArgsError,
  NotConfigured,
  CloseSpider,
} from './core/errors.js';
export type { DownloaderMiddleware, SpiderMiddleware, ItemPipeline, Extension, SpiderOutput } from './middlewares/types.js';
export { Signals, type SignalMap, type SignalName, type SignalHandler } from './core/signals.js';
export { StatsCollector, type StatValue } from './core/stats.js';
export { Logger, formatLogRecord, stderrSink, type LogRecord, type LogSink } from './core/log.js';
/** JSON-lines log format (`logFormat: 'json'`), and the crawler's redacting sink for custom loggers. */
export { formatJsonLogRecord, crawlerSink, redactRecord } from './core/log.js';
/** Secret hiding applied to every log record (`logRedactParams`, `logRedactValues`). */
export { createRedactor, REDACTED, type Redactor, type RedactOptions } from './core/redact.js';
export type { RequestQueue, SeenSet, MaybePromise } from './core/queues/types.js';
export { MemoryRequestQueue, MemorySeenSet } from './core/queues/memory.js';
export type { SlotLimiter, SlotPolicy, SlowestSlot } from './core/slots.js';
export { MemorySlots, SlotCancelled, describeSlowestSlot } from './core/slots.js';
export type { DownloadHandler } from './core/handlers/types.js';
export { HttpDownloadHandler } from './core/handlers/http.js';
export { canonicalizeUrl, requestFingerprint } from './core/fingerprint.js';
export { defaultUserAgent } from './middlewares/downloader/user-agent.js';
export { HttpCacheMiddleware, CACHED_FLAG, type HttpCacheMeta, type HttpCacheOptions } from './middlewares/downloader/httpcache.js';
export type { CacheStorage, CacheMeta, CachedEntry, StoredMeta, BodyRef } from './httpcache/storage.js';
export { KeyvCacheStorage, INLINE_MAX_BYTES, type KeyvCacheStorageOptions } from './httpcache/keyv-storage.js';
export { FileKeyvStore } from './httpcache/file-store.js';
export { cacheKey, credentialsHash } from './httpcache/cache-key.js';
export { createPolicy, type CachePolicy } from './httpcache/policy.js';
export { DummyPolicy } from './httpcache/policy-dummy.js';
export { Rfc2616Policy } from './httpcache/policy-rfc2616.js';
export { FixtureMissingError } from './httpcache/replay.js';
export { runSpider, ReplayFixturesError, type RunSpiderOptions, type RunSpiderResult } from './testing/run-spider.js';
export { fixtureSettings, FixtureRobotsTxtMiddleware, type FixtureMode } from './testing/fixtures.js';
export { FeedWriter, type FeedResult } from './feeds/index.js';
/** Posts a crawl's close summary to a Slack-compatible webhook (`notifyWebhookUrl`, `notifyOn`, `notifyTimeout`). */
export { NotifyWebhook, type NotifyWebhookOptions, type NotifyOn, type NotifyPayload } from './extensions/notify-webhook.js';
export { version } from './version.js';
export { defineConfig, type TeineiConfig } from './config.js';
export { ValidationPipeline, ValidationError, type ValidationPipelineOptions, type ValidationIssue, type ItemSchema } from './pipelines/validation.js';
export {
  MySqlPipeline,
  MySqlIdentifierError,
  MySqlItemError,
  type MySqlPipelineOptions,
} from './pipelines/mysql.js';
export {
  RecordScanner,
  splitCsv,
  chunkBaseName,
  type RecordScannerOptions,
  type ScannedRecord,
  type BadRow,
  type SplitCsvOptions,
  type SplitCsvResult,
  type SplitEncoding,
  openZipEntry,
  safeEntryBaseName,
  detectEncoding,
  checkDecodes,
  compileWhere,
  processChunks,
  type ProcessChunksOptions,
  type ProcessChunksResult,
  type ChunkResult,
  type ChunkTask,
  type ChunkTaskContext,
  type RowTask,
  defineRowTask,
  type RecordSink,
  type CompiledWhere,
  mysqlChunkTask,
  type MySqlChunkTaskOptions,
} from './archive/index.js';
