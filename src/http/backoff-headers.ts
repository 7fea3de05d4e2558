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

/** What the partner's rate-limit headers say: requests left, and seconds until the budget resets. */
export interface RateLimitBudget {
  remaining: number;
  resetSeconds: number;
}

/**
 * Reads the rate-limit budget, or undefined when the headers are absent. A reset over 10^9 is read
 * as epoch seconds (GitHub's style), otherwise as seconds from now (the IETF draft's).
 */
export function rateLimitBudget(response: Response, now = Date.now()): RateLimitBudget | undefined {
  let remaining = response.header('ratelimit-remaining') ?? response.header('x-ratelimit-remaining');
  let reset = response.header('ratelimit-reset') ?? response.header('x-ratelimit-reset');
  const combined = response.header('ratelimit');
  if (remaining === undefined && combined) {
    remaining = /(?:^|[,;\s])r(?:emaining)?=(\d+)/.exec(combined)?.[1];
    reset = /(?:^|[,;\s])(?:t|reset)=(\d+(?:\.\d+)?)/.exec(combined)?.[1];
  }
  if (remaining === undefined || reset === undefined) return undefined;
  const left = Number(remaining);
  const value = Number(reset);
  if (!Number.isFinite(left) || !Number.isFinite(value)) return undefined;
  return { remaining: left, resetSeconds: Math.max(0, value > 1e9 ? value - now / 1000 : value) };
}
