import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DropItem, Spider, type ItemPipeline, type SettingsInput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((_req, res) => sendJson(res, { ok: true }));
});
afterEach(() => server.close());

interface Item {
  id: number;
  trail?: string[];
}

/** One page yielding items with ids 1..count. */
function itemSpider(url: string, count: number) {
  return class Items extends Spider {
    static override spiderName = 'items';
    override async *start() {
      yield this.request(`${url}/items`);
    }
    override *parse() {
      for (let id = 1; id <= count; id++) yield { id } as Item;
    }
  };
}

const pipelines = (entries: Record<string, [ItemPipeline, number]>): SettingsInput => ({
  itemPipelines: Object.fromEntries(Object.entries(entries).map(([name, [component, order]]) => [name, { component, order }])),
});

describe('item pipelines', () => {
  it('run in ascending order, each receiving what the previous returned', async () => {
    const stamp = (name: string): ItemPipeline<Item> => ({ process: (item) => ({ ...item, trail: [...(item.trail ?? []), name] }) });
    const { items } = await runSpider(itemSpider(server.url, 2), {
      settings: pipelines({ last: [stamp('last'), 900], first: [stamp('first'), 100], middle: [stamp('middle'), 300] }),
    });
    expect(items).toEqual([
      { id: 1, trail: ['first', 'middle', 'last'] },
      { id: 2, trail: ['first', 'middle', 'last'] },
    ]);
  });

  it('DropItem drops the item and counts the reason; a subclass counts under its own name', async () => {
    class ValidationError extends DropItem {
      override name = 'ValidationError';
    }
    const later: number[] = [];
    const dropper: ItemPipeline<Item> = {
      process(item) {
        if (item.id % 3 === 0) throw new DropItem(`id ${item.id} is a multiple of 3`);
        if (item.id === 5) throw new ValidationError('id 5 is invalid');
        return item;
      },
    };
    const recorder: ItemPipeline<Item> = { process: (item) => (later.push(item.id), item) };
    const { items, result, logs } = await runSpider(itemSpider(server.url, 7), {
      settings: pipelines({ dropper: [dropper, 100], recorder: [recorder, 200] }),
    });
    expect(items.map((i) => (i as Item).id)).toEqual([1, 2, 4, 7]);
    expect(later).toEqual([1, 2, 4, 7]);
    expect(result.stats.item_scraped_count).toBe(4);
    expect(result.stats.item_dropped_count).toBe(3);
    expect(result.stats['item_dropped_reasons_count/DropItem']).toBe(2);
    expect(result.stats['item_dropped_reasons_count/ValidationError']).toBe(1);
    const warnings = messages(logs, 'WARNING').filter((m) => m.startsWith('Dropped:'));
    expect(warnings).toHaveLength(3);
    expect(warnings).toContain(`Dropped: id 5 is invalid (from ${server.url}/items)`);
  });

  it('open and close are called once each, close with the reason', async () => {
    const calls: string[] = [];
    const lifecycle: ItemPipeline<Item> = {
      open: (spider) => void calls.push(`open ${spider.name}`),
      process: (item) => item,
      close: (spider, reason) => void calls.push(`close ${spider.name} ${reason}`),
    };
    await runSpider(itemSpider(server.url, 3), { settings: pipelines({ lifecycle: [lifecycle, 100] }) });
    expect(calls).toEqual(['open items', 'close items finished']);

    calls.length = 0;
    await runSpider(itemSpider(server.url, 3), { settings: { ...pipelines({ lifecycle: [lifecycle, 100] }), closespiderItemcount: 1 } });
    expect(calls).toEqual(['open items', 'close items closespider_itemcount']);
  });

  it('a pipeline class is built with fromCrawler and sees the settings', async () => {
    const built: string[] = [];
    class FromCrawler implements ItemPipeline<Item> {
      static fromCrawler(crawler: { settings: { botName: string } }) {
        built.push(crawler.settings.botName);
        return new FromCrawler();
      }
      process(item: Item) {
        return { ...item, trail: ['fromCrawler'] };
      }
    }
    const { items } = await runSpider(itemSpider(server.url, 1), { settings: { botName: 'pipebot', itemPipelines: { fc: { component: FromCrawler, order: 1 } } } });
    expect(built).toEqual(['pipebot']);
    expect(items).toEqual([{ id: 1, trail: ['fromCrawler'] }]);
  });

  it('an error in a pipeline is logged and the crawl goes on', async () => {
    const broken: ItemPipeline<Item> = {
      process(item) {
        if (item.id === 2) throw new TypeError('cannot read price of undefined');
        return item;
      },
    };
    const { items, result, logs } = await runSpider(itemSpider(server.url, 3), { settings: pipelines({ broken: [broken, 100] }) });
    expect(items.map((i) => (i as Item).id)).toEqual([1, 3]);
    expect(result.stats.item_error_count).toBe(1);
    expect(result.closeReason).toBe('finished');
    const errors = logs.filter((r) => r.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe(`Error processing item from ${server.url}/items: cannot read price of undefined`);
    expect(errors[0]!.error).toBeInstanceOf(TypeError);
  });
});
