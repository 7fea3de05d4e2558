/**
 * Names of the built-in components, as `*Base` settings refer to them. The one place that
 * imports concrete middlewares and extensions; the engine never does.
 */
import type { ComponentClass } from './core/components.js';
import { CloseSpider } from './extensions/close-spider.js';
import { CoreStats } from './extensions/core-stats.js';
import { FeedExporter } from './extensions/feed-exporter.js';
import { AutoThrottle } from './extensions/autothrottle.js';
import { LogStats } from './extensions/log-stats.js';
import { NotifyWebhook } from './extensions/notify-webhook.js';
import { DefaultHeadersMiddleware } from './middlewares/downloader/default-headers.js';
import { HttpCacheMiddleware } from './middlewares/downloader/httpcache.js';
import { RateLimitMiddleware } from './middlewares/downloader/rate-limit.js';
import { RetryMiddleware } from './middlewares/downloader/retry.js';
import { RobotsTxtMiddleware } from './middlewares/downloader/robotstxt.js';
import { DownloaderStats } from './middlewares/downloader/stats.js';
import { UserAgentMiddleware } from './middlewares/downloader/user-agent.js';
import { DepthMiddleware } from './middlewares/spider/depth.js';
import { HttpErrorMiddleware } from './middlewares/spider/http-error.js';
import { OffsiteMiddleware } from './middlewares/spider/offsite.js';
import { ValidationPipeline } from './pipelines/validation.js';
import type { DownloaderMiddleware, Extension, ItemPipeline, SpiderMiddleware } from './middlewares/types.js';

type Registry<T> = Record<string, ComponentClass<T>>;

/** Built-in downloader middlewares by name. */
export const builtinDownloaderMiddlewares = {
  RobotsTxtMiddleware,
  DefaultHeadersMiddleware,
  UserAgentMiddleware,
  HttpCacheMiddleware,
  RetryMiddleware,
  RateLimitMiddleware,
  DownloaderStats,
} as unknown as Registry<DownloaderMiddleware>;

/** Built-in spider middlewares by name. */
export const builtinSpiderMiddlewares = {
  HttpErrorMiddleware,
  OffsiteMiddleware,
  DepthMiddleware,
} as unknown as Registry<SpiderMiddleware>;

/** Built-in extensions by name. */
export const builtinExtensions = {
  CoreStats,
  CloseSpider,
  LogStats,
  FeedExporter,
  AutoThrottle,
  NotifyWebhook,
} as unknown as Registry<Extension>;

/** Built-in item pipelines by name. */
export const builtinItemPipelines = {
  ValidationPipeline,
} as unknown as Registry<ItemPipeline>;
