/**
 * Scrapy's default cache policy: store every response (but the statuses in
 * `httpcacheIgnoreHttpCodes`) and replay it without touching the network, whatever its
 * Cache-Control says. Made for developing a spider against a partner's API offline; entries
 * only age out through `httpcacheExpirationSecs` (0: never).
 */
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { CachePolicy } from './policy.js';
import type { CacheMeta } from './storage.js';

/** Stores everything; every stored entry is fresh. */
export class DummyPolicy implements CachePolicy {
  /** Every request is cached. */
  shouldCacheRequest(_request: Request): boolean {
    return true;
  }

  /** Every response may be stored (the middleware filters statuses). */
  shouldCacheResponse(_response: Response, _request: Request): boolean {
    return true;
  }

  /** Always fresh: the middleware has already applied `httpcacheExpirationSecs`. */
  isFresh(_meta: CacheMeta, _request: Request, _now: number): boolean {
    return true;
  }

  /** Never needed: nothing is ever stale. */
  conditionalHeaders(_meta: CacheMeta): Record<string, string> {
    return {};
  }

  /** A stored entry stays valid whatever the server answers (as Scrapy's DummyPolicy). */
  isValid(_meta: CacheMeta, _response: Response, _request: Request): boolean {
    return true;
  }
}
