import { extname } from 'node:path';
import { z } from 'zod';

/**
 * Output formats a feed can be written in. `jsonl` is an alias of `jsonlines`
 * because both spellings appear in Scrapy projects and on the command line.
 */
export const feedFormatSchema = z.enum(['jsonlines', 'jsonl', 'json', 'csv']);

/** One of the formats accepted by {@link feedFormatSchema}. */
export type FeedFormat = z.infer<typeof feedFormatSchema>;

/**
 * Options for a single feed (one value of the `feeds` setting).
 *
 * The object is strict: Scrapy's FEEDS accepts keys we do not implement
 * (`store_empty`, `batch_item_count`, ...) and a typo such as `fromat` would
 * otherwise be silently ignored, leaving a feed that looks configured but is not.
 */
export const feedOptionsSchema = z
  .strictObject({
    format: feedFormatSchema,
    /** `true` replaces an existing file (CLI `-O`); `false` appends to it (CLI `-o`). */
    overwrite: z.boolean().default(false),
    /** Which item fields to export and in what order (also the CSV header). */
    fields: z
      .array(z.string().min(1))
      .min(1)
      .refine((fields) => new Set(fields).size === fields.length, 'fields must not contain duplicates')
      .optional(),
    // Only UTF-8 is written today; the key exists so settings stay Scrapy-shaped.
    encoding: z.literal('utf8').optional(),
    /** Pretty-print indentation for the `json` format. */
    indent: z.number().int().min(0).max(10).optional(),
  })
  .refine((options) => options.indent === undefined || options.format === 'json', {
    message: 'indent is only supported for the json format',
    path: ['indent'],
  });

/** Validated options of one feed, with defaults applied. */
export type FeedOptions = z.output<typeof feedOptionsSchema>;

/** Options of one feed as a user may write them (defaults not yet applied). */
export type FeedOptionsInput = z.input<typeof feedOptionsSchema>;

/**
 * The `feeds` setting: maps an output path template (see `expandPathTemplate`)
 * to that feed's options, like Scrapy's FEEDS.
 */
export const feedsSchema = z.record(z.string().min(1), feedOptionsSchema);

/**
 * File extensions recognised by {@link feedFromCliFlag}. `.ndjson` is included
 * because many tools downstream of a crawl use that name for JSON lines.
 */
export const FEED_EXTENSIONS: Readonly<Record<string, FeedFormat>> = {
  '.jsonl': 'jsonlines',
  '.jsonlines': 'jsonlines',
  '.ndjson': 'jsonlines',
  '.json': 'json',
  '.csv': 'csv',
};

/** A feed described on the command line, ready to be put into the `feeds` setting. */
export interface CliFeed {
  /** Path template with any `:format` suffix removed. */
  path: string;
  options: FeedOptions;
}

/**
 * Builds a feed from a CLI `-o`/`-O` argument (`overwrite` is true for `-O`).
 *
 * The format comes from an explicit `:format` suffix (`out.txt:jsonlines`) or,
 * failing that, from the file extension. As in Scrapy, the suffix is only
 * taken when it names a known format, so paths that contain a colon for
 * other reasons (`C:\out.json`) still work.
 *
 * @throws Error naming the argument and the supported extensions when no format can be inferred.
 */
export function feedFromCliFlag(flag: string, overwrite: boolean): CliFeed {
  const colon = flag.lastIndexOf(':');
  if (colon > 0) {
    const suffix = feedFormatSchema.safeParse(flag.slice(colon + 1));
    if (suffix.success) {
      return { path: flag.slice(0, colon), options: { format: suffix.data, overwrite } };
    }
  }
  const format = FEED_EXTENSIONS[extname(flag).toLowerCase()];
  if (format === undefined) {
    throw new Error(
      `cannot infer the feed format of "${flag}": supported extensions are ` +
        `${Object.keys(FEED_EXTENSIONS).join(', ')}; or add a format suffix such as ` +
        `"${flag}:jsonlines" (formats: ${feedFormatSchema.options.join(', ')})`,
    );
  }
  return { path: flag, options: { format, overwrite } };
}
