/**
 * How long a partner asks us to wait: `Retry-After` (seconds or an HTTP date) and the rate-limit
 * headers (`RateLimit-Remaining`/`RateLimit-Reset`, `X-RateLimit-*`, and the combined `RateLimit:`
 * field of the IETF draft).
 */
import type { Response } from './response.js';

/** Seconds to wait from `Retry-After`, or undefined when absent or unreadable. */
export function retryAfterSeconds(response: Response, now = Date.now()): number | undefined {
  const value = response.header('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * Seconds until the rate-limit budget resets when the partner says none is left; undefined when
 * budget remains or the headers are absent. A reset over 10^9 is read as epoch seconds (GitHub's
 * style), otherwise as seconds from now (the IETF draft's).
 */
export function rateLimitWaitSeconds(response: Response, now = Date.now()): number | undefined {
  let remaining = response.header('ratelimit-remaining') ?? response.header('x-ratelimit-remaining');
  let reset = response.header('ratelimit-reset') ?? response.header('x-ratelimit-reset');
  const combined = response.header('ratelimit');
  if (remaining === undefined && combined) {
    remaining = /(?:^|[,;\s])r(?:emaining)?=(\d+)/.exec(combined)?.[1];
    reset = /(?:^|[,;\s])(?:t|reset)=(\d+)/.exec(combined)?.[1];
  }
  if (remaining === undefined || reset === undefined || Number(remaining) > 0) return undefined;
  const value = Number(reset);
  if (!Number.isFinite(value)) return undefined;
  return Math.max(0, value > 1e9 ? value - now / 1000 : value);
}
