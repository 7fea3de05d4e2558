/**
 * The scheduler's two storage interfaces. The in-memory versions are the defaults; a Redis-backed
 * pair (for many machines) and an on-disk pair (resumable) implement the same contracts.
 * Methods may return promises so that remote stores fit; in-memory ones return plain values.
 */
import type { Request } from '../../http/request.js';

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** Pending requests, ordered by priority (higher first). */
export interface RequestQueue {
  /** Adds a request. */
  push(request: Request): MaybePromise<void>;
  /** Takes the next request, or undefined when empty. */
  pop(): MaybePromise<Request | undefined>;
  /** How many requests wait. */
  size(): MaybePromise<number>;
  /** Releases resources (connections, files). */
  close?(): MaybePromise<void>;
}

/** Fingerprints already seen by the duplicate filter. */
export interface SeenSet {
  /** Records a fingerprint; true when it was new, false when already seen. */
  add(fingerprint: string): MaybePromise<boolean>;
  /** Releases resources. */
  close?(): MaybePromise<void>;
}
