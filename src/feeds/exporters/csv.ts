import { stringify } from 'csv-stringify/sync';
import type { ExporterOptions, ItemExporter } from '../exporter.js';

/** Options of {@link CsvExporter}. */
export interface CsvExporterOptions extends ExporterOptions {
  /**
   * Write the header row (default `true`). The feed writer turns it off when
   * appending to a file that already has one.
   */
  includeHeader?: boolean | undefined;
  /**
   * Warn (once) when an item has keys outside the columns. Defaults to `true`
   * only when `fields` is absent; the feed writer sets it when the columns
   * come from an existing file's header rather than from the user.
   */
  warnExtraKeys?: boolean | undefined;
}

/**
 * CSV with a header row, quoted by csv-stringify (RFC 4180 quoting; rows end
 * in `\n`).
 *
 * Columns are `fields` when given, otherwise the keys of the first item, since
 * a CSV header cannot change once written. Keys that later items add are
 * dropped, and a single warning is recorded in {@link warnings}. Missing keys
 * and null/undefined values are empty cells.
 */
export class CsvExporter implements ItemExporter {
  /** Problems found while exporting, each reported once. */
  readonly warnings: string[] = [];
  private readonly warnExtraKeys: boolean;
  private readonly includeHeader: boolean;
  private header: readonly string[] | undefined;
  private headerSet: ReadonlySet<string> = new Set();
  private warnedExtraKeys = false;

  /** @param options `fields` fixes the columns; `includeHeader` controls the header row. */
  constructor(options: CsvExporterOptions = {}) {
    this.warnExtraKeys = options.warnExtraKeys ?? options.fields === undefined;
    this.includeHeader = options.includeHeader ?? true;
    if (options.fields !== undefined) this.setHeader(options.fields);
  }

  /** The header row when the columns are already known from `fields`. */
  start(): string {
    return this.header !== undefined && this.includeHeader ? csvRow(this.header) : '';
  }

  /** One row (preceded by the header row for the first item when columns come from it). */
  exportItem(item: Record<string, unknown>): string {
    // Cells are built before any state changes so an item that cannot be
    // encoded leaves the exporter as it was (the header is still pending).
    const header = this.header ?? Object.keys(item);
    const row = csvRow(header.map((key) => csvCell(item[key])));
    if (this.header === undefined) {
      this.setHeader(header);
      return this.includeHeader ? csvRow(header) + row : row;
    }
    if (this.warnExtraKeys && !this.warnedExtraKeys) this.checkExtraKeys(item);
    return row;
  }

  /** Nothing: CSV has no footer. */
  finish(): string {
    return '';
  }

  // Dropping keys the user did not ask to drop is data loss worth one warning;
  // with explicit fields it is the point, so no warning then.
  private checkExtraKeys(item: Record<string, unknown>): void {
    const extra = Object.keys(item).filter((key) => !this.headerSet.has(key));
    if (extra.length === 0) return;
    this.warnedExtraKeys = true;
    this.warnings.push(
      `some items have keys that are not CSV columns and were not exported (first seen: ${extra.join(', ')}); ` +
        `the columns come from the first item or the existing header. Set "fields" to choose them explicitly.`,
    );
  }

  private setHeader(fields: readonly string[]): void {
    this.header = fields;
    this.headerSet = new Set(fields);
  }
}

/** One CSV record, `\n`-terminated. */
function csvRow(cells: readonly string[]): string {
  return stringify([cells]);
}

/**
 * Converts a value to cell text ourselves rather than via csv-stringify's
 * casts, which write `true`/`false` as `1`/empty and a Date as epoch
 * milliseconds; both lose meaning for whoever opens the file.
 * Nested objects and arrays become JSON so they can be parsed back.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch (error) {
      throw new Error(`cannot encode CSV cell as JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  return String(value);
}

/**
 * Parses one CSV record without embedded newlines, e.g. the header line of an
 * existing file, so appended rows can reuse its column order. A leading UTF-8
 * BOM and a trailing `\r` are ignored.
 */
export function parseCsvHeader(line: string): string[] {
  const text = line.replace(/^\uFEFF/, '').replace(/\r$/, '');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') cell += char;
      else if (text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}
