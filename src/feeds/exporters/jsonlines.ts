import { selectFields, stringifyItem, type ExporterOptions, type ItemExporter } from '../exporter.js';

/**
 * JSON lines (one compact JSON object per line, `\n`-terminated).
 *
 * The format of choice for crawls: every line is complete on its own, so a
 * feed can be appended to (`-o`) and read while it grows, unlike a JSON array.
 * JSON.stringify escapes `\n` and `\r` inside strings, so an item can never
 * span two lines.
 */
export class JsonLinesExporter implements ItemExporter {
  /** Always empty: every item is representable (or throws). */
  readonly warnings: readonly string[] = [];
  private readonly fields: readonly string[] | undefined;

  /** @param options `fields` selects and orders the exported keys. */
  constructor(options: ExporterOptions = {}) {
    this.fields = options.fields;
  }

  /** Nothing: JSON lines has no header. */
  start(): string {
    return '';
  }

  /** One line of JSON. @throws Error when the item cannot be encoded as JSON. */
  exportItem(item: Record<string, unknown>): string {
    return `${stringifyItem(selectFields(item, this.fields))}\n`;
  }

  /** Nothing: JSON lines has no footer. */
  finish(): string {
    return '';
  }
}
