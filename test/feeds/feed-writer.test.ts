import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeedWriter, feedFromCliFlag, type FeedOptionsInput } from '../../src/feeds/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'teinei-feeds-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const time = new Date('2026-11-27T06:30:00Z');
const items = [
  { id: 1, title: '吾輩は猫である', author: '夏目漱石', price: 1200, tags: ['小説', 'classic'] },
  { id: 2, title: 'Comma, "quote"\nand newline', author: null, price: 9.5, tags: [] },
];

async function writeAll(feeds: Record<string, FeedOptionsInput>, rows: object[], params = {}) {
  const writer = new FeedWriter(feeds, { name: 'books', time, ...params });
  await writer.open();
  for (const row of rows) await writer.write(row);
  return { writer, results: await writer.close() };
}

const jsonLines = (text: string) => text.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);

describe('FeedWriter', () => {
  it('writes every format to every feed and round-trips the items', async () => {
    const { results } = await writeAll(
      {
        [join(dir, 'out.jsonl')]: { format: 'jsonlines' },
        [join(dir, 'out.json')]: { format: 'json' },
        [join(dir, 'out.csv')]: { format: 'csv' },
      },
      items,
    );
    expect(results).toEqual([
      { path: join(dir, 'out.jsonl'), itemCount: 2 },
      { path: join(dir, 'out.json'), itemCount: 2 },
      { path: join(dir, 'out.csv'), itemCount: 2 },
    ]);
    expect(jsonLines(await readFile(join(dir, 'out.jsonl'), 'utf8'))).toEqual(items);
    expect(JSON.parse(await readFile(join(dir, 'out.json'), 'utf8'))).toEqual(items);
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(
      'id,title,author,price,tags\n' +
        '1,吾輩は猫である,夏目漱石,1200,"[""小説"",""classic""]"\n' +
        '2,"Comma, ""quote""\nand newline",,9.5,[]\n',
    );
  });

  it('writes [] for a json feed with zero items', async () => {
    const path = join(dir, 'empty.json');
    const { results } = await writeAll({ [path]: { format: 'json' } }, []);
    expect(results).toEqual([{ path, itemCount: 0 }]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual([]);
  });

  it('keeps FILE absent and FILE.part present until close', async () => {
    const path = join(dir, 'out.jsonl');
    const writer = new FeedWriter({ [path]: { format: 'jsonlines' } }, { name: 'books', time });
    await writer.open();
    await writer.write({ a: 1 });
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(true);
    expect(writer.itemCounts).toEqual([{ path, itemCount: 1 }]);
    await writer.close();
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
  });

  it('abort leaves the previous FILE and the .part', async () => {
    const path = join(dir, 'out.jsonl');
    await writeFile(path, '{"old":true}\n');
    const writer = new FeedWriter({ [path]: { format: 'jsonlines', overwrite: true } }, { name: 'books', time });
    await writer.open();
    await writer.write({ a: 1 });
    await writer.abort();
    expect(await readFile(path, 'utf8')).toBe('{"old":true}\n');
    expect(await readFile(`${path}.part`, 'utf8')).toBe('{"a":1}\n');
    await expect(writer.write({ a: 2 })).rejects.toThrow(/aborted/);
  });

  it('appends (-o) jsonlines, keeping the old lines', async () => {
    const { path, options } = feedFromCliFlag(join(dir, 'out.jsonl'), false);
    await writeFile(path, '{"old":1}\n');
    await writeAll({ [path]: options }, [{ new: 2 }]);
    expect(jsonLines(await readFile(path, 'utf8'))).toEqual([{ old: 1 }, { new: 2 }]);
  });

  it('overwrites (-O), replacing the old content', async () => {
    const { path, options } = feedFromCliFlag(join(dir, 'out.jsonl'), true);
    await writeFile(path, '{"old":1}\n');
    await writeAll({ [path]: options }, [{ new: 2 }]);
    expect(jsonLines(await readFile(path, 'utf8'))).toEqual([{ new: 2 }]);
  });

  it('appends csv without repeating the header, in the existing column order', async () => {
    const path = join(dir, 'out.csv');
    await writeFile(path, 'title,id\nold,1\n');
    const { writer } = await writeAll({ [path]: { format: 'csv' } }, [{ id: 2, title: '新しい', extra: 'x' }]);
    expect(await readFile(path, 'utf8')).toBe('title,id\nold,1\n新しい,2\n');
    expect(writer.warnings).toHaveLength(1);
    expect(writer.warnings[0]).toContain(`${path}: `);
  });

  it('writes the csv header when appending to an empty or missing file', async () => {
    const path = join(dir, 'out.csv');
    await writeFile(path, '');
    await writeAll({ [path]: { format: 'csv' } }, [{ a: 1 }]);
    expect(await readFile(path, 'utf8')).toBe('a\n1\n');
  });

  it('refuses csv append when fields disagree with the existing header', async () => {
    const path = join(dir, 'out.csv');
    await writeFile(path, 'a,b\n1,2\n');
    const writer = new FeedWriter({ [path]: { format: 'csv', fields: ['b', 'a'] } }, { name: 'x', time });
    await expect(writer.open()).rejects.toThrow(/header \(a, b\) differs from fields \(b, a\)/);
    expect(await readFile(path, 'utf8')).toBe('a,b\n1,2\n');
  });

  it('refuses to append to a non-empty json file, naming the path and the alternatives', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, '[\n{"a":1}\n]\n');
    const other = join(dir, 'other.jsonl');
    const writer = new FeedWriter(
      { [other]: { format: 'jsonlines' }, [path]: { format: 'json' } },
      { name: 'x', time },
    );
    const error = await writer.open().then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toContain(path);
    expect(error?.message).toMatch(/-O/);
    expect(error?.message).toMatch(/jsonlines/);
    expect(await readFile(path, 'utf8')).toBe('[\n{"a":1}\n]\n');
    expect(existsSync(`${path}.part`)).toBe(false);
    expect(existsSync(other)).toBe(false);
  });

  it('allows appending json when the file is missing, and overwriting an existing one', async () => {
    const path = join(dir, 'out.json');
    await writeAll({ [path]: { format: 'json' } }, [{ a: 1 }]);
    await writeAll({ [path]: { format: 'json', overwrite: true } }, [{ a: 2 }]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual([{ a: 2 }]);
  });

  it('expands path templates with name, time and extra params', async () => {
    const template = join(dir, '%(name)s', '%(site)s-%(time)s.jsonl');
    const { results } = await writeAll({ [template]: { format: 'jsonl' } }, [{ a: 1 }], { site: 'jp' });
    const expected = join(dir, 'books', 'jp-2026-11-27T06-30-00.jsonl');
    expect(results).toEqual([{ path: expected, itemCount: 1 }]);
    expect(await readFile(expected, 'utf8')).toBe('{"a":1}\n');
  });

  it('filters and orders fields in every format', async () => {
    const fields = ['title', 'id'];
    await writeAll(
      {
        [join(dir, 'f.jsonl')]: { format: 'jsonlines', fields },
        [join(dir, 'f.json')]: { format: 'json', fields, indent: 2 },
        [join(dir, 'f.csv')]: { format: 'csv', fields },
      },
      items,
    );
    const expected = items.map(({ id, title }) => ({ title, id }));
    const lines = await readFile(join(dir, 'f.jsonl'), 'utf8');
    expect(lines.split('\n')[0]).toBe('{"title":"吾輩は猫である","id":1}');
    expect(jsonLines(lines)).toEqual(expected);
    expect(JSON.parse(await readFile(join(dir, 'f.json'), 'utf8'))).toEqual(expected);
    expect((await readFile(join(dir, 'f.csv'), 'utf8')).split('\n')[0]).toBe('title,id');
  });

  it('rejects invalid settings, unknown placeholders and duplicate paths up front', () => {
    const params = { name: 'x', time };
    expect(() => new FeedWriter({ 'a.xml': { format: 'xml' as 'csv' } }, params)).toThrow(/invalid feeds setting/);
    expect(() => new FeedWriter({ '%(nope)s.json': { format: 'json' } }, params)).toThrow(/%\(nope\)s/);
    expect(
      () => new FeedWriter({ 'out/x.json': { format: 'json' }, 'out/%(name)s.json': { format: 'json' } }, params),
    ).toThrow(/both write to/);
  });

  it('enforces the open → write → close order', async () => {
    const writer = new FeedWriter({ [join(dir, 'o.jsonl')]: { format: 'jsonl' } }, { name: 'x', time });
    await expect(writer.write({})).rejects.toThrow(/new/);
    await writer.open();
    await writer.close();
    await expect(writer.close()).rejects.toThrow(/closed/);
  });
});
