/**
 * Request fingerprints for the duplicate filter, as Scrapy's: method + canonical URL + body.
 */
import { createHash } from 'node:crypto';
import type { Request } from '../http/request.js';

/**
 * The URL with its query parameters sorted (stable for equal names) and no fragment; scheme and
 * host are lower-cased and default ports dropped by the URL parser.
 */
export function canonicalizeUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  if (parsed.search.length > 1) {
    const pairs = parsed.search.slice(1).split('&').filter((p) => p !== '');
    pairs.sort((a, b) => {
      const ka = a.split('=', 1)[0]!;
      const kb = b.split('=', 1)[0]!;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    parsed.search = pairs.length ? `?${pairs.join('&')}` : '';
  } else {
    // `/p?` and `/p` are one resource: setting '' drops the bare '?' (Scrapy drops it too).
    parsed.search = '';
  }
  return parsed.href;
}

/** A hex SHA-1 over method, canonical URL and body. */
export function requestFingerprint(request: Request): string {
  const hash = createHash('sha1');
  hash.update(request.method);
  hash.update('\n');
  hash.update(canonicalizeUrl(request.url));
  hash.update('\n');
  if (request.body) hash.update(request.body);
  return hash.digest('hex');
}
