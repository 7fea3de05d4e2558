/**
 * partnerA, offline: replays the responses recorded in examples/fixtures/partnerA, so this runs
 * without the mock partner (or the network) and in milliseconds. Record them again after changing
 * the spider's requests, with the mock running on port 8080 (`node --import tsx mock-partner/server.ts --port 8080`):
 *
 *   cd examples && npx crawl partnerA --base-url http://127.0.0.1:8080 --count 100 --record fixtures/partnerA
 *
 * It sits next to the spider; the project loader skips `*.test.*` files, so `spiders/*.ts` in
 * teinei.config.ts does not load it as a spider.
 */
import { fileURLToPath } from 'node:url';
import { runSpider } from 'teinei';
import { describe, expect, it } from 'vitest';
import PartnerA from './partnerA.js';

// The arguments of the recording: requests are matched by URL, so the same baseUrl and count.
const args = { baseUrl: 'http://127.0.0.1:8080', count: 100 };
// Resolved from this file, not the working directory: the root's `npm test` and a run from examples/ both find it.
const replay = fileURLToPath(new URL('../fixtures/partnerA', import.meta.url));

describe('partnerA (replayed)', () => {
  it('pages through every event: 3 requests, 250 items', async () => {
    const { items, requests, stats, closeReason } = await runSpider(PartnerA, { args, replay, logSink: () => {} });
    expect(closeReason).toBe('finished');
    expect(requests.map((r) => r.url)).toEqual([1, 101, 201].map((start) => `${args.baseUrl}/partnerA/events?count=100&start=${start}`));
    expect(items).toHaveLength(250);
    expect(stats['httpcache/hit']).toBe(3);
    expect(stats['log_count/ERROR']).toBeUndefined();
  });

  it('maps each event to an item in camelCase, Japanese text and +09:00 times intact', async () => {
    const { items } = await runSpider(PartnerA, { args, replay, logSink: () => {} });
    expect(items[0]).toEqual({
      eventId: 300001,
      title: '第1回 Rust入門ハンズオン',
      startedAt: '2026-01-11T19:00:00+09:00',
      place: 'グランフロント大阪 タワーB',
      address: '大阪府大阪市北区大深町3-1',
      accepted: 7,
      limit: 30,
      owner: '佐藤花子',
      url: 'https://partner-a.example.com/event/300001/',
    });
    expect((items as Array<{ eventId: number }>).map((i) => i.eventId)).toEqual(Array.from({ length: 250 }, (_, i) => 300001 + i));
  });
});
