import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CrawlerProcess,
  parseSpiderArgs,
  resolveSettings,
  SettingsError,
  Spider,
  SpiderArgsError,
  type SettingsInput,
} from '../../src/index.js';
import { fastSettings, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res) => sendJson(res, { path: req.path }));
});
afterEach(() => server.close());

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('settings validation', () => {
  it('rejects an invalid value, naming the key and the value', () => {
    const error = thrown(() => new CrawlerProcess({ downloadDelay: -1 }));
    expect(error).toBeInstanceOf(SettingsError);
    expect(error.message).toContain('downloadDelay');
    expect(error.message).toContain('-1');
    expect((error as SettingsError).key).toBe('downloadDelay');
    expect((error as SettingsError).value).toBe(-1);
  });

  it('rejects an unknown key, naming it', () => {
    const error = thrown(() => new CrawlerProcess({ downlaodDelay: 1 } as SettingsInput));
    expect(error).toBeInstanceOf(SettingsError);
    expect(error.message).toContain('"downlaodDelay"');
    expect(thrown(() => resolveSettings({ DOWNLOAD_DELAYS: 1 })).message).toContain('did you mean "downloadDelay"');
  });

  it('names the nested path of a bad value', () => {
    const error = thrown(() => resolveSettings({ downloadSlots: { '127.0.0.1': { concurrency: 0 } } }));
    expect(error.message).toContain('downloadSlots.127.0.0.1.concurrency');
  });

  it("accepts Scrapy's spelling of names", () => {
    const settings = resolveSettings({ DOWNLOAD_DELAY: 2.5, CONCURRENT_REQUESTS_PER_DOMAIN: 4, 'retry-times': 5, LOG_LEVEL: 'DEBUG' });
    expect(settings.downloadDelay).toBe(2.5);
    expect(settings.concurrentRequestsPerDomain).toBe(4);
    expect(settings.retryTimes).toBe(5);
    expect(settings.logLevel).toBe('DEBUG');
  });

  it('layers merge lowest first, nested maps by key', () => {
    const settings = resolveSettings(
      { downloadDelay: 1, downloadSlots: { a: { delay: 1 } }, defaultRequestHeaders: { 'X-A': 'a' } },
      { downloadDelay: 2, downloadSlots: { b: { delay: 2 } }, defaultRequestHeaders: { 'X-B': 'b' } },
    );
    expect(settings.downloadDelay).toBe(2);
    expect(settings.downloadSlots).toEqual({ a: { delay: 1 }, b: { delay: 2 } });
    // As in Scrapy, a layer's map replaces the schema default (no Accept) and later layers add to it.
    expect(settings.defaultRequestHeaders).toEqual({ 'X-A': 'a', 'X-B': 'b' });
    expect(resolveSettings().defaultRequestHeaders).toEqual({ Accept: 'application/json' });
  });

  it('rejects bad component settings when the spider is added, before any request', () => {
    class Plain extends Spider {
      static override spiderName = 'plain';
    }
    const proc = new CrawlerProcess({ ...fastSettings, downloaderMiddlewares: { NoSuchMiddleware: 100 } }, { logSink: () => {} });
    expect(() => proc.crawl(Plain)).toThrow(/downloaderMiddlewares: unknown built-in "NoSuchMiddleware"/);
    expect(server.hits).toHaveLength(0);
  });
});

describe('setting layers in a crawl', () => {
  function uaSpider(url: string, customSettings?: SettingsInput) {
    return class Ua extends Spider {
      static override spiderName = 'ua';
      static override customSettings = customSettings;
      override async *start() {
        yield this.request(`${url}/ua`);
      }
      override parse(): void {}
    };
  }
  const lastUa = () => server.hits.at(-1)!.headers['user-agent'];

  it("spider customSettings override the process's, and overrides beat both", async () => {
    await runSpider(uaSpider(server.url), { settings: { userAgent: 'process-ua/1' } });
    expect(lastUa()).toBe('process-ua/1');
    await runSpider(uaSpider(server.url, { userAgent: 'spider-ua/2' }), { settings: { userAgent: 'process-ua/1' } });
    expect(lastUa()).toBe('spider-ua/2');
    await runSpider(uaSpider(server.url, { userAgent: 'spider-ua/2' }), {
      settings: { userAgent: 'process-ua/1' },
      processOptions: { overrides: { userAgent: 'cli-ua/3' } },
    });
    expect(lastUa()).toBe('cli-ua/3');
  });

  it("crawl()'s own settings sit over customSettings and under overrides", async () => {
    const run = async (overrides?: SettingsInput) => {
      const proc = new CrawlerProcess({ ...fastSettings, userAgent: 'process-ua/1' }, { logSink: () => {}, overrides });
      proc.crawl(uaSpider(server.url, { userAgent: 'spider-ua/2' }), {}, { settings: { userAgent: 'crawl-ua/4' } });
      await proc.start();
      return lastUa();
    };
    expect(await run()).toBe('crawl-ua/4');
    expect(await run({ userAgent: 'cli-ua/3' })).toBe('cli-ua/3');
  });

  it('invalid customSettings throw SettingsError from crawl()', () => {
    const proc = new CrawlerProcess(fastSettings, { logSink: () => {} });
    expect(() => proc.crawl(uaSpider(server.url, { concurrentRequests: 0 }))).toThrow(SettingsError);
  });
});

describe('spider arguments', () => {
  const argsSchema = z.object({ count: z.coerce.number().int().min(1), category: z.string().min(1) });

  function argsSpider(url: string) {
    return class Args extends Spider {
      static override spiderName = 'args';
      static override args = argsSchema;
      declare args: z.infer<typeof argsSchema>;
      override async *start() {
        for (let i = 0; i < this.args.count; i++) yield this.request(`${url}/${this.args.category}/${i}`);
      }
      override parse(): void {}
    };
  }

  it('coerces with the zod schema and hands the result to the spider', async () => {
    await runSpider(argsSpider(server.url), { args: { count: '3', category: 'books' } });
    expect(server.hits.map((h) => h.path)).toEqual(['/books/0', '/books/1', '/books/2']);
    expect(parseSpiderArgs(argsSpider(server.url), { count: '10', category: 'x' })).toEqual({ count: 10, category: 'x' });
  });

  it('throws SpiderArgsError naming each bad field, before crawling', () => {
    const proc = new CrawlerProcess(fastSettings, { logSink: () => {} });
    const error = thrown(() => proc.crawl(argsSpider(server.url), { count: 'ten' }));
    expect(error).toBeInstanceOf(SpiderArgsError);
    const problems = (error as SpiderArgsError).problems.map((p) => p.field).sort();
    expect(problems).toEqual(['category', 'count']);
    expect(error.message).toContain('Invalid arguments for spider args');
    expect(error.message).toMatch(/count: .+/);
    expect(error.message).toMatch(/category: .+/);
    expect(server.hits).toHaveLength(0);
  });

  it('passes arguments through untouched when the spider has no schema', () => {
    class NoSchema extends Spider {
      static override spiderName = 'no-schema';
    }
    expect(parseSpiderArgs(NoSchema, { a: '1' })).toEqual({ a: '1' });
  });
});
