/**
 * Shared by the HTTP cache tests: a temp cache dir per test, and a spider that fetches a list of
 * paths and yields { path, status, body } per response.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spider, type Response, type SettingsInput } from '../../src/index.js';
import { runSpider, type RunResult } from '../helpers/server.js';

/** One request of the test spider. */
export interface Fetch {
  path: string;
  headers?: Record<string, string>;
  meta?: Record<string, unknown>;
}

/** A spider that requests `fetches` (never filtered as duplicates) from `base`. */
export function cacheSpider(base: string, fetches: Array<string | Fetch>, name = 'cached') {
  return class CacheTestSpider extends Spider {
    static override spiderName = name;
    override async *start() {
      for (const fetch of fetches) {
        const spec = typeof fetch === 'string' ? { path: fetch } : fetch;
        yield this.request(`${base}${spec.path}`, { headers: spec.headers ?? {}, meta: spec.meta ?? {}, dontFilter: true });
      }
    }
    override parse(response: Response) {
      return { path: new URL(response.url).pathname + new URL(response.url).search, status: response.status, body: response.json() as unknown };
    }
  };
}

/** A fresh temp dir and its removal. */
export async function tempCacheDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'teinei-httpcache-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Files in a directory ([] when it does not exist). */
export async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Settings for cache tests: cache on in `dir`, retries without backoff. */
export function cacheSettings(dir: string, extra: SettingsInput = {}): SettingsInput {
  return { httpcacheEnabled: true, httpcacheDir: dir, retryBackoffBase: 0, ...extra };
}

/** Runs the test spider once over `fetches`. */
export function runCached(base: string, fetches: Array<string | Fetch>, settings: SettingsInput, name?: string): Promise<RunResult> {
  return runSpider(cacheSpider(base, fetches, name), { settings });
}

/** Only the httpcache/* stats of a run. */
export function cacheStats(run: RunResult): Record<string, number | string> {
  return Object.fromEntries(Object.entries(run.result.stats).filter(([key]) => key.startsWith('httpcache/')));
}

/** Items in path order: cache reads finish in any order, as downloads do. */
export function byPath(items: object[]): object[] {
  return [...items].sort((a, b) => String((a as { path: string }).path).localeCompare(String((b as { path: string }).path)));
}
