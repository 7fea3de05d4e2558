/**
 * In-memory RequestQueue and SeenSet: the defaults for one process.
 */
import type { Request } from '../../http/request.js';
import type { RequestQueue, SeenSet } from './types.js';

/**
 * Priority queue of requests: one array per priority, priorities kept sorted. Within a priority,
 * 'lifo' takes the newest first (Scrapy's default, depth-first), 'fifo' the oldest.
 */
export class MemoryRequestQueue implements RequestQueue {
  private readonly buckets = new Map<number, { items: Request[]; head: number }>();
  /** Priorities with a bucket, highest first. */
  private priorities: number[] = [];
  private count = 0;

  constructor(private readonly order: 'lifo' | 'fifo' = 'lifo') {}

  push(request: Request): void {
    let bucket = this.buckets.get(request.priority);
    if (!bucket) {
      bucket = { items: [], head: 0 };
      this.buckets.set(request.priority, bucket);
      this.priorities.push(request.priority);
      this.priorities.sort((a, b) => b - a);
    }
    bucket.items.push(request);
    this.count++;
  }

  pop(): Request | undefined {
    const priority = this.priorities[0];
    if (priority === undefined) return undefined;
    const bucket = this.buckets.get(priority)!;
    let request: Request;
    if (this.order === 'lifo') {
      request = bucket.items.pop()!;
    } else {
      request = bucket.items[bucket.head]!;
      bucket.items[bucket.head++] = undefined as unknown as Request;
      // Compact now and then so a long FIFO run does not keep a dead prefix.
      if (bucket.head > 1024 && bucket.head * 2 > bucket.items.length) {
        bucket.items = bucket.items.slice(bucket.head);
        bucket.head = 0;
      }
    }
    this.count--;
    if (bucket.items.length === bucket.head) {
      this.buckets.delete(priority);
      this.priorities.shift();
    }
    return request;
  }

  size(): number {
    return this.count;
  }
}

/** Fingerprints in a Set. */
export class MemorySeenSet implements SeenSet {
  private readonly seen = new Set<string>();

  add(fingerprint: string): boolean {
    if (this.seen.has(fingerprint)) return false;
    this.seen.add(fingerprint);
    return true;
  }

  /** How many fingerprints are held. */
  get size(): number {
    return this.seen.size;
  }
}
