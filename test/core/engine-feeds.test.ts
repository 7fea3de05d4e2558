import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spider, type Response } from '../../src/index.js';
import { messages, runSpider, sendJson, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let dir: string;
beforeEach(async () => {
  server = await startServer((req, res) => {
    const page = Number(req.path.slice(2));
    sendJson(res, { items: [0, 1, 2].map((i) => ({ id: page * 3 + i, title: `book ${page * 3 + i}` })) });
  });
  dir = await mkdtemp(join(tmpdir(), 'teinei-engine-feeds-'));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

interface FileState {
  part: boolean;
  final: boolean;
}

/** Crawls /p0../p3 (3 items each) and records, in each callback, which of the feed's files exist. */
function booksSpider(url: string, finalPath: string, states: FileState[]) {
  return class Books extends Spider {
    static override spiderName = 'books';
    override async *start() {
      for (let page = 0; page < 4; page++) yield this.request(`${url}/p${page}`);
    }
    override *parse(response: Response) {
      states.push({ part: existsSync(`${finalPath}.part`), final: existsSync(finalPath) });
      yield* (response.json() as { items: object[] }).items;
    }
  };
}

describe('feeds through the engine', () => {
  it('writes FILE.part during the crawl and FILE with every item after it', async () => {
    const finalPath = join(dir, 'books.jsonl');
    const states: FileState[] = [];
    const { items, logs, result } = await runSpider(booksSpider(server.url, finalPath, states), {
      settings: { feeds: { [join(dir, '%(name)s.jsonl')]: { format: 'jsonlines' } } },
    });
    expect(result.closeReason).toBe('finished');
    expect(items).toHaveLength(12);
    expect(states).toHaveLength(4);
    expect(states.every((s) => s.part && !s.final)).toBe(true);

    expect(existsSync(`${finalPath}.part`)).toBe(false);
    const lines = readFileSync(finalPath, 'utf8').trimEnd().split('\n');
    const ids = lines.map((line) => (JSON.parse(line) as { id: number }).id).sort((a, b) => a - b);
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(messages(logs, 'INFO')).toContain(`Stored feed (12 items) in: ${finalPath}`);
  });

  it('writes several feeds at once, each with only its fields', async () => {
    const jsonPath = join(dir, 'books.json');
    const csvPath = join(dir, 'books.csv');
    await runSpider(booksSpider(server.url, jsonPath, []), {
      settings: {
        feeds: {
          [join(dir, '%(name)s.json')]: { format: 'json' },
          [join(dir, '%(name)s.csv')]: { format: 'csv', fields: ['id'] },
        },
      },
    });
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Array<{ id: number; title: string }>;
    expect(json).toHaveLength(12);
    expect(json.find((b) => b.id === 7)).toEqual({ id: 7, title: 'book 7' });
    const csv = readFileSync(csvPath, 'utf8').trimEnd().split(/\r?\n/);
    expect(csv[0]).toBe('id');
    expect(csv.slice(1).map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('appends to an existing jsonlines feed unless overwrite', async () => {
    const finalPath = join(dir, 'books.jsonl');
    const feeds = (overwrite: boolean) => ({ feeds: { [finalPath]: { format: 'jsonlines' as const, overwrite } } });
    await runSpider(booksSpider(server.url, finalPath, []), { settings: feeds(false) });
    await runSpider(booksSpider(server.url, finalPath, []), { settings: feeds(false) });
    expect(readFileSync(finalPath, 'utf8').trimEnd().split('\n')).toHaveLength(24);
    await runSpider(booksSpider(server.url, finalPath, []), { settings: feeds(true) });
    expect(readFileSync(finalPath, 'utf8').trimEnd().split('\n')).toHaveLength(12);
  });

  it('a feed that cannot open stops the spider before any request, naming the file', async () => {
    const finalPath = join(dir, 'books.json');
    writeFileSync(finalPath, '[{"id":-1}]');
    const { result, logs } = await runSpider(booksSpider(server.url, finalPath, []), { settings: { feeds: { [finalPath]: { format: 'json' } } } });
    expect(result.closeReason).toBe('error');
    expect(server.hits).toHaveLength(0);
    expect(messages(logs, 'CRITICAL').join('\n')).toContain(`Could not open spider: cannot append to ${finalPath}`);
    expect(readFileSync(finalPath, 'utf8')).toBe('[{"id":-1}]');
  });
});
