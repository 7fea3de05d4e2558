/**
 * Stats collector, keyed like Scrapy's (`component/metric`). A plain Map: it is on the hot path.
 */

/** A stat's value: counters and gauges are numbers; start/finish times are Dates. */
export type StatValue = number | string | Date;

/** Collects one crawler's stats. */
export class StatsCollector {
  private readonly values = new Map<string, StatValue>();

  /** Adds `by` (default 1) to a counter, starting from 0. */
  inc(key: string, by = 1): void {
    this.values.set(key, ((this.values.get(key) as number | undefined) ?? 0) + by);
  }

  /** Sets a value. */
  set(key: string, value: StatValue): void {
    this.values.set(key, value);
  }

  /** Keeps the larger of the stored and the given number. */
  max(key: string, value: number): void {
    const current = this.values.get(key) as number | undefined;
    if (current === undefined || value > current) this.values.set(key, value);
  }

  /** Keeps the smaller of the stored and the given number. */
  min(key: string, value: number): void {
    const current = this.values.get(key) as number | undefined;
    if (current === undefined || value < current) this.values.set(key, value);
  }

  /** A value, or undefined. */
  get(key: string): StatValue | undefined {
    return this.values.get(key);
  }

  /** A counter's value, 0 when never counted. */
  count(key: string): number {
    const value = this.values.get(key);
    return typeof value === 'number' ? value : 0;
  }

  /** Sum of every counter whose key starts with `prefix`. */
  sumPrefix(prefix: string): number {
    let sum = 0;
    for (const [key, value] of this.values) if (key.startsWith(prefix) && typeof value === 'number') sum += value;
    return sum;
  }

  /** A sorted plain-object copy, Dates as ISO strings (what CrawlResult carries). */
  toJSON(): Record<string, number | string> {
    const out: Record<string, number | string> = {};
    for (const key of [...this.values.keys()].sort()) {
      const value = this.values.get(key)!;
      out[key] = value instanceof Date ? value.toISOString() : value;
    }
    return out;
  }
}
