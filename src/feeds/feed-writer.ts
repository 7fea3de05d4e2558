import { resolve } from 'node:path';
import { z } from 'zod';
import { feedsSchema, type FeedOptionsInput } from './feed-options.js';
import { openFeed, type FeedSpec, type OpenFeed } from './open-feed.js';
import { resolveFeedPath, type PathParams } from './path-template.js';

/** Outcome of one feed after {@link FeedWriter.close}. */
export interface FeedResult {
  /** The expanded output path. */
  path: string;
  /** Items written by this run (not counting items already in an appended file). */
  itemCount: number;
}

type State = 'new' | 'open' | 'closed' | 'aborted';

/**
 * Writes every item to all configured feeds (Scrapy's FEEDS).
 *
 * Each feed goes through an `AtomicFileWriter`, so its final path only
 * appears, complete, after {@link close}. Paths are expanded at construction
 * so a bad template or duplicate path fails before the crawl starts.
 */
export class FeedWriter {
  private readonly specs: readonly FeedSpec[];
  private readonly opened: OpenFeed[] = [];
  private state: State = 'new';

  /**
   * @param feeds the `feeds` setting: path template → options (validated here).
   * @param params values for `%(name)s`, `%(time)s` and other `%(key)s` placeholders.
   * @throws Error for invalid options, unknown placeholders, or two feeds with one path.
   */
  constructor(feeds: Record<string, FeedOptionsInput>, params: PathParams) {
    const parsed = feedsSchema.safeParse(feeds);
    if (!parsed.success) throw new Error(`invalid feeds setting:\n${z.prettifyError(parsed.error)}`);
    const byPath = new Map<string, string>();
    this.specs = Object.entries(parsed.data).map(([template, options]) => {
      const path = resolveFeedPath(template, params);
      // Two writers renaming over one file would silently lose one feed.
      const other = byPath.get(resolve(path));
      if (other !== undefined) throw new Error(`feeds "${other}" and "${template}" both write to ${path}`);
      byPath.set(resolve(path), template);
      return { template, path, options };
    });
  }

  /**
   * Opens every feed's `.part` file and writes its preamble. If any feed
   * fails to open, the ones already opened are aborted.
   *
   * @throws Error when appending to a non-empty JSON file, or when `fields`
   *   disagree with the header of a CSV file being appended to.
   */
  async open(): Promise<void> {
    if (this.state !== 'new') throw new Error(`FeedWriter.open(): already ${this.state}`);
    this.state = 'open';
    try {
      for (const spec of this.specs) this.opened.push(await openFeed(spec));
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /**
   * Writes one item to every feed. Await it before the next call: that is how
   * disk backpressure reaches the crawler. If an item cannot be encoded (a
   * BigInt or a cycle in JSON) the error is thrown and feeds earlier in the
   * list may already contain the item.
   */
  async write(item: object): Promise<void> {
    if (this.state !== 'open') throw new Error(`FeedWriter.write(): writer is ${this.state}`);
    const record = item as Record<string, unknown>;
    for (const feed of this.opened) {
      await feed.file.write(feed.exporter.exportItem(record));
      feed.itemCount += 1;
    }
  }

  /**
   * Finishes and commits every feed. A feed that fails is aborted (its
   * `.part` kept) while the others are still committed; the error is thrown
   * afterwards (an AggregateError if several failed).
   */
  async close(): Promise<FeedResult[]> {
    if (this.state !== 'open') throw new Error(`FeedWriter.close(): writer is ${this.state}`);
    this.state = 'closed';
    const errors: unknown[] = [];
    for (const feed of this.opened) {
      try {
        await feed.file.write(feed.exporter.finish());
        await feed.file.commit();
      } catch (error) {
        errors.push(error);
        await feed.file.abort();
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} feeds failed to close`);
    return this.itemCounts;
  }

  /**
   * Stops all feeds without publishing them: final paths are left as they
   * were and each `.part` stays for inspection. Safe to call more than once.
   */
  async abort(): Promise<void> {
    if (this.state === 'closed' || this.state === 'aborted') return;
    this.state = 'aborted';
    await Promise.all(this.opened.map((feed) => feed.file.abort()));
  }

  /** Items written so far, per feed, in the order of the `feeds` setting. */
  get itemCounts(): FeedResult[] {
    return this.specs.map((spec) => ({
      path: spec.path,
      itemCount: this.opened.find((feed) => feed.path === spec.path)?.itemCount ?? 0,
    }));
  }

  /** Exporter warnings (e.g. CSV keys that were dropped), prefixed with the feed path. */
  get warnings(): string[] {
    return this.opened.flatMap((feed) => feed.exporter.warnings.map((warning) => `${feed.path}: ${warning}`));
  }
}
