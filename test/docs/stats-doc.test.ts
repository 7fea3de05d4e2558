/**
 * docs/stats.md cannot drift: every stat key set in src/ is listed there, and every key listed
 * there is set in src/. Template parts (`${status}`) and placeholders (`<status>`) both count as
 * "any value".
 */
import { readFile } from 'node:fs/promises';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
// A stats call: `.inc('key'`, `.set(\`key/${x}\``, `.max(…` on anything; keys are lowercase with `/` or `_`.
const CALL = /\.(?:inc|set|max|min)\(\s*(['"`])([a-z][a-z0-9_]*(?:\/[^'"`\s]+)*)\1/g;
const normalise = (key: string) => key.replace(/\$\{[^}]*\}/g, '*').replace(/<[^>]+>/g, '*');

async function keysInSource(): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const files = await glob('src/**/*.ts', { cwd: root.pathname });
  for (const file of files) {
    const text = await readFile(new URL(file, root), 'utf8');
    for (const m of text.matchAll(CALL)) {
      const key = m[2]!;
      if (!key.includes('/') && !key.includes('_')) continue; // Map#set('x'), not a stat
      keys.set(normalise(key), file);
    }
  }
  return keys;
}

async function keysInDoc(): Promise<Set<string>> {
  const doc = await readFile(new URL('docs/stats.md', root), 'utf8');
  return new Set([...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => normalise(m[1]!)));
}

describe('docs/stats.md', () => {
  it('lists every stat the code sets', async () => {
    const [source, doc] = [await keysInSource(), await keysInDoc()];
    expect(source.size).toBeGreaterThan(40);
    const missing = [...source].filter(([key]) => !doc.has(key)).map(([key, file]) => `${key} (${file})`);
    expect(missing, 'add these to docs/stats.md').toEqual([]);
  });

  it('lists no stat the code does not set', async () => {
    const [source, doc] = [await keysInSource(), await keysInDoc()];
    const stale = [...doc].filter((key) => !source.has(key));
    expect(stale, 'remove these from docs/stats.md or set them').toEqual([]);
  });
});
