import { describe, expect, it } from 'vitest';
import { feedFromCliFlag, feedOptionsSchema, feedsSchema } from '../../src/feeds/index.js';

describe('feedOptionsSchema', () => {
  it('applies overwrite: false by default and keeps fields', () => {
    expect(feedOptionsSchema.parse({ format: 'csv', fields: ['id', 'title'] })).toEqual({
      format: 'csv',
      overwrite: false,
      fields: ['id', 'title'],
    });
  });

  it('rejects unknown formats, unknown keys, non-utf8 encodings and indent outside json', () => {
    expect(feedOptionsSchema.safeParse({ format: 'xml' }).success).toBe(false);
    expect(feedOptionsSchema.safeParse({ format: 'json', fromat: 'json' }).success).toBe(false);
    expect(feedOptionsSchema.safeParse({ format: 'json', encoding: 'latin1' }).success).toBe(false);
    expect(feedOptionsSchema.safeParse({ format: 'csv', indent: 2 }).success).toBe(false);
    expect(feedOptionsSchema.safeParse({ format: 'csv', fields: ['a', 'a'] }).success).toBe(false);
    expect(feedOptionsSchema.parse({ format: 'json', indent: 2, encoding: 'utf8' }).indent).toBe(2);
  });

  it('feedsSchema maps path templates to options', () => {
    const feeds = feedsSchema.parse({ 'out/%(name)s.jsonl': { format: 'jsonlines', overwrite: true } });
    expect(feeds).toEqual({ 'out/%(name)s.jsonl': { format: 'jsonlines', overwrite: true } });
  });
});

describe('feedFromCliFlag', () => {
  it.each([
    ['items.jsonl', 'jsonlines'],
    ['items.jsonlines', 'jsonlines'],
    ['items.ndjson', 'jsonlines'],
    ['dir/items.JSON', 'json'],
    ['items.csv', 'csv'],
  ])('infers %s as %s', (flag, format) => {
    expect(feedFromCliFlag(flag, false)).toEqual({ path: flag, options: { format, overwrite: false } });
  });

  it('takes an explicit :format suffix and strips it from the path', () => {
    expect(feedFromCliFlag('out.txt:jsonlines', true)).toEqual({
      path: 'out.txt',
      options: { format: 'jsonlines', overwrite: true },
    });
    expect(feedFromCliFlag('data/%(name)s.dat:csv', false).options.format).toBe('csv');
  });

  it('keeps colons that are not a format suffix (Windows drive letters)', () => {
    expect(feedFromCliFlag('C:\\out\\items.json', false)).toEqual({
      path: 'C:\\out\\items.json',
      options: { format: 'json', overwrite: false },
    });
  });

  it('names the path and the supported extensions for an unknown extension', () => {
    expect(() => feedFromCliFlag('out/items.xml', false)).toThrow(
      /"out\/items\.xml".*\.jsonl, \.jsonlines, \.ndjson, \.json, \.csv/,
    );
    expect(() => feedFromCliFlag('items', false)).toThrow(/cannot infer the feed format of "items"/);
    expect(() => feedFromCliFlag('out.txt:xml', false)).toThrow(/"out\.txt:xml"/);
  });
});
