/**
 * Scrapy's RFC2616Policy: freshness from Cache-Control (s-maxage, max-age, no-cache, no-store),
 * Expires, or a heuristic from Last-Modified (10% of the document's age, as Scrapy and Firefox);
 * stale entries are revalidated with If-None-Match / If-Modified-Since, and a 304 reuses the body.
 *
 * The cache is private to one account (keys carry a credentials hash), so responses to requests
 * with an Authorization header are stored, `private` is ignored, and s-maxage (when given) wins
 * over max-age.
 */
import type { Request } from '../http/request.js';
import type { Response, ResponseHeaders } from '../http/response.js';
import type { CachePolicy } from './policy.js';
import { headerValue, type CacheMeta } from './storage.js';

/** Lifetime of permanent redirects, in seconds (one year, as Scrapy). */
const MAXAGE = 3600 * 24 * 365;

/** Parsed Cache-Control: directive (lower-case) → its value, or true when it has none. */
export type CacheControl = Map<string, string | true>;

/** Parses a Cache-Control header (`max-age=60, no-cache`); repeated headers are joined. */
export function parseCacheControl(value: string | string[] | undefined): CacheControl {
  const directives: CacheControl = new Map();
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name) continue;
    directives.set(name, eq < 0 ? true : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return directives;
}

/** A directive's value as whole seconds ≥ 0; undefined when absent or not a number. */
function seconds(cc: CacheControl, name: string): number | undefined {
  const value = cc.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** An HTTP date header in seconds since the epoch; undefined when absent or invalid. */
function dateHeader(headers: ResponseHeaders, name: string): number | undefined {
  const value = headerValue(headers, name);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** A request header by case-insensitive name. */
function requestHeader(request: Request, name: string): string | undefined {
  for (const key in request.headers) if (key.toLowerCase() === name) return request.headers[key];
  return undefined;
}

/** Freshness per RFC 2616/7234, with Scrapy's choices. */
export class Rfc2616Policy implements CachePolicy {
  /** Not when the request says `Cache-Control: no-store`. */
  shouldCacheRequest(request: Request): boolean {
    return !parseCacheControl(requestHeader(request, 'cache-control')).has('no-store');
  }

  /** Only responses that can be reused: with freshness information or validators. */
  shouldCacheResponse(response: Response, _request: Request): boolean {
    const cc = parseCacheControl(response.headers['cache-control']);
    if (cc.has('no-store') || response.status === 304) return false;
    if (cc.has('max-age') || cc.has('s-maxage') || response.headers.expires !== undefined) return true;
    if (response.status === 300 || response.status === 301 || response.status === 308) return true;
    if (response.status === 200 || response.status === 203 || response.status === 401) {
      return response.headers['last-modified'] !== undefined || response.headers.etag !== undefined;
    }
    return false;
  }

  isFresh(meta: CacheMeta, request: Request, now: number): boolean {
    const cc = parseCacheControl(meta.headers['cache-control']);
    const requestCc = parseCacheControl(requestHeader(request, 'cache-control'));
    if (cc.has('no-cache') || requestCc.has('no-cache')) return false;
    let lifetime = this.freshnessLifetime(meta);
    const requestMaxAge = seconds(requestCc, 'max-age');
    if (requestMaxAge !== undefined) lifetime = Math.min(lifetime, requestMaxAge);
    const age = this.currentAge(meta, now);
    if (age < lifetime) return true;
    // The client accepts stale responses, unless the server forbids it.
    if (requestCc.has('max-stale') && !cc.has('must-revalidate')) {
      const maxStale = requestCc.get('max-stale');
      if (maxStale === true) return true;
      const extra = seconds(requestCc, 'max-stale');
      if (extra !== undefined && age < lifetime + extra) return true;
    }
    return false;
  }

  conditionalHeaders(meta: CacheMeta): Record<string, string> {
    const headers: Record<string, string> = {};
    const etag = headerValue(meta.headers, 'etag');
    const lastModified = headerValue(meta.headers, 'last-modified');
    if (etag) headers['If-None-Match'] = etag;
    if (lastModified) headers['If-Modified-Since'] = lastModified;
    return headers;
  }

  /** 304 Not Modified; or a server error, unless the entry said must-revalidate (serve stale). */
  isValid(meta: CacheMeta, response: Response, _request: Request): boolean {
    if (response.status === 304) return true;
    return response.status >= 500 && !parseCacheControl(meta.headers['cache-control']).has('must-revalidate');
  }

  /** Seconds the entry is fresh for, from its own headers. */
  freshnessLifetime(meta: CacheMeta): number {
    const cc = parseCacheControl(meta.headers['cache-control']);
    const maxAge = seconds(cc, 's-maxage') ?? seconds(cc, 'max-age');
    if (maxAge !== undefined) return maxAge;
    const date = dateHeader(meta.headers, 'date') ?? Math.floor(meta.storedAt / 1000);
    if (meta.headers.expires !== undefined) {
      // An invalid Expires means "already expired" (RFC 2616 14.21).
      const expires = dateHeader(meta.headers, 'expires');
      return expires === undefined ? 0 : Math.max(0, expires - date);
    }
    const lastModified = dateHeader(meta.headers, 'last-modified');
    if (lastModified !== undefined && lastModified <= date) return (date - lastModified) / 10;
    if (meta.status === 300 || meta.status === 301 || meta.status === 308) return MAXAGE;
    return 0;
  }

  /** The entry's age in seconds (RFC 7234 4.2.3): age when stored, plus time spent in the cache. */
  currentAge(meta: CacheMeta, now: number): number {
    const storedAt = Math.floor(meta.storedAt / 1000);
    const date = dateHeader(meta.headers, 'date');
    const apparentAge = date === undefined ? 0 : Math.max(0, storedAt - date);
    const ageHeader = Number(headerValue(meta.headers, 'age'));
    const initialAge = Number.isFinite(ageHeader) ? Math.max(apparentAge, ageHeader) : apparentAge;
    return initialAge + Math.max(0, now - meta.storedAt) / 1000;
  }
}
