/**
 * The one settings schema: every setting teinei reads, its default and one line of doc.
 *
 * Names are Scrapy's setting names in camelCase, in Scrapy's units (seconds, bytes). Grep a name
 * here to find its doc, grep it under src/ to find the one place that reads it.
 * Layers, lowest first: these defaults < project config < spider `customSettings` < CLI `-s`.
 */
import { z } from 'zod';
import { feedsSchema } from './feeds/feed-options.js';

const seconds = z.number().min(0);
const count = z.number().int().min(0);

/**
 * A component in an ordered chain (`itemPipelines`, `downloaderMiddlewares`, `spiderMiddlewares`,
 * `extensions`): a number re-orders a built-in, `null` disables one, and `{ component, order }` adds
 * yours. `component` is a class (built with `static fromCrawler(crawler)` when it has one, else
 * `new Class()`) or a ready instance.
 */
export const componentEntrySchema = z.union([
  z.number(),
  z.null(),
  z.object({ component: z.custom<object>((v) => typeof v === 'function' || (typeof v === 'object' && v !== null), 'a class or an instance'), order: z.number().default(500) }),
]);
/** One entry of an ordered component setting. */
export type ComponentEntry = z.input<typeof componentEntrySchema>;
const components = z.record(z.string(), componentEntrySchema);

const logLevel = z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
/** Log levels, as Python's logging names them (and so Scrapy's `LOG_LEVEL`). */
export type LogLevel = z.infer<typeof logLevel>;
const logFormat = z.enum(['text', 'json']);
/** How log lines are written: Scrapy's text lines, or one JSON object per line for log shippers. */
export type LogFormat = z.infer<typeof logFormat>;

/** Per-slot overrides (Scrapy's DOWNLOAD_SLOTS). */
export const downloadSlotSchema = z.object({
  concurrency: z.number().int().min(1).optional().describe('Concurrent requests in this slot.'),
  delay: seconds.optional().describe('Seconds between request starts in this slot.'),
  randomizeDelay: z.boolean().optional().describe('Randomize this slot\'s delay (0.5–1.5×).'),
});

