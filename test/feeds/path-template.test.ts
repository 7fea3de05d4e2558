import { describe, expect, it } from 'vitest';
import { expandPathTemplate, formatTimeForPath, resolveFeedPath } from '../../src/feeds/index.js';

const time = new Date('2026-11-27T06:30:00.123Z');

describe('expandPathTemplate', () => {
  it('formats %(time)s as a file-name-safe UTC timestamp', () => {
    expect(formatTimeForPath(time)).toBe('2026-11-27T06-30-00');
    expect(expandPathTemplate('out/%(name)s/%(time)s.jsonl', { name: 'books', time })).toBe(
      'out/books/2026-11-27T06-30-00.jsonl',
    );
  });

  it('expands extra params (strings and Dates), repeated keys and %%', () => {
    const params = { name: 'books', time, site: 'ja', since: new Date('2026-01-02T03:04:05Z') };
    expect(expandPathTemplate('%(site)s-%(name)s-%(site)s-%(since)s-100%%.csv', params)).toBe(
      'ja-books-ja-2026-01-02T03-04-05-100%.csv',
    );
  });

  it('leaves paths without placeholders unchanged, including a lone %', () => {
    expect(expandPathTemplate('out/50%off.json', { name: 'x', time })).toBe('out/50%off.json');
  });

  it('throws naming the unknown key and the template', () => {
    expect(() => expandPathTemplate('out/%(batch)s.json', { name: 'x', time })).toThrow(
      'unknown feed path parameter "%(batch)s" in "out/%(batch)s.json"',
    );
  });

  it('does not resolve keys from the prototype chain', () => {
    expect(() => expandPathTemplate('%(toString)s.json', { name: 'x', time })).toThrow(/toString/);
  });
});

describe('resolveFeedPath', () => {
  it('accepts file:// URIs and rejects other schemes', () => {
    expect(resolveFeedPath('file:///tmp/%(name)s.json', { name: 'books', time })).toBe('/tmp/books.json');
    expect(() => resolveFeedPath('s3://bucket/%(name)s.json', { name: 'books', time })).toThrow(/s3:\/\//);
  });
});
