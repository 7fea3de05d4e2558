/**
 * Faults a partner really produces: resets, hangs, truncated bodies, 5xx runs, a page that is
 * never valid JSON. Every recoverable page is recovered; the rest fail loudly, naming the URL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SettingsInput } from '../../src/index.js';
import { messages, runSpider } from '../helpers/server.js';
import { startStrictPartner, type FaultKind, type StrictPartner } from '../helpers/strict-partner.js';
import { allPagesSpider, ids, itemIds, report } from './support.js';

let partner: StrictPartner | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

describe('recoverable faults', () => {
  it.each<{ name: string; faults: FaultKind[]; reason: string; settings?: SettingsInput; status: number[] }>([
    { name: 'a connection reset', faults: ['reset'], reason: 'ECONNRESET', status: [0, 200] },
    { name: 'a hang longer than downloadTimeout', faults: ['hang'], reason: 'TimeoutError', settings: { downloadTimeout: 0.5 }, status: [0, 200] },
    { name: 'a truncated body (Content-Length larger than sent)', faults: ['truncate'], reason: 'ECONNRESET', status: [200, 200] },
    { name: '500 twice, then 200', faults: ['500', '500'], reason: '500', status: [500, 500, 200] },
  ])('$name: the page is recovered and retry/reason_count/$reason is counted', async ({ faults, reason, settings, status }) => {
    partner = await startStrictPartner({ pages: 6, itemsPerPage: 3, faults: { 2: faults } });
    const started = Date.now();
    const { items, result, logs } = await runSpider(allPagesSpider(partner), { settings: { concurrentRequestsPerDomain: 2, ...settings } });
    expect(partner.arrivalsFor(2).map((a) => a.status)).toEqual(status);
    expect(partner.arrivalsFor(2).map((a) => a.fault ?? 'ok')).toEqual([...faults, 'ok']);
    expect(itemIds(items)).toEqual(ids(18));
    expect(result.stats[`retry/reason_count/${reason}`]).toBe(faults.length);
    expect(result.stats['retry/count']).toBe(faults.length);
    expect(result.stats['retry/max_reached']).toBeUndefined();
    expect(messages(logs, 'ERROR')).toEqual([]);
    if (faults[0] === 'hang') expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});

describe('unrecoverable faults', () => {
  it.each<{ faults: FaultKind[]; reason: string }>([
    { faults: ['500', '500', '500'], reason: '500' },
    { faults: ['reset', 'reset', 'reset'], reason: 'ECONNRESET' },
  ])('$reason beyond retryTimes: retry/max_reached and an ERROR naming the URL and the last reason', async ({ faults, reason }) => {
    partner = await startStrictPartner({ pages: 6, itemsPerPage: 3, faults: { 2: faults } });
    const { items, result, logs } = await runSpider(allPagesSpider(partner), { settings: { concurrentRequestsPerDomain: 2, retryTimes: 2 } });
    expect(partner.arrivalsFor(2)).toHaveLength(3);
    expect(result.stats['retry/max_reached']).toBe(1);
    expect(result.stats[`retry/reason_count/${reason}`]).toBe(2);
    expect(messages(logs, 'ERROR')).toContainEqual(`Gave up retrying <GET ${partner.pageUrl(2)}> (failed 3 times): ${reason}`);
    // Every other page's items are kept.
    expect(itemIds(items)).toEqual(ids(18).filter((id) => id < 4 || id > 6));
  });

  it('a permanently malformed JSON page: an ERROR naming the URL with a body snippet; other pages all kept', async () => {
    partner = await startStrictPartner({ pages: 8, itemsPerPage: 3, malformedForever: [3] });
    const { items, result, logs } = await runSpider(allPagesSpider(partner), { settings: { concurrentRequestsPerDomain: 2 } });
    const errors = messages(logs, 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`<GET ${partner.pageUrl(3)}>`);
    expect(errors[0]).toContain(`Invalid JSON from ${partner.pageUrl(3)}`);
    // The snippet: the start of what the partner sent.
    expect(errors[0]).toMatch(/body starts: "\{\\"page\\":3,\\"items\\":\[/);
    expect(result.stats['spider_exceptions/JsonParseError']).toBe(1);
    // A 200 with a bad body is not retried: asking again would get the same page.
    expect(partner.arrivalsFor(3)).toHaveLength(1);
    expect(itemIds(items)).toEqual(ids(24).filter((id) => id < 7 || id > 9));
  });
});

describe('retry backoff', () => {
  it('spaces the retries of a failing page by random waits up to min(retryBackoffMax, base × 2^(n−1))', async () => {
    const failing = [1, 2, 3, 4];
    partner = await startStrictPartner({ pages: 4, itemsPerPage: 1, faults: Object.fromEntries(failing.map((p) => [p, ['500', '500', '500']])) });
    const { items, result } = await runSpider(allPagesSpider(partner), {
      settings: { concurrentRequestsPerDomain: 8, retryTimes: 3, retryBackoffBase: 0.2, retryBackoffMax: 0.5 },
    });
    expect(itemIds(items)).toEqual(ids(4));
    expect(result.stats['retry/count']).toBe(12);
    const caps = [200, 400, 500]; // base × 2^(n−1), capped by retryBackoffMax
    const gaps: number[][] = [];
    for (const page of failing) {
      const at = partner.arrivalsFor(page).map((a) => a.at);
      expect(at).toHaveLength(4);
      gaps.push(at.slice(1).map((t, i) => t - at[i]!));
    }
    report(`backoff gaps (ms) per page, retries 1–3: ${gaps.map((g) => g.map((ms) => ms.toFixed(0)).join('/')).join(', ')}`);
    // Each gap is the backoff plus a round trip (a few ms): never over its cap.
    for (const g of gaps) g.forEach((ms, n) => expect(ms).toBeLessThan(caps[n]! + 40));
    // Not zero: each wait is under 10 ms with a chance of at most 5 %, so fewer than 6 of 12 over it is ~1e-9.
    const all = gaps.flat();
    expect(all.filter((ms) => ms > 10).length).toBeGreaterThanOrEqual(6);
    // Random, not the cap itself: each wait is under 3/4 of its cap with a chance of 3/4 (fewer than 3 of 12: ~4e-5).
    expect(gaps.flatMap((g) => g.filter((ms, n) => ms < 0.75 * caps[n]!)).length).toBeGreaterThanOrEqual(3);
  });
});
