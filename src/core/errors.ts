/**
 * Typed errors, each carrying the context a reader needs (URL, status, setting), like got's.
 */
import type { Request } from '../http/request.js';

/** Base class of teinei's errors. */
export class TeineiError extends Error {
  override name = 'TeineiError';
}

/** Thrown by an item pipeline to drop an item; counted as `item_dropped_reasons_count/<name>`. */
export class DropItem extends TeineiError {
  override name = 'DropItem';
  /** The reason's name in stats; subclasses (e.g. ValidationError) use their own. */
  get reason(): string {
    return this.name;
  }
}

/** Thrown by a middleware to ignore a request or response without treating it as an error. */
export class IgnoreRequest extends TeineiError {
  override name = 'IgnoreRequest';
}

/** A response whose status is not handled by the spider (Scrapy's HttpError). */
export class HttpError extends IgnoreRequest {
  override name = 'HttpError';
  constructor(
    readonly response: { status: number; url: string },
  ) {
    super(`Ignoring response <${response.status} ${response.url}>: HTTP status code is not handled or not allowed`);
  }
}

/** A body that is not valid JSON; names the URL and shows the start of the body. */
export class JsonParseError extends TeineiError {
  override name = 'JsonParseError';
  constructor(
    readonly url: string,
    readonly snippet: string,
    cause: unknown,
  ) {
    super(`Invalid JSON from ${url}: ${(cause as Error)?.message ?? cause}; body starts: ${JSON.stringify(snippet)}`, { cause });
  }
}

/** A download that failed before a response (network error, timeout, size limit). */
export class DownloadError extends TeineiError {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly request: Request,
    /** The underlying error's code or class name, e.g. ECONNRESET, TimeoutError. */
    readonly code: string,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** Spider arguments that fail the spider's `args` schema; names each field. */
export class SpiderArgsError extends TeineiError {
  override name = 'SpiderArgsError';
  constructor(
    readonly spiderName: string,
    readonly problems: Array<{ field: string; message: string }>,
  ) {
    super(`Invalid arguments for spider ${spiderName}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

/** Thrown from a callback to close the spider (Scrapy's CloseSpider); default reason 'cancelled'. */
export class CloseSpider extends TeineiError {
  override name = 'CloseSpider';
  constructor(readonly reason = 'cancelled') {
    super(`Closing spider: ${reason}`);
  }
}

/** Thrown by a component's `fromCrawler` when its settings leave it off (Scrapy's NotConfigured). */
export class NotConfigured extends TeineiError {
  override name = 'NotConfigured';
}

/** Name used in stats keys for an error: its class name, or its code for system errors. */
export function errorName(error: unknown): string {
  if (error instanceof DownloadError) return error.code;
  if (error instanceof Error) return error.name && error.name !== 'Error' ? error.name : ((error as { code?: string }).code ?? 'Error');
  return typeof error;
}
