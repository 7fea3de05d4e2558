/**
 * Stopping mid-crawl: the first stop() sends nothing new but lets requests in flight finish and
 * commits the items so far; the second aborts what is still in flight.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { runSpider } from '../helpers/server.js';
import { startStrictPartner, type StrictPartner } from '../helpers/strict-partner.js';
import { allPagesSpider, report } from './support.js';

let partner: StrictPartner | undefined;
let dir: string | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The partner's clock (epoch ms, as Arrival.at). */
const now = () => performance.timeOrigin + performance.now();

describe('graceful stop', () => {
  it("stop() mid-crawl: reason 'shutdown', items so far in the feed, nothing new sent after stop()", async () => {
    partner = await startStrictPartner({ pages: 40, itemsPerPage: 2, latencyMs: 30 });
    dir = await mkdtemp(join(tmpdir(), 'teinei-stop-'));
    const feed = join(dir, 'items.jsonl');
    let stopAt = Number.NaN;
    let startedBeforeStop = 0;
    let startedAfterStop = 0;
    let scraped = 0;
    const { result, items } = await runSpider(allPagesSpider(partner), {
      settings: { concurrentRequestsPerDomain: 2, feeds: { [feed]: { format: 'jsonlines' } } },
      onCrawler: (crawler, process) => {
        crawler.signals.on('requestReachedDownloader', () => void (Number.isNaN(stopAt) ? startedBeforeStop++ : startedAfterStop++));
        crawler.signals.on('itemScraped', () => {
          if (++scraped === 10) {
            stopAt = now();
            process.stop();
          }
        });
      },
    });
    expect(result.closeReason).toBe('shutdown');
    expect(startedAfterStop).toBe(0);
    // At the partner: every arrival was a request started before stop(); those arriving after it
    // were in flight then (at most the slot's 2).
    expect(partner.arrivals).toHaveLength(startedBeforeStop);
    const late = partner.arrivals.filter((a) => a.at > stopAt);
    report(`stop: ${startedBeforeStop} requests before stop(), ${late.length} arrived after it, ${items.length} items kept`);
    expect(late.length).toBeLessThanOrEqual(2);
    expect(partner.arrivals.length).toBeLessThan(40);
    // The feed holds every item scraped, those from responses in flight at stop() included.
    const lines = (await readFile(feed, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { id: number });
    expect(items.length).toBeGreaterThanOrEqual(10);
    expect(lines.map((l) => l.id).sort((a, b) => a - b)).toEqual((items as Array<{ id: number }>).map((i) => i.id).sort((a, b) => a - b));
    expect(result.stats.item_scraped_count).toBe(items.length);
  });

  it('a second stop() aborts a request in flight (a hanging page) promptly', async () => {
    partner = await startStrictPartner({ pages: 8, itemsPerPage: 1, latencyMs: 20, faults: { 3: ['hang'] } });
    const p = partner;
    let firstStop = Number.NaN;
    let secondStop = Number.NaN;
    let finishedBeforeSecond = false;
    const started = Date.now();
    const { result } = await runSpider(allPagesSpider(partner), {
      settings: { concurrentRequestsPerDomain: 2, downloadTimeout: 10 },
      onCrawler: (crawler, process) => {
        crawler.signals.on('spiderClosed', () => void (finishedBeforeSecond = Number.isNaN(secondStop)));
        const poll = setInterval(() => {
          if (p.arrivalsFor(3).length === 0) return;
          clearInterval(poll);
          firstStop = now();
          process.stop();
          // Graceful: the hanging request is still awaited 300 ms later …
          setTimeout(() => {
            secondStop = Date.now();
            process.stop(); // … until the second stop aborts it.
          }, 300);
        }, 5);
      },
    });
    const finished = Date.now();
    report(`second stop: crawl finished ${finished - secondStop} ms after it (${finished - started} ms in all)`);
    expect(result.closeReason).toBe('shutdown');
    expect(finishedBeforeSecond).toBe(false);
    expect(finished - secondStop).toBeLessThan(500);
    // Aborted, not retried; nothing new sent after the first stop (the other slot place may have been in flight).
    expect(partner.arrivalsFor(3)).toHaveLength(1);
    expect(partner.arrivals.filter((a) => a.at > firstStop).length).toBeLessThanOrEqual(1);
    expect(result.stats['retry/count']).toBeUndefined();
  });
});
