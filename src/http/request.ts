/**
 * A request to download. Callbacks and errbacks are kept by method name, so a queued request can be
 * stored outside the process (on disk, in Redis) and resolved against the spider when it is run.
 */

/** A spider method that handles a response, or its name. */
export type CallbackRef = string | ((...args: any[]) => unknown);

/** HTTP headers: lower- or mixed-case names to values. */
export type HeadersInit = Record<string, string>;

/** Options of a Request (all but the URL). */
export interface RequestOptions {
  /** HTTP method; default GET, or POST when `body`/`json` is given. */
  method?: string;
  /** Request headers; these win over `defaultRequestHeaders`. */
  headers?: HeadersInit;
  /** Raw body. */
  body?: string | Buffer;
  /** A value sent as a JSON body with `Content-Type: application/json`. */
  json?: unknown;
  /** Free data carried to the response (`response.meta`), and read by middlewares. */
  meta?: Record<string, unknown>;
  /** Higher runs first. Default 0. */
  priority?: number;
  /** Skip the duplicate filter. */
  dontFilter?: boolean;
  /** The spider method that gets the response; default `parse`. */
  callback?: CallbackRef;
  /** The spider method that gets download errors and unhandled HTTP errors. */
  errback?: CallbackRef;
}

/** Method names kept when a callback is given as a function. */
function refName(ref: CallbackRef | undefined): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return ref;
  const name = ref.name.replace(/^bound /, '');
  if (!name) throw new TypeError('A callback must be a named spider method (e.g. this.parse), not an anonymous function');
  return name;
}

/** A request for the downloader. Immutable by convention: use `replace()` to derive one. */
export class Request {
  readonly url: string;
  readonly method: string;
  readonly headers: HeadersInit;
  readonly body: Buffer | undefined;
  readonly meta: Record<string, unknown>;
  readonly priority: number;
  readonly dontFilter: boolean;
  /** Name of the spider method for the response. */
  readonly callback: string | undefined;
  /** Name of the spider method for failures. */
  readonly errback: string | undefined;

  constructor(url: string | URL, options: RequestOptions = {}) {
    this.url = normalizeUrl(url);
    let body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
    let headers = options.headers ?? {};
    if (options.json !== undefined) {
      body = Buffer.from(JSON.stringify(options.json));
      if (!hasHeader(headers, 'content-type')) headers = { ...headers, 'Content-Type': 'application/json' };
    }
    this.method = (options.method ?? (body ? 'POST' : 'GET')).toUpperCase();
    // A copy: middlewares add headers in place, which must not reach an object the spider shares.
    this.headers = { ...headers };
    this.body = body;
    // Copied too (as Scrapy does): DepthMiddleware writes meta.depth per request.
    this.meta = options.meta ? { ...options.meta } : {};
    this.priority = options.priority ?? 0;
    this.dontFilter = options.dontFilter ?? false;
    this.callback = refName(options.callback);
    this.errback = refName(options.errback);
  }

  /** A copy with some fields changed (Scrapy's `request.replace`). Meta is copied, not shared. */
  replace(changes: RequestOptions & { url?: string }): Request {
    return new Request(changes.url ?? this.url, {
      method: changes.method ?? this.method,
      headers: changes.headers ?? this.headers,
      body: changes.body ?? this.body,
      ...(changes.json !== undefined ? { json: changes.json } : {}),
      meta: changes.meta ?? { ...this.meta },
      priority: changes.priority ?? this.priority,
      dontFilter: changes.dontFilter ?? this.dontFilter,
      callback: changes.callback ?? this.callback,
      errback: changes.errback ?? this.errback,
    });
  }

  /** `<GET https://…>` as Scrapy prints requests. */
  toString(): string {
    return `<${this.method} ${this.url}>`;
  }
}

/** Case-insensitive header lookup. */
export function hasHeader(headers: HeadersInit, name: string): boolean {
  const lower = name.toLowerCase();
  for (const key in headers) if (key.toLowerCase() === lower) return true;
  return false;
}

function normalizeUrl(url: string | URL): string {
  if (url instanceof URL) return url.href;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new TypeError(`Request URL must be absolute (scheme://host/…), got ${JSON.stringify(url)}; use response.follow() for relative links`);
  }
  return url;
}
