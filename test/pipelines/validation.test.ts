import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DropItem, Spider, ValidationError, ValidationPipeline, type ItemPipeline, type Response, type SettingsInput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

/** What the partner serves at /items: three valid products (as strings), two invalid ones. */
const products = [
  { id: '12', name: 'kettle' },
  { id: 'abc', lines: [{ sku: 'a' }, { sku: 5 }] },
  { id: '7', name: 'teapot', inStock: false, lines: [{ sku: 'tp-1' }] },
  { id: '8', name: 42 },
  { id: 9, name: 'cup' },
];

const Product = z.object({
  id: z.coerce.number(),
  name: z.string(),
  inStock: z.boolean().default(true),
  lines: z.array(z.object({ sku: z.string() })).default([]),
});

let server: TestServer;
let served: unknown[] = products;
beforeEach(async () => {
  served = products;
  server = await startServer((_req, res) => sendJson(res, served));
});
afterEach(() => server.close());

/** A spider yielding every element of /items; `item` becomes its `static item` when given. */
function itemsSpider(url: string, item?: z.ZodType | Record<string, z.ZodType>) {
  return class Products extends Spider {
    static override spiderName = 'products';
    static override item = item;
    override async *start() {
      yield this.request(`${url}/items`);
    }
    override *parse(response: Response) {
      yield* response.json<object[]>();
    }
  };
}

const dropWarnings = (logs: Parameters<typeof messages>[0]) => messages(logs, 'WARNING').filter((m) => m.startsWith('Dropped:'));

describe('ValidationPipeline, built in for spiders with static item', () => {
  it('drops invalid items with a WARNING naming the spider, the URL and each path, and counts them', async () => {
    const { items, result, logs } = await runSpider(itemsSpider(server.url, Product));
    expect(result.stats.item_scraped_count).toBe(3);
    expect(result.stats.item_dropped_count).toBe(2);
    expect(result.stats['item_dropped_reasons_count/ValidationError']).toBe(2);
    expect(result.stats['item_dropped_reasons_count/DropItem']).toBeUndefined();

    const warnings = dropWarnings(logs);
    expect(warnings).toHaveLength(2);
    const [first, second] = warnings as [string, string];
    for (const warning of warnings) {
      expect(warning).toContain('spider products');
      expect(warning).toContain(`${server.url}/items`);
      // The URL is in the message already; the processor does not append it a second time.
      expect(warning.split(`${server.url}/items`)).toHaveLength(2);
    }
    expect(first).toContain('id: Invalid input: expected number, received NaN');
    expect(first).toContain('name: Invalid input: expected string, received undefined');
    expect(first).toContain('lines[1].sku: Invalid input: expected string, received number');
    expect(second).toContain('name: Invalid input: expected string, received number');
    expect(second).not.toContain('id:');
  });

  it('passes on the parsed output: coercions and defaults applied', async () => {
    const { items } = await runSpider(itemsSpider(server.url, Product));
    expect(items).toEqual([
      { id: 12, name: 'kettle', inStock: true, lines: [] },
      { id: 7, name: 'teapot', inStock: false, lines: [{ sku: 'tp-1' }] },
      { id: 9, name: 'cup', inStock: true, lines: [] },
    ]);
  });

  it('runs before project pipelines, which receive the parsed items', async () => {
    const seen: unknown[] = [];
    const recorder: ItemPipeline = { process: (item) => (seen.push(item), item) };
    await runSpider(itemsSpider(server.url, Product), { settings: { itemPipelines: { recorder: { component: recorder, order: 300 } } } });
    expect(seen).toEqual([
      { id: 12, name: 'kettle', inStock: true, lines: [] },
      { id: 7, name: 'teapot', inStock: false, lines: [{ sku: 'tp-1' }] },
      { id: 9, name: 'cup', inStock: true, lines: [] },
    ]);
  });

  it('a map of schemas validates each item by its kind; an unknown or missing kind is dropped', async () => {
    served = [
      { kind: 'product', id: '1', name: 'kettle' },
      { kind: 'review', productId: 1, stars: 4 },
      { kind: 'review', productId: 1, stars: 9 },
      { kind: 'coupon', code: 'X' },
      { name: 'no kind' },
    ];
    const Review = z.object({ productId: z.number(), stars: z.number().int().min(1).max(5), text: z.string().default('') });
    const { items, result, logs } = await runSpider(itemsSpider(server.url, { product: Product.extend({ kind: z.literal('product') }), review: Review }));
    expect(items).toEqual([
      { kind: 'product', id: 1, name: 'kettle', inStock: true, lines: [] },
      // The review schema does not declare `kind`; the kind the item was routed by is kept.
      { kind: 'review', productId: 1, stars: 4, text: '' },
    ]);
    expect(result.stats['item_dropped_reasons_count/ValidationError']).toBe(3);
    const warnings = dropWarnings(logs);
    expect(warnings[0]).toContain('stars: Too big: expected number to be <=5');
    expect(warnings[1]).toContain('kind: unknown kind "coupon" (known: product, review)');
    expect(warnings[2]).toContain('kind: missing kind (known: product, review)');
  });

  it('a discriminated union is one schema', async () => {
    served = [
      { kind: 'product', id: '1', name: 'kettle' },
      { kind: 'review', stars: '5' },
      { kind: 'coupon' },
    ];
    const Item = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('product'), id: z.coerce.number(), name: z.string() }),
      z.object({ kind: z.literal('review'), stars: z.coerce.number().int() }),
    ]);
    const { items, result } = await runSpider(itemsSpider(server.url, Item));
    expect(items).toEqual([
      { kind: 'product', id: 1, name: 'kettle' },
      { kind: 'review', stars: 5 },
    ]);
    expect(result.stats['item_dropped_reasons_count/ValidationError']).toBe(1);
  });

  it('writes each rejected item to validationRejectsFile as one JSON line with its issues', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'teinei-rejects-'));
    try {
      const settings: SettingsInput = { validationRejectsFile: join(dir, 'rejects', '%(name)s.jsonl') };
      await runSpider(itemsSpider(server.url, Product), { settings });
      const lines = (await readFile(join(dir, 'rejects', 'products.jsonl'), 'utf8')).trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records[0]).toMatchObject({
        spider: 'products',
        url: `${server.url}/items`,
        item: products[1],
        issues: [
          { path: 'id', message: 'Invalid input: expected number, received NaN' },
          { path: 'name', message: 'Invalid input: expected string, received undefined' },
          { path: 'lines[1].sku', message: 'Invalid input: expected string, received number' },
        ],
      });
      expect(records[1]).toMatchObject({ item: products[3], issues: [{ path: 'name', message: 'Invalid input: expected string, received number' }] });
      expect(Number.isNaN(Date.parse(String(records[0]!.time)))).toBe(false);

      // A second run appends.
      await runSpider(itemsSpider(server.url, Product), { settings });
      expect((await readFile(join(dir, 'rejects', 'products.jsonl'), 'utf8')).trimEnd().split('\n')).toHaveLength(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('itemPipelines: { ValidationPipeline: null } turns the built-in off', async () => {
    const { items, result } = await runSpider(itemsSpider(server.url, Product), { settings: { itemPipelines: { ValidationPipeline: null } } });
    expect(items).toEqual(products);
    expect(result.stats.item_dropped_count).toBeUndefined();
  });
});

