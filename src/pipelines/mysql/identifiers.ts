/**
 * MySQL identifiers (table and column names): validated against a strict pattern, then quoted
 * with backticks, so names that are SQL keywords (`limit`, `order`, `key`) work and nothing from an
 * item can reach the SQL text unescaped.
 */
import { TeineiError } from '../../core/errors.js';

/** What a table or column name may look like: a letter or `_`, then letters, digits, `_` or `$`. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** MySQL's longest identifier, in characters. */
const MAX_IDENTIFIER_LENGTH = 64;

/** A table or column name that does not match IDENTIFIER_PATTERN; names the identifier and its role. */
export class MySqlIdentifierError extends TeineiError {
  override name = 'MySqlIdentifierError';
  constructor(
    /** The rejected name, as given. */
    readonly identifier: string,
    /** What it was meant to be: "table", "column", "key column". */
    readonly role: string,
  ) {
    super(`Invalid MySQL ${role} name ${JSON.stringify(identifier)}: expected ${IDENTIFIER_PATTERN} and at most ${MAX_IDENTIFIER_LENGTH} characters`);
  }
}

/**
 * Checks one identifier and returns it backtick-quoted.
 * @throws MySqlIdentifierError when it does not match IDENTIFIER_PATTERN
 */
export function quoteIdentifier(name: string, role = 'column'): string {
  if (typeof name !== 'string' || name.length > MAX_IDENTIFIER_LENGTH || !IDENTIFIER_PATTERN.test(name)) {
    throw new MySqlIdentifierError(String(name), role);
  }
  return `\`${name}\``;
}

/**
 * Quotes a table name, optionally qualified by its database (`db.table` → `` `db`.`table` ``).
 * @throws MySqlIdentifierError naming the part that is invalid
 */
export function quoteTableName(name: string): string {
  if (typeof name !== 'string') throw new MySqlIdentifierError(String(name), 'table');
  const parts = name.split('.');
  if (parts.length > 2) throw new MySqlIdentifierError(name, 'table');
  return parts.map((part, i) => quoteIdentifier(part, parts.length === 2 && i === 0 ? 'database' : 'table')).join('.');
}

/** A cache of names already checked, so per-item validation of dynamic column names stays cheap. */
export class IdentifierCache {
  private readonly quoted = new Map<string, string>();

  /**
   * The quoted form of a column name, validated once.
   * @throws MySqlIdentifierError when it is invalid
   */
  quote(name: string, role = 'column'): string {
    let hit = this.quoted.get(name);
    if (hit === undefined) {
      hit = quoteIdentifier(name, role);
      if (this.quoted.size < 10_000) this.quoted.set(name, hit);
    }
    return hit;
  }
}
