/**
 * `teinei/archive`: the archive module on its own entry point, for jobs that split feeds without
 * crawling. Resolved through package.json "exports" (so it needs the build, as the CLI tests do).
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

describe('teinei/archive', () => {
  it('resolves to the built archive module, whose mysqlChunkTask points at a task file that exists', async () => {
    const archive = await import('teinei/archive');
    expect(typeof archive.splitCsv).toBe('function');
    expect(typeof archive.processChunks).toBe('function');
    expect(archive.mysqlChunkTask).toMatch(/dist\/archive\/tasks\/mysql\.js$/);
    expect(existsSync(archive.mysqlChunkTask)).toBe(true);
  });

  it('does not load the crawler or mysql2 in the importing thread', () => {
    // A loader hook would be heavier; the resolved module URLs of a fresh process tell the same.
    const script = `
      import { createRequire } from 'node:module';
      await import('teinei/archive');
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((f) => /mysql2|got-scraping/.test(f)).length));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toBe(0);
  });
});
