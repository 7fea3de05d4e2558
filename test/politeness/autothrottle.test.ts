/**
 * AutoThrottle against a partner with 100 ms latency: the slot's delay moves from the start
 * delay toward latency / target concurrency, never below downloadDelay, and doubles on a 429.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runSpider } from '../helpers/server.js';
import { startStrictPartner, type StrictPartner } from '../helpers/strict-partner.js';
import { followSpider, ids, itemIds, report } from './support.js';

let partner: StrictPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

const autothrottle = { autothrottleEnabled: true, autothrottleStartDelay: 0.2, autothrottleMaxDelay: 2, downloadDelay: 0 };

/** Runs a follow spider and records the slot's delay after each response (status, latency, delay). */
async function crawlRecordingDelays(settings: Record<string, unknown>) {
  const trace: Array<{ status: number; latency: number; delay: number }> = [];
  let initial = Number.NaN;
  const run = await runSpider(followSpider(partner!), {
    settings: { ...autothrottle, ...settings },
    onCrawler: (crawler) => {
      crawler.signals.on('requestReachedDownloader', () => void (Number.isNaN(initial) && (initial = crawler.slots.delayOf('127.0.0.1'))));
      // AutoThrottle subscribed first (in fromCrawler): the delay read here is the adjusted one.
      crawler.signals.on('responseDownloaded', ({ response, latency }) => void trace.push({ status: response.status, latency, delay: crawler.slots.delayOf('127.0.0.1') }));
    },
  });
  return { ...run, trace, initial };
}

describe('AutoThrottle', () => {
  it('converges from autothrottleStartDelay toward latency / target concurrency', async () => {
    partner = await startStrictPartner({ pages: 11, itemsPerPage: 2, latencyMs: 100 });
    const { items, trace, initial } = await crawlRecordingDelays({});
    report(`autothrottle delays (ms): ${[initial, ...trace.map((t) => t.delay)].map((d) => (d * 1000).toFixed(0)).join(' → ')}; latencies ${trace.map((t) => (t.latency * 1000).toFixed(0)).join(',')}`);
    expect(itemIds(items)).toEqual(ids(22));
    expect(initial).toBe(0.2);
    const delays = trace.map((t) => t.delay);
    // Each response moves the delay toward its latency (Scrapy: the mean, or the latency when
    // larger), so it stays between the previous delay and that latency, and above downloadDelay (0).
    trace.forEach((t, i) => {
      const previous = i === 0 ? initial : delays[i - 1]!;
      expect(t.delay).toBeGreaterThanOrEqual(Math.min(previous, t.latency) - 1e-9);
      expect(t.delay).toBeLessThanOrEqual(Math.max(previous, t.latency) + 1e-9);
    });
    // Half-way there after 4 responses; within 30 % of the partner's 100 ms at the end.
    expect(delays[3]!).toBeLessThan(0.15);
    const last = delays.at(-1)!;
    expect(last).toBeGreaterThanOrEqual(0.1);
    expect(last).toBeLessThan(0.13);
  });

  it('never goes below downloadDelay', async () => {
    partner = await startStrictPartner({ pages: 6, itemsPerPage: 1, latencyMs: 100 });
    const { trace } = await crawlRecordingDelays({ downloadDelay: 0.15 });
    report(`autothrottle with downloadDelay 0.15 (ms): ${trace.map((t) => (t.delay * 1000).toFixed(0)).join(' → ')}`);
    for (const t of trace) expect(t.delay).toBeGreaterThanOrEqual(0.15);
    expect(trace.at(-1)!.delay).toBeCloseTo(0.15, 3);
  });

  it('a 429 doubles the delay', async () => {
    // No Retry-After: the slot is not paused, so only AutoThrottle slows down.
    partner = await startStrictPartner({ pages: 8, itemsPerPage: 1, latencyMs: 100, faults: { 6: [{ status: 429 }] } });
    const { items, trace } = await crawlRecordingDelays({});
    report(`autothrottle around a 429 (ms): ${trace.map((t) => `${t.status}:${(t.delay * 1000).toFixed(0)}`).join(' → ')}`);
    expect(itemIds(items)).toEqual(ids(8));
    const i = trace.findIndex((t) => t.status === 429);
    expect(i).toBeGreaterThan(0);
    expect(trace[i]!.delay).toBeCloseTo(2 * trace[i - 1]!.delay, 6);
    // And the partner saw the slower pace: the gap before the retry of page 6 spans the doubled delay.
    const [first, retry] = partner.arrivalsFor(6);
    expect(retry!.at - first!.at).toBeGreaterThanOrEqual(trace[i]!.delay * 1000 * 0.5 - 1);
  });
});
