/**
 * Cache keys: `<spider>:<request fingerprint>:<credentials hash>`. The credentials part keeps two
 * accounts (two Authorization headers, two API keys) from ever sharing an entry, without writing
 * a secret into a key or a file name.
 */
import { createHash } from 'node:crypto';
import { requestFingerprint } from '../core/fingerprint.js';
import type { Request } from '../http/request.js';

/** Query parameter names (case-insensitive) that carry credentials. */
const CREDENTIAL_PARAM = /^(api[-_]?key|key|token|access[-_]token)$/i;
/**
 * Header names (case-insensitive) that carry credentials: Authorization, and the same names as
 * the query parameters, with or without an `X-` prefix (`X-Api-Key`, `X-Auth-Token`, `Token`).
 */
const CREDENTIAL_HEADER = /^(authorization|(x-)?(api[-_]?key|auth[-_]token|access[-_]token|token))$/i;

/** Written in place of the credentials hash when a request carries none. */
export const NO_CREDENTIALS = 'anon';

/**
 * The first 16 hex digits of a SHA-256 over the request's credentials (the Authorization header
 * and other credential headers, API-key-like query parameters), or {@link NO_CREDENTIALS}.
 */
export function credentialsHash(request: Request): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (CREDENTIAL_HEADER.test(name)) parts.push(`h:${name.toLowerCase()}=${value}`);
  }
  const query = request.url.indexOf('?');
  if (query >= 0) {
    const hash = request.url.indexOf('#', query);
    const params = new URLSearchParams(request.url.slice(query + 1, hash < 0 ? undefined : hash));
    for (const [name, value] of params) {
      if (CREDENTIAL_PARAM.test(name)) parts.push(`q:${name.toLowerCase()}=${value}`);
    }
  }
  if (parts.length === 0) return NO_CREDENTIALS;
  parts.sort();
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** The cache key of a request made by a spider: namespaced by spider, split by credentials. */
export function cacheKey(spiderName: string, request: Request): string {
  return `${spiderName}:${requestFingerprint(request)}:${credentialsHash(request)}`;
}
