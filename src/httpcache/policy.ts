/**
 * Cache policies decide what is stored, what is fresh, and how a stale entry is revalidated
 * (Scrapy's DummyPolicy and RFC2616Policy). The middleware applies `httpcacheIgnoreHttpCodes`,
 * `httpcacheExpirationSecs` and `meta.dontCache` itself, whatever the policy.
 */
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Settings } from '../settings.js';
import { DummyPolicy } from './policy-dummy.js';
import { Rfc2616Policy } from './policy-rfc2616.js';
import type { CacheMeta } from './storage.js';

/** What the HTTP cache middleware asks its policy. Times are ms since the epoch. */
export interface CachePolicy {
  /** Whether a request is looked up and its response stored at all. */
  shouldCacheRequest(request: Request): boolean;
  /** Whether a response that came from the network may be stored. */
  shouldCacheResponse(response: Response, request: Request): boolean;
  /** Whether a stored entry may be used without asking the server. */
  isFresh(meta: CacheMeta, request: Request, now: number): boolean;
  /** Headers that make a stale entry's request conditional; empty when it has no validators. */
  conditionalHeaders(meta: CacheMeta): Record<string, string>;
  /** Whether a stale entry may be used, given the server's answer to the (conditional) request. */
  isValid(meta: CacheMeta, response: Response, request: Request): boolean;
}

/** The policy named by `httpcachePolicy`. */
export function createPolicy(name: Settings['httpcachePolicy']): CachePolicy {
  switch (name) {
    case 'dummy':
      return new DummyPolicy();
    case 'rfc2616':
      return new Rfc2616Policy();
  }
}
