/**
 * What the HTTP cache stores, and the small interface a storage implements. The middleware only
 * talks to a {@link CacheStorage}; the default one is {@link KeyvCacheStorage} (metadata in keyv,
 * bodies in gzip files).
 */
import type { ResponseHeaders } from '../http/response.js';

/** A stored response minus its body: what the middleware gives to {@link CacheStorage.set}. */
export interface CacheMeta {
  /** The response's URL (after redirects). */
  url: string;
  /** The response's HTTP status. */
  status: number;
  /** The response's headers, names lower-cased. */
  headers: ResponseHeaders;
  /** When the response was stored (or last revalidated), in ms since the epoch. */
  storedAt: number;
}

/** Where a stored body is: a gzip file under `<httpcacheDir>/bodies/`, or inline (gzip, base64). */
export type BodyRef =
  | { file: string; sha1: string; size: number }
  | { inline: string; sha1: string; size: number };

/** The record a storage keeps per key: the metadata and where the body is. */
export interface StoredMeta extends CacheMeta {
  /** Format version, to skip records an older or newer teinei wrote. */
  v: 1;
  body: BodyRef;
}

/** One cache entry as read back: its metadata and its (decompressed) body. */
export interface CachedEntry {
  meta: StoredMeta;
  body: Buffer;
}

/**
 * Stores responses by cache key (see `cacheKey`). Implementations must never throw on a missing
 * or damaged entry: `get` resolves undefined, and the request is downloaded again.
 */
export interface CacheStorage {
  /** The entry for a key, or undefined when there is none (or it cannot be read). */
  get(key: string): Promise<CachedEntry | undefined>;
  /** Stores (or replaces) the entry for a key. */
  set(key: string, meta: CacheMeta, body: Buffer): Promise<void>;
  /** Waits for writes in flight and frees what the storage opened (not a store the user gave). */
  close(): Promise<void>;
}

/** A header's first value, by lower-case name. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
