import { selectFields, stringifyItem, type ExporterOptions, type ItemExporter } from '../exporter.js';

/** Options of {@link JsonExporter}. */
export interface JsonExporterOptions extends ExporterOptions {
  /** Spaces per indentation level; 0 or absent writes each item on one line. */
  indent?: number | undefined;
}

/**
 * A single JSON array: `[\n`, items separated by `,\n`, then `\n]\n`.
 * An empty feed is `[]\n`, still valid JSON, so consumers need no special case.
 *
 * The array is only valid once {@link finish} has run, which is why the feed
 * writer refuses to append to an existing JSON file and why it is written
 * through an atomic `.part` file.
 */
export class JsonExporter implements ItemExporter {
  /** Always empty: every item is representable (or throws). */
  readonly warnings: readonly string[] = [];
  private readonly fields: readonly string[] | undefined;
  private readonly indent: number;
  private readonly pad: string;
  private count = 0;

  /** @param options `fields` selects and orders keys; `indent` pretty-prints. */
  constructor(options: JsonExporterOptions = {}) {
    this.fields = options.fields;
    this.indent = options.indent ?? 0;
    this.pad = ' '.repeat(this.indent);
  }

  /** The opening bracket. */
  start(): string {
    return '[';
  }

  /** The item, preceded by the separator it needs. @throws Error when not JSON-encodable. */
  exportItem(item: Record<string, unknown>): string {
    let text = stringifyItem(selectFields(item, this.fields), this.indent || undefined);
    if (this.indent > 0) {
      // Nest the pretty-printed object inside the array. Split on '\n' only:
      // a /^/gm regex would also match after U+2028/U+2029, which
      // JSON.stringify leaves raw inside strings, and corrupt the value.
      text = this.pad + text.split('\n').join(`\n${this.pad}`);
    }
    const separator = this.count === 0 ? '\n' : ',\n';
    this.count += 1;
    return separator + text;
  }

  /** The closing bracket; `]` directly after `[` when there were no items. */
  finish(): string {
    return this.count === 0 ? ']\n' : '\n]\n';
  }
}
