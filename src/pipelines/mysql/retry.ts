/**
 * Which MySQL errors are worth retrying a whole batch for, and how long to wait before each retry.
 */

/** Error codes (mysql2's `code`) of a lost or killed connection, a deadlock or a lock wait timeout. */
const RETRYABLE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'CR_SERVER_GONE_ERROR',
  'CR_SERVER_LOST',
]);

/** Server error numbers: 1927 connection killed, 1053 shutdown, 1317 interrupted, 1213 deadlock, 1205 lock wait, 2006/2013 gone/lost. */
const RETRYABLE_ERRNOS = new Set([1927, 1053, 1317, 1213, 1205, 2006, 2013]);

/**
 * Whether retrying the batch on a fresh connection may succeed: the connection was lost or killed
 * (mysql2 marks those `fatal`), or the server reported a deadlock, a lock wait timeout, or
 * SQLSTATE 40001 (serialization failure). Other errors (unknown column, data too long) are not.
 */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; errno?: unknown; sqlState?: unknown; fatal?: unknown };
  if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
  if (typeof e.errno === 'number' && RETRYABLE_ERRNOS.has(e.errno)) return true;
  if (e.sqlState === '40001') return true;
  return e.fatal === true;
}

/** Seconds to wait before retry `n` (1-based): full jitter up to min(max, base × 2^(n-1)). */
export function backoffSeconds(n: number, base: number, max: number): number {
  return Math.random() * Math.min(max, base * 2 ** (n - 1));
}

/** A short description of a MySQL error: `ER_LOCK_DEADLOCK (1213): Deadlock found…`. */
export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as { code?: unknown; errno?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? ` (${e.errno})` : '';
  const message = typeof e.message === 'string' && e.message ? e.message : String(error);
  return code ? `${code}${errno}: ${message}` : message;
}
