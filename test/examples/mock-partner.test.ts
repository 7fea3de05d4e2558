/**
 * The examples/ consumer project: its mock partner API, and its spiders crawling it end to end.
 *
 * The spiders import 'teinei' (the package, i.e. dist/), so CrawlerProcess comes from 'teinei' here
 * too: one from src/ would be another module instance, and its `instanceof Request` checks would
 * not recognise the spiders' requests. Needs `npm run build` and `npm install --prefix examples`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CrawlerProcess, type LogRecord } from 'teinei';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerAEvent, partnerBShop, startMockPartner, type MockPartner } from '../../examples/mock-partner/server.js';
import PartnerA from '../../examples/spiders/partnerA.js';
import PartnerB from '../../examples/spiders/partnerB.js';

let mock: MockPartner;
beforeAll(async () => {
  mock = await startMockPartner();
});
afterAll(async () => {
  await mock.close();
});

const getJson = async (path: string) => {
  const res = await fetch(`${mock.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
};

describe('mock partnerA', () => {
  it('pages with 1-based start and count, and reports the total', async () => {
    const first = await getJson('/partnerA/events?count=100&start=1');
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(first.body).toMatchObject({ results_returned: 100, results_available: 250, results_start: 1 });
    expect(first.body.events[0]).toEqual(partnerAEvent(1));
    const last = await getJson('/partnerA/events?count=100&start=201');
    expect(last.body).toMatchObject({ results_returned: 50, results_available: 250, results_start: 201 });
    expect(last.body.events.at(-1).event_id).toBe(partnerAEvent(250).event_id);
    expect((await getJson('/partnerA/events')).body.results_returned).toBe(10);
  });

  it('keeps Japanese text and JST timestamps intact', async () => {
    const { body } = await getJson('/partnerA/events?count=1&start=12');
    expect(body.events[0].title).toBe('第12回 Python機械学習もくもく会');
    expect(body.events[0].started_at).toMatch(/^\d{4}-\d\d-\d\dT19:00:00\+09:00$/);
  });

  it('rejects count over 100 with a JSON 400, and unknown paths with a JSON 404', async () => {
    const tooMany = await getJson('/partnerA/events?count=101');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatch(/count/);
    const missing = await getJson('/nope');
    expect(missing.status).toBe(404);
    expect(missing.type).toBe('application/json; charset=utf-8');
  });
});

describe('mock partnerB', () => {
  it('visits every shop exactly once along the next links, absolute and relative', async () => {
    const ids: string[] = [];
    const links: string[] = [];
    let url: string | null = `${mock.url}/partnerB/shops?limit=25`;
    while (url) {
      const res = await fetch(url);
      const page = (await res.json()) as { shops: Array<{ id: string }>; next: string | null };
      ids.push(...page.shops.map((shop) => shop.id));
      if (page.next) links.push(page.next);
      url = page.next && new URL(page.next, url).href;
    }
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    expect(links.some((link) => link.startsWith('http://'))).toBe(true);
    expect(links.some((link) => !link.includes('://'))).toBe(true);
  });

  it('writes phone numbers in several formats and names in Japanese', async () => {
    const { body } = await getJson('/partnerB/shops?limit=6');
    expect(body.shops[0]).toEqual(partnerBShop(1));
    expect(body.shops.map((shop: { phone: string }) => shop.phone)).toEqual([
      '(06) 3000 7919',
      '+81 52 401 5838',
      '0115023757',
      '+81-92-603-1676',
      '０３－７００３－９５９５',
      '06-8004-7514',
    ]);
    expect(body.shops[0].name).toBe('喫茶 こもれび 本店');
    expect((await getJson('/partnerB/shops?limit=51')).status).toBe(400);
  });
});

describe('mock partner as a script', () => {
  it('prints its URL as one JSON line and stops on SIGTERM', async () => {
    const script = fileURLToPath(new URL('../../examples/mock-partner/server.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--events', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const { url } = JSON.parse(chunk.toString()) as { url: string };
    const res = await fetch(`${url}/partnerA/events?count=100`);
    expect(((await res.json()) as { results_available: number }).results_available).toBe(3);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 20_000);
});

describe('example spiders against the mock', () => {
  /** Runs one spider with no delay and collects its items and log. */
  async function run(spider: typeof PartnerA | typeof PartnerB, args: Record<string, unknown>) {
    const log: LogRecord[] = [];
    // downloadDelay goes in overrides: the spiders' customSettings (0.5 s) win over project settings.
    const crawlerProcess = new CrawlerProcess(
      { downloadDelay: 0, logstatsInterval: 0, contact: 'test' },
      { overrides: { downloadDelay: 0 }, logSink: (record) => log.push(record) },
    );
    const crawler = crawlerProcess.crawl(spider, args);
    const items: Array<Record<string, unknown>> = [];
    crawler.signals.on('itemScraped', ({ item }) => void items.push(item as Record<string, unknown>));
    const hitsBefore = mock.hits;
    const [result] = await crawlerProcess.start();
    return { result: result!, items, requests: mock.hits - hitsBefore, log };
  }

  it('partnerA at --count 100 makes 3 requests and yields all 250 events', async () => {
    const { result, items, requests } = await run(PartnerA, { baseUrl: `${mock.url}/`, count: '100' });
    expect(result.closeReason).toBe('finished');
    expect(requests).toBe(3);
    expect(items).toHaveLength(250);
    expect(new Set(items.map((item) => item.eventId)).size).toBe(250);
    const event = partnerAEvent(12);
    expect(items.find((item) => item.eventId === event.event_id)).toEqual({
      eventId: event.event_id,
      title: '第12回 Python機械学習もくもく会',
      startedAt: event.started_at,
      place: event.place,
      address: event.address,
      accepted: event.accepted,
      limit: event.limit,
      owner: event.owner_display_name,
      url: event.url,
    });
  });

  it('partnerB follows next links to 120 unique shops', async () => {
    const { result, items, requests } = await run(PartnerB, { baseUrl: mock.url, limit: '20' });
    expect(result.closeReason).toBe('finished');
    expect(requests).toBe(6);
    expect(new Set(items.map((item) => item.id)).size).toBe(120);
    expect(items).toHaveLength(120);
    expect(items[0]).toMatchObject({ id: 'B00001', name: '喫茶 こもれび 本店', prefecture: '大阪府' });
  });

  it('rejects an over-limit page size before any request', () => {
    expect(() => new CrawlerProcess().crawl(PartnerA, { baseUrl: mock.url, count: '101' })).toThrow(/count/);
  });
});