describe('ValidationPipeline added by the project', () => {
  it('new ValidationPipeline(schema) validates a spider without static item, with its own rejects file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'teinei-rejects-'));
    try {
      const pipeline = new ValidationPipeline(Product, { rejectsFile: join(dir, '%(name)s-bad.jsonl') });
      const { items, result, logs } = await runSpider(itemsSpider(server.url), { settings: { itemPipelines: { validate: { component: pipeline, order: 200 } } } });
      expect(items.map((i) => (i as { id: unknown }).id)).toEqual([12, 7, 9]);
      expect(result.stats.item_dropped_count).toBe(2);
      expect(result.stats['item_dropped_reasons_count/ValidationError']).toBe(2);
      expect(dropWarnings(logs)[0]).toContain(`Invalid item from spider products (${server.url}/items): id: `);
      const lines = (await readFile(join(dir, 'products-bad.jsonl'), 'utf8')).trimEnd().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { item: unknown }).item)).toEqual([products[1], products[3]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a kindField other than "kind"', async () => {
    served = [{ type: 'a', n: '1' }, { type: 'b', n: 'x' }, { type: 'c' }];
    const pipeline = new ValidationPipeline({ a: z.object({ n: z.coerce.number() }), b: z.object({ n: z.string() }) }, { kindField: 'type' });
    const { items, logs } = await runSpider(itemsSpider(server.url), { settings: { itemPipelines: { validate: { component: pipeline, order: 200 } } } });
    expect(items).toEqual([{ type: 'a', n: 1 }, { type: 'b', n: 'x' }]);
    expect(dropWarnings(logs)[0]).toContain('type: unknown kind "c" (known: a, b)');
  });
});

describe('a spider without static item', () => {
  it('is not validated and the built-in pipeline is not built', async () => {
    const { items, result, logs, crawler } = await runSpider(itemsSpider(server.url), { settings: { logLevel: 'DEBUG' } });
    expect(items).toEqual(products);
    expect(result.stats.item_dropped_count).toBeUndefined();
    const pipelines = (crawler as unknown as { items: { pipelines: unknown[] } }).items.pipelines;
    expect(pipelines.some((p) => p instanceof ValidationPipeline)).toBe(false);
    expect(messages(logs, 'DEBUG')).toContain('itemPipelines: ValidationPipeline not enabled: spider products has no static item');
  });
});

describe('ValidationError and process()', () => {
  it('is a DropItem counted under its own name, carrying the issues', () => {
    const error = new ValidationError([{ path: 'a.b', message: 'Required' }, { path: '(root)', message: 'bad' }], 'partnerA', 'http://x.test/1');
    expect(error).toBeInstanceOf(DropItem);
    expect(error.name).toBe('ValidationError');
    expect(error.reason).toBe('ValidationError');
    expect(error.issues).toHaveLength(2);
    expect(error.message).toBe('Invalid item from spider partnerA (http://x.test/1): a.b: Required; (root): bad');
  });

  it('without a schema uses the spider\'s static item; without a response names no URL', async () => {
    const S = itemsSpider('http://unused.test', Product);
    const pipeline = new ValidationPipeline();
    const spider = new S();
    await pipeline.open(spider);
    await expect(pipeline.process({ id: '3', name: 'x' }, spider)).resolves.toEqual({ id: 3, name: 'x', inStock: true, lines: [] });
    const error = await pipeline.process({ id: '3' }, spider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe('Invalid item from spider products: name: Invalid input: expected string, received undefined');
    await pipeline.close();
  });

  it('without a schema on a spider without static item fails at open', async () => {
    const spider = new (itemsSpider('http://unused.test'))();
    await expect(new ValidationPipeline().open(spider)).rejects.toThrow('no schema given and spider products has no static item');
  });
});
