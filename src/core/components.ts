/**
 * Builds ordered component chains (middlewares, pipelines, extensions) the same way for all:
 * built-in defaults merged with the user's entries, sorted by order, `null` dropping one, each
 * built with `static fromCrawler(crawler)` when it has one. A NotConfigured from a component
 * leaves it out.
 */
import type { ComponentEntry } from '../settings.js';
import { NotConfigured } from './errors.js';
import type { Crawler } from './crawler.js';

/** A class teinei can build: `fromCrawler(crawler)` when present, else `new Class()`. */
export interface ComponentClass<T> {
  new (): T;
  fromCrawler?(crawler: Crawler): T;
}

/** A built component with the name and order it was configured under. */
export interface BuiltComponent<T> {
  name: string;
  order: number;
  instance: T;
}

/**
 * Merges `base` and `user` (user wins per name), resolves names through `registry`, and builds
 * the components in ascending order.
 * @throws Error naming the setting and the entry when a name is unknown
 */
export function buildComponents<T>(
  settingName: string,
  base: Record<string, ComponentEntry>,
  user: Record<string, ComponentEntry>,
  registry: Record<string, ComponentClass<T>>,
  crawler: Crawler,
): Array<BuiltComponent<T>> {
  const merged = { ...base, ...user };
  const entries: Array<{ name: string; order: number; ref: unknown }> = [];
  for (const [name, entry] of Object.entries(merged)) {
    if (entry === null) continue;
    if (typeof entry === 'number') {
      const ref = registry[name];
      if (!ref) throw new Error(`${settingName}: unknown built-in "${name}" (known: ${Object.keys(registry).join(', ')}); give { component, order } for your own`);
      entries.push({ name, order: entry, ref });
    } else {
      entries.push({ name, order: entry.order ?? 500, ref: entry.component });
    }
  }
  entries.sort((a, b) => a.order - b.order);
  const built: Array<BuiltComponent<T>> = [];
  for (const { name, order, ref } of entries) {
    try {
      built.push({ name, order, instance: instantiate<T>(ref, crawler) });
    } catch (error) {
      if (error instanceof NotConfigured) {
        crawler.logger.debug(`${settingName}: ${name} not enabled${error.message ? `: ${error.message}` : ''}`);
        continue;
      }
      throw error;
    }
  }
  return built;
}

function instantiate<T>(ref: unknown, crawler: Crawler): T {
  if (typeof ref !== 'function') return ref as T;
  const cls = ref as ComponentClass<T>;
  return typeof cls.fromCrawler === 'function' ? cls.fromCrawler(crawler) : new cls();
}