/** The schema: each key's `.default()` is its default and `.describe()` its doc line. */
export const settingsSchema = z.strictObject({
  botName: z.string().min(1).default('teinei').describe('Name of the bot, used in the default User-Agent and in logs.'),
  contact: z.string().default('').describe('How a partner reaches the operator (URL or e-mail); goes into the default User-Agent.'),
  userAgent: z.string().min(1).optional().describe('User-Agent header; unset builds "<botName>/<version> (+<contact>)".'),
  defaultRequestHeaders: z.record(z.string(), z.string()).default({ Accept: 'application/json' }).describe('Headers added to every request that does not set them.'),

  concurrentRequests: z.number().int().min(1).default(16).describe('Most requests in flight at once, all domains together.'),
  concurrentRequestsPerDomain: z.number().int().min(1).default(1).describe('Most requests in flight at once to one domain (download slot).'),
  downloadDelay: seconds.default(1).describe('Seconds between the starts of two requests to one domain.'),
  randomizeDownloadDelay: z.boolean().default(true).describe('Wait 0.5–1.5 × downloadDelay instead of exactly downloadDelay.'),
  downloadSlots: z.record(z.string(), downloadSlotSchema).default({}).describe('Per-host overrides of concurrency and delay, keyed by host name.'),
  downloadTimeout: seconds.default(180).describe('Seconds a download may take, from connect to the last body byte.'),
  downloadMaxsize: count.default(1024 * 1024 * 1024).describe('Largest response body in bytes; larger ones are aborted. 0 disables.'),
  downloadWarnsize: count.default(32 * 1024 * 1024).describe('Response bodies over this many bytes log a warning. 0 disables.'),
  redirectEnabled: z.boolean().default(true).describe('Follow HTTP redirects.'),
  redirectMaxTimes: count.default(20).describe('Most redirects followed for one request.'),

  retryEnabled: z.boolean().default(true).describe('Retry failed downloads and retryable HTTP codes.'),
  retryTimes: count.default(2).describe('Retries of one request, beyond the first attempt.'),
  retryHttpCodes: z.array(z.number().int()).default([500, 502, 503, 504, 522, 524, 408, 429]).describe('HTTP codes that are retried.'),
  retryPriorityAdjust: z.number().int().default(-1).describe('Added to a retried request\'s priority.'),
  retryBackoffBase: seconds.default(1).describe('Exponential backoff base: retry n waits a random time up to min(retryBackoffMax, base × 2^(n-1)) (full jitter).'),
  retryBackoffMax: seconds.default(60).describe('Longest backoff wait before one retry, in seconds.'),
  retryAfterMax: seconds.default(300).describe('Longest Retry-After / rate-limit reset honoured; a partner asking for longer fails the slot\'s requests, never sends them early.'),

  autothrottleEnabled: z.boolean().default(false).describe('Adapt each slot\'s delay to the partner\'s latency (Scrapy\'s AutoThrottle); 429/503 also raise it.'),
  autothrottleStartDelay: seconds.default(5).describe('AutoThrottle\'s initial delay per slot, in seconds.'),
  autothrottleMaxDelay: seconds.default(60).describe('AutoThrottle\'s highest delay, in seconds.'),
  autothrottleTargetConcurrency: z.number().positive().default(1).describe('Requests AutoThrottle aims to have in flight per partner at once.'),
  autothrottleDebug: z.boolean().default(false).describe('Log every AutoThrottle adjustment (INFO).'),

  robotstxtObey: z.boolean().default(false).describe('Fetch robots.txt per host, skip disallowed URLs and honour Crawl-delay (off: APIs seldom serve one).'),
  robotstxtUserAgent: z.string().optional().describe('User-agent token matched in robots.txt; default: the botName.'),

  httpcacheEnabled: z.boolean().default(false).describe('Cache responses, so developing a spider does not hammer the partner.'),
  httpcacheDir: z.string().default('.teinei/httpcache').describe('Where the HTTP cache lives on disk.'),
  httpcachePolicy: z.enum(['dummy', 'rfc2616']).default('dummy').describe('"dummy" replays everything; "rfc2616" follows Cache-Control.'),
  httpcacheExpirationSecs: count.default(0).describe('Cached entries older than this are refetched. 0 means never expire.'),
  httpcacheIgnoreHttpCodes: z.array(z.number().int()).default([408, 429, 500, 502, 503, 504, 522, 524]).describe('Statuses never stored (so a retry never replays a 429 or a 5xx); set [] to store everything.'),
  httpcacheIgnoreMissing: z.boolean().default(false).describe('Requests not in the cache are ignored instead of downloaded (offline replay).'),
  httpcacheMode: z.enum(['normal', 'record', 'replay']).default('normal').describe('"normal" caches as httpcachePolicy says; "record" always downloads and stores every final response (any status) for replay; "replay" serves only stored responses and fails each request that is not stored, never downloading. Set by `crawl --record <dir>` and runSpider({ record, replay }), which also route robots.txt through the cache.'),
  httpcacheStore: z.custom<object>((v) => typeof v === 'object' && v !== null, 'a Keyv instance or a Keyv store').optional().describe('Any Keyv instance or store (e.g. @keyv/redis) for cache metadata; default: files under httpcacheDir.'),

  httperrorAllowedCodes: z.array(z.number().int()).default([]).describe('Non-2xx codes that still reach spider callbacks.'),
  httperrorAllowAll: z.boolean().default(false).describe('Pass every response to callbacks, whatever its status.'),
  depthLimit: count.default(0).describe('Most link depth followed from a start request. 0 means no limit.'),
  depthPriority: z.number().int().default(0).describe('Added to priority per depth level (negative favours shallow pages).'),

  schedulerOrder: z.enum(['lifo', 'fifo']).default('lifo').describe('Order within one priority: "lifo" (Scrapy\'s default, depth-first) or "fifo".'),
  dupefilterDebug: z.boolean().default(false).describe('Log every filtered duplicate request, not only the first.'),

  closespiderItemcount: count.default(0).describe('Close after this many items scraped (reason closespider_itemcount). 0 disables.'),
  closespiderPagecount: count.default(0).describe('Close after this many responses (reason closespider_pagecount). 0 disables.'),
  closespiderErrorcount: count.default(0).describe('Close after this many spider errors (reason closespider_errorcount). 0 disables.'),
  closespiderTimeout: seconds.default(0).describe('Close after this many seconds (reason closespider_timeout). 0 disables.'),

  notifyWebhookUrl: z.url({ protocol: /^https?$/ }).optional().describe('Slack-compatible incoming webhook (POST { text }) told when a spider closes; a secret, never logged. Unset disables NotifyWebhook.'),
  // 'error'/'errors' read naturally in a config ("notify on errors") and mean the same as 'failure'.
  notifyOn: z.preprocess((v) => (typeof v === 'string' && /^errors?$/i.test(v.trim()) ? 'failure' : typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(['failure', 'always']))
    .default('failure')
    .describe('When NotifyWebhook posts: "failure" (close reason other than finished, or any ERROR/CRITICAL logged; alias "errors") or "always".'),
  notifyTimeout: z.number().positive().default(10).describe('Seconds the close waits for the webhook, its one retry included; a failure is a WARNING, never fatal.'),

  feeds: feedsSchema.default({}).describe('Feeds to write: path template → { format, overwrite, fields }.'),
  itemPipelines: components.default({}).describe('Item pipelines by name → order (or { component, order }); null disables.'),
  itemPipelinesBase: components.default({
    // Built only for spiders with `static item`; first, so later pipelines get parsed, valid items.
    ValidationPipeline: 100,
  }).describe('The built-in item pipelines and their order (ValidationPipeline runs only for spiders with `static item`).'),
  validationRejectsFile: z.string().min(1).optional().describe('JSON-lines file the built-in ValidationPipeline appends each rejected item to (`%(name)s`, `%(time)s` expanded).'),
  downloaderMiddlewares: components.default({}).describe('Downloader middlewares merged over downloaderMiddlewaresBase.'),
  downloaderMiddlewaresBase: components.default({
    // First: a disallowed request goes no further (Scrapy's order, 100).
    RobotsTxtMiddleware: 100,
    DefaultHeadersMiddleware: 400,
    UserAgentMiddleware: 500,
    // Cache below Retry: responses pass Retry (and RateLimit) first, so a 429 is retried, never cached.
    HttpCacheMiddleware: 540,
    RetryMiddleware: 550,
    // Above Retry: sees every 429/503 and rate-limit header before Retry decides, and pauses the slot.
    RateLimitMiddleware: 560,
    DownloaderStats: 850,
  }).describe('The built-in downloader middlewares and their order (lower runs first on the way out).'),
  spiderMiddlewares: components.default({}).describe('Spider middlewares merged over spiderMiddlewaresBase.'),
  spiderMiddlewaresBase: components.default({
    HttpErrorMiddleware: 50,
    OffsiteMiddleware: 500,
    DepthMiddleware: 900,
  }).describe('The built-in spider middlewares and their order.'),
  extensions: components.default({}).describe('Extensions merged over extensionsBase.'),
  extensionsBase: components.default({
    CoreStats: 0,
    CloseSpider: 0,
    LogStats: 0,
    FeedExporter: 0,
    AutoThrottle: 0,
    // Last to close: the summary it posts counts errors logged while the others closed (feeds committing).
    NotifyWebhook: 1000,
  }).describe('The built-in extensions.'),

  logLevel: logLevel.default('INFO').describe('Least severe level that is logged.'),
  logFormat: logFormat.default('text').describe('"text" (Scrapy\'s `time [source] LEVEL: message`) or "json": one object per line {time, level, logger, message, error} for log shippers.'),
  logRedactParams: z.array(z.string().min(1)).default(['api_key', 'apikey', 'key', 'token', 'access_token', 'secret', 'client_secret', 'password', 'sig', 'signature']).describe('Query parameters whose values are logged as *** (case-insensitive; a name also matches at the end of a longer one after _, - or ., e.g. refresh_token, X-Amz-Signature). Credential headers and URL passwords are always hidden.'),
  logRedactValues: z.array(z.string()).default([]).describe('Exact strings logged as *** wherever they appear, e.g. the partner\'s API key read from the environment (empty strings are ignored).'),
  logstatsInterval: seconds.default(60).describe('Seconds between "Crawled N pages" log lines. 0 disables.'),
});

/** Every setting, resolved: what components read. */
export type Settings = z.infer<typeof settingsSchema>;
/** What a layer may give: any subset, before defaults. */
export type SettingsInput = Partial<z.input<typeof settingsSchema>>;
/** A setting's name. */
export type SettingName = keyof Settings;

/** Thrown when a setting is unknown or its value is invalid; names the key and the value. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    message: string,
    /** The offending setting, as given. */
    readonly key: string,
    /** The value given for it. */
    readonly value: unknown,
  ) {
    super(message);
  }
}

