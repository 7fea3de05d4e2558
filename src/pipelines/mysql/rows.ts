/**
 * Turns items into rows (column → SQL value): same-named columns by default, or the `columns`
 * option (a list, or a field → column mapping), or the user's `toRow(item)`.
 */
import { DropItem } from '../../core/errors.js';
import { IdentifierCache, MySqlIdentifierError, quoteIdentifier } from './identifiers.js';

/** A value as it goes into the SQL text. */
export type SqlValue = string | number | bigint | Date | Buffer | null;
/** One row to upsert: column name → value. Column order is the statement's column order. */
export type Row = Record<string, SqlValue>;
/** Which item fields go to which columns: a list of same-named fields, or field → column. */
export type ColumnsOption = readonly string[] | Readonly<Record<string, string>>;
/** Builds a row (column → value) from an item; its values are converted like item fields. */
export type ToRow<Item = any> = (item: Item) => Record<string, unknown>;

/**
 * An item that cannot become a row (no key value, a field name that is not a valid column name,
 * a value MySQL cannot store). A DropItem: counted as `item_dropped_reasons_count/MySqlItemError`.
 */
export class MySqlItemError extends DropItem {
  override name = 'MySqlItemError';
}

/** How items map to rows, fixed at construction. */
export interface RowMapperOptions {
  columns?: ColumnsOption | undefined;
  toRow?: ToRow | undefined;
  /** Key columns: every row needs a non-null value for each. */
  key: readonly string[];
}

/** Maps and converts items to rows; validates column names once and caches them. */
export class RowMapper {
  private readonly pairs?: ReadonlyArray<readonly [field: string, column: string]>;
  private readonly names = new IdentifierCache();

  /** @throws MySqlIdentifierError for an invalid name in `columns` */
  constructor(private readonly options: RowMapperOptions) {
    const { columns } = options;
    if (columns) {
      this.pairs = Array.isArray(columns)
        ? (columns as readonly string[]).map((c) => [c, c] as const)
        : Object.entries(columns as Record<string, string>);
      for (const [, column] of this.pairs) quoteIdentifier(column, 'column');
    }
  }

  /** The columns every row has, when fixed by `columns`; undefined when rows follow their items. */
  get fixedColumns(): string[] | undefined {
    return this.pairs?.map(([, column]) => column);
  }

  /**
   * The row for one item.
   * @throws MySqlItemError when the item cannot be written
   */
  map(item: object): Row {
    const source: Record<string, unknown> = this.options.toRow
      ? this.options.toRow(item)
      : this.pairs
        ? Object.fromEntries(this.pairs.map(([field, column]) => [column, (item as Record<string, unknown>)[field]]))
        : (item as Record<string, unknown>);
    if (typeof source !== 'object' || source === null) throw new MySqlItemError(`toRow() returned ${String(source)}, not an object`);
    const row: Row = {};
    for (const column of Object.keys(source)) {
      try {
        this.names.quote(column);
      } catch (error) {
        if (error instanceof MySqlIdentifierError) throw new MySqlItemError(`Item field cannot be a column: ${error.message}`);
        throw error;
      }
      row[column] = toSqlValue(source[column], column);
    }
    for (const column of this.options.key) {
      if (row[column] === null || row[column] === undefined) throw new MySqlItemError(`Item has no value for key column "${column}"`);
    }
    return row;
  }
}

/**
 * Converts a value for the SQL text: undefined → NULL, booleans → 1/0, objects and arrays → JSON,
 * Dates and Buffers as is.
 * @throws MySqlItemError for NaN/Infinity, invalid Dates, functions and symbols
 */
export function toSqlValue(value: unknown, column: string): SqlValue {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
    case 'bigint':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'number':
      if (!Number.isFinite(value)) throw new MySqlItemError(`Column "${column}": MySQL cannot store ${value}`);
      return value;
    case 'object':
      if (value === null) return null;
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new MySqlItemError(`Column "${column}": invalid Date`);
        return value;
      }
      if (Buffer.isBuffer(value)) return value;
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return jsonText(value);
    default:
      throw new MySqlItemError(`Column "${column}": cannot store a ${typeof value}`);
  }
}

/** JSON text of a value; bigints become JSON numbers' digits as strings. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
