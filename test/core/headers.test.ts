import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultUserAgent, Spider, version, type RequestOptions, type SettingsInput } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer((_req, res) => sendJson(res, {}));
});
afterEach(() => server.close());

/** One request with `options`; returns the headers the server received and the logs. */
async function headersSent(settings: SettingsInput = {}, options: RequestOptions = {}) {
  const url = server.url;
  class Headers extends Spider {
    static override spiderName = 'headers';
    override async *start() {
      yield this.request(`${url}/h`, options);
    }
    override parse(): void {}
  }
  const { logs } = await runSpider(Headers, { settings });
  expect(server.hits).toHaveLength(1);
  return { headers: server.hits[0]!.headers, logs };
}

describe('User-Agent', () => {
  it('names teinei, its version and the contact setting', async () => {
    const { headers, logs } = await headersSent({ contact: 'mailto:ops@partner-crawl.example' });
    expect(headers['user-agent']).toBe(`teinei/${version} (+mailto:ops@partner-crawl.example)`);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(messages(logs, 'WARNING')).toEqual([]);
  });

  it('uses botName, and warns when there is no contact', async () => {
    const { headers, logs } = await headersSent({ botName: 'acme-sync', contact: '' });
    expect(headers['user-agent']).toBe(`acme-sync/${version}`);
    expect(messages(logs, 'WARNING').join('\n')).toContain('No "contact" setting');
  });

  it('userAgent replaces it, and a request header beats both', async () => {
    expect((await headersSent({ userAgent: 'Custom/9' })).headers['user-agent']).toBe('Custom/9');
    server.hits.length = 0;
    expect((await headersSent({ userAgent: 'Custom/9' }, { headers: { 'user-agent': 'PerRequest/1' } })).headers['user-agent']).toBe('PerRequest/1');
  });

  it('defaultUserAgent builds the same string', () => {
    expect(defaultUserAgent({ botName: 'teinei', contact: 'https://example.test/bot', userAgent: undefined })).toBe(`teinei/${version} (+https://example.test/bot)`);
    expect(defaultUserAgent({ botName: 'teinei', contact: 'x', userAgent: 'Fixed/1' })).toBe('Fixed/1');
  });
});

describe('defaultRequestHeaders', () => {
  it('sends Accept: application/json by default', async () => {
    const { headers } = await headersSent();
    expect(headers.accept).toBe('application/json');
  });

  it("does not override a request's own header, whatever its case", async () => {
    const { headers } = await headersSent({}, { headers: { accept: 'text/csv' } });
    expect(headers.accept).toBe('text/csv');
  });

  it('sends configured headers; an empty map sends none of them', async () => {
    const { headers } = await headersSent({ defaultRequestHeaders: { 'X-Api-Version': '2024-06', Accept: 'application/vnd.api+json' } });
    expect(headers['x-api-version']).toBe('2024-06');
    expect(headers.accept).toBe('application/vnd.api+json');
    server.hits.length = 0;
    const bare = await headersSent({ defaultRequestHeaders: {} });
    expect(bare.headers['x-api-version']).toBeUndefined();
    expect(bare.headers.accept ?? '').not.toBe('application/json');
  });

  it('json requests send a JSON body with Content-Type', async () => {
    await headersSent({}, { json: { query: 'cats', page: 2 } });
    const hit = server.hits[0]!;
    expect(hit.method).toBe('POST');
    expect(hit.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hit.body)).toEqual({ query: 'cats', page: 2 });
  });
});

describe('request headers given by the spider', () => {
  it('are not mutated by middlewares, so a shared headers object does not leak between runs', async () => {
    const shared = { 'X-Api-Key': 'k-123' };
    const url = server.url;
    class Shared extends Spider {
      static override spiderName = 'shared';
      override async *start() {
        yield this.request(`${url}/one`, { headers: shared });
      }
      override parse(): void {}
    }
    await runSpider(Shared, { settings: { userAgent: 'first-run/1' } });
    await runSpider(Shared, { settings: { userAgent: 'second-run/2', defaultRequestHeaders: { Accept: 'text/csv' } } });
    expect(server.hits.map((h) => [h.headers['x-api-key'], h.headers['user-agent'], h.headers.accept])).toEqual([
      ['k-123', 'first-run/1', 'application/json'],
      ['k-123', 'second-run/2', 'text/csv'],
    ]);
    expect(shared).toEqual({ 'X-Api-Key': 'k-123' });
  });
});