const knownKeys = new Set(Object.keys(settingsSchema.shape));
const secretSettings = new Set<string>(['notifyWebhookUrl', 'logRedactValues']);

/** `DOWNLOAD_DELAY` or `download-delay` → `downloadDelay`; camelCase passes through. */
export function normalizeSettingKey(key: string): string {
  if (knownKeys.has(key)) return key;
  if (!/[_-]/.test(key) && key !== key.toUpperCase()) return key;
  const camel = key.toLowerCase().replace(/[_-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return camel;
}

/**
 * Merges layers (lowest first) over the defaults and validates once, at the edge.
 * Nested objects (feeds, component maps, downloadSlots) merge by key so a layer adds to its parent.
 * @throws SettingsError naming the first bad key and its value
 */
export function resolveSettings(...layers: Array<Record<string, unknown> | undefined>): Settings {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [rawKey, value] of Object.entries(layer)) {
      const key = normalizeSettingKey(rawKey);
      if (!knownKeys.has(key)) {
        throw new SettingsError(`Unknown setting "${rawKey}"${suggest(key)}`, rawKey, value);
      }
      const previous = merged[key];
      merged[key] = isMergeable(previous) && isMergeable(value) ? { ...previous, ...value } : value;
    }
  }
  const parsed = settingsSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const where = issue.path.length > 1 ? `${key}.${issue.path.slice(1).join('.')}` : key;
  // A webhook URL carries its token: an error message (stderr, CI logs) must not repeat it.
  const shown = secretSettings.has(key) ? '(hidden)' : show(merged[key]);
  throw new SettingsError(`Invalid setting ${where}=${shown}: ${issue.message}`, key, merged[key]);
}

/** Parses a CLI `-s key=value`: the value as JSON when it parses (numbers, booleans, arrays), else a string. */
export function parseSettingAssignment(assignment: string): [string, unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new SettingsError(`Expected -s key=value, got "${assignment}"`, assignment, undefined);
  const key = normalizeSettingKey(assignment.slice(0, eq).trim());
  const text = assignment.slice(eq + 1);
  try {
    return [key, JSON.parse(text)];
  } catch {
    return [key, text];
  }
}

function isMergeable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function suggest(key: string): string {
  const lower = key.toLowerCase();
  const close = [...knownKeys].find((k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(lower.slice(0, 8)));
  return close ? ` (did you mean "${close}"?)` : '';
}
