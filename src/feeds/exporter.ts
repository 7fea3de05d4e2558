/**
 * Turns items into the text of one feed format.
 *
 * Exporters are pure string producers with no I/O, so every format can be
 * tested by comparing strings, and the file handling (atomic rename, append,
 * buffering) lives in one place instead of once per format.
 */
export interface ItemExporter {
  /** Text written once when the feed is opened (e.g. `[` for JSON). */
  start(): string;
  /** Text for one item, including its separator/terminator. */
  exportItem(item: Record<string, unknown>): string;
  /** Text written once when the feed is closed (e.g. `]` for JSON). */
  finish(): string;
  /**
   * Notes about data that was dropped or changed while exporting. Each kind of
   * problem is reported once, not per item, so a long crawl cannot flood logs.
   */
  readonly warnings: readonly string[];
}

/** Options every exporter understands. */
export interface ExporterOptions {
  /** Export only these fields, in this order (Scrapy's FEED_EXPORT_FIELDS). */
  fields?: readonly string[] | undefined;
}

/**
 * Returns the item restricted to `fields`, in that order. Fields the item does
 * not have are left out rather than written as null, like Scrapy's exporters
 * with `export_empty_fields` off, so JSON output does not invent values.
 * Without `fields` the item is returned unchanged (no copy: this runs per item).
 */
export function selectFields(
  item: Record<string, unknown>,
  fields: readonly string[] | undefined,
): Record<string, unknown> {
  if (fields === undefined) return item;
  const selected: Record<string, unknown> = {};
  for (const field of fields) {
    if (Object.hasOwn(item, field)) selected[field] = item[field];
  }
  return selected;
}

/**
 * `JSON.stringify` for one item, with an error that says which feed format
 * failed; the bare TypeError for BigInt or cyclic values names neither.
 */
export function stringifyItem(item: Record<string, unknown>, indent?: number): string {
  try {
    return JSON.stringify(item, null, indent) ?? 'null';
  } catch (error) {
    throw new Error(`cannot encode item as JSON: ${(error as Error).message}`, { cause: error });
  }
}
