/**
 * MySqlPipeline's SQL building, without a database: identifier checks and quoting, the
 * `INSERT … ON DUPLICATE KEY UPDATE col = VALUES(col)` text, splitting under a byte budget, value
 * conversion and which errors are retried.
 */
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { MySqlIdentifierError, MySqlPipeline, buildUpserts, quoteIdentifier, quoteTableName } from '../../src/pipelines/mysql.js';
import { isRetryable } from '../../src/pipelines/mysql/retry.js';
import { RowMapper, toSqlValue, MySqlItemError, type Row, type SqlValue } from '../../src/pipelines/mysql/rows.js';

const escape = (v: SqlValue) => mysql.escape(v, undefined, 'Z');

describe('identifiers', () => {
  it('backtick-quotes valid names, keywords included', () => {
    expect(quoteIdentifier('limit')).toBe('`limit`');
    expect(quoteIdentifier('_a$1')).toBe('`_a$1`');
    expect(quoteTableName('db.order')).toBe('`db`.`order`');
  });

  it.each(['first name', 'a`b', '1abc', 'x;DROP TABLE y', '', 'é', 'a'.repeat(65)])('rejects %j, naming it', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(MySqlIdentifierError);
    expect(() => quoteIdentifier(name)).toThrow(JSON.stringify(name));
  });

  it('the constructor rejects a bad table, key or column name, naming it and its role', () => {
    const base = { url: 'mysql://root@127.0.0.1/x', table: 't', key: 'id' };
    expect(() => new MySqlPipeline({ ...base, table: 'users; DROP' })).toThrow('Invalid MySQL table name "users; DROP"');
    expect(() => new MySqlPipeline({ ...base, key: ['id', 'a b'] })).toThrow('Invalid MySQL key column name "a b"');
    expect(() => new MySqlPipeline({ ...base, columns: { id: 'id', name: 'na`me' } })).toThrow('Invalid MySQL column name "na`me"');
    expect(() => new MySqlPipeline({ ...base, table: 'a.b.c' })).toThrow(MySqlIdentifierError);
  });

  it('the constructor rejects other bad options', () => {
    const base = { url: 'mysql://root@127.0.0.1/x', table: 't', key: 'id' };
    expect(() => new MySqlPipeline({ ...base, batchSize: 0 })).toThrow('batchSize');
    expect(() => new MySqlPipeline({ ...base, key: [] })).toThrow('key');
    expect(() => new MySqlPipeline({ ...base, columns: ['name'] })).toThrow('key column "id" is not among `columns`');
    expect(() => new MySqlPipeline({ ...base, columns: ['id'], toRow: () => ({}) })).toThrow('either `columns` or `toRow`');
    expect(() => new MySqlPipeline({ ...base, url: '' })).toThrow('url');
  });
});

describe('buildUpserts', () => {
  const options = { table: '`t`', key: ['id'], escape, maxBytes: 1 << 20 };

  it('builds one multi-row upsert with VALUES(col) for the non-key columns', () => {
    const sql = buildUpserts([{ id: 1, limit: 'a' }, { id: 2, limit: "it's" }], options);
    expect(sql).toEqual(["INSERT INTO `t` (`id`, `limit`) VALUES (1, 'a'),(2, 'it\\'s') ON DUPLICATE KEY UPDATE `limit` = VALUES(`limit`)"]);
  });

  it('updates nothing but a key when every column is a key column', () => {
    const sql = buildUpserts([{ a: 1, b: 2 }], { ...options, key: ['a', 'b'] });
    expect(sql[0]).toMatch(/ON DUPLICATE KEY UPDATE `a` = `a`$/);
  });

  it('splits so that no statement exceeds maxBytes (UTF-8 bytes), keeping row order', () => {
    const rows: Row[] = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `𠮷野家-${i}-${'x'.repeat(40)}` }));
    const maxBytes = 600;
    const sql = buildUpserts(rows, { ...options, maxBytes });
    expect(sql.length).toBeGreaterThan(5);
    for (const s of sql) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(maxBytes);
    const ids = sql.flatMap((s) => [...s.matchAll(/\((\d+), '/g)].map((m) => Number(m[1])));
    expect(ids).toEqual(rows.map((r) => r.id));
  });

  it('a row over the budget still goes, alone (the server decides)', () => {
    const sql = buildUpserts([{ id: 1, v: 'a' }, { id: 2, v: 'y'.repeat(500) }, { id: 3, v: 'b' }], { ...options, maxBytes: 200 });
    expect(sql).toHaveLength(3);
  });

  it('consecutive rows with other columns get their own statement, in order', () => {
    const sql = buildUpserts([{ id: 1, a: 1 }, { id: 2, a: 2 }, { id: 3, b: 3 }, { id: 4, a: 4 }], options);
    expect(sql.map((s) => s.slice(0, s.indexOf(' VALUES')))).toEqual([
      'INSERT INTO `t` (`id`, `a`)',
      'INSERT INTO `t` (`id`, `b`)',
      'INSERT INTO `t` (`id`, `a`)',
    ]);
  });
});

describe('rows', () => {
  it('converts values: objects → JSON, booleans → 1/0, undefined → NULL, Dates kept', () => {
    const date = new Date('2026-01-02T03:04:05Z');
    const row = new RowMapper({ key: ['id'] }).map({ id: 1, tags: ['a', 'b'], meta: { n: 1n }, ok: true, no: false, gone: undefined, at: date });
    expect(row).toEqual({ id: 1, tags: '["a","b"]', meta: '{"n":"1"}', ok: 1, no: 0, gone: null, at: date });
  });

  it('maps with a columns list or a field → column record', () => {
    expect(new RowMapper({ key: ['id'], columns: ['id', 'name'] }).map({ id: 1, name: 'n', extra: 'x' })).toEqual({ id: 1, name: 'n' });
    expect(new RowMapper({ key: ['id'], columns: ['id', 'name'] }).map({ id: 1 })).toEqual({ id: 1, name: null });
    expect(new RowMapper({ key: ['id'], columns: { sku: 'id', title: 'order' } }).map({ sku: 7, title: 't' })).toEqual({ id: 7, order: 't' });
  });

  it('rejects items that cannot be rows with MySqlItemError (a DropItem)', () => {
    const mapper = new RowMapper({ key: ['id'] });
    expect(() => mapper.map({ name: 'no id' })).toThrow('no value for key column "id"');
    expect(() => mapper.map({ id: null })).toThrow(MySqlItemError);
    expect(() => mapper.map({ id: 1, 'first name': 'x' })).toThrow('"first name"');
    expect(() => toSqlValue(Number.NaN, 'n')).toThrow('NaN');
    expect(() => toSqlValue(new Date('nope'), 'd')).toThrow('invalid Date');
    expect(() => toSqlValue(() => 1, 'f')).toThrow('function');
  });
});

describe('isRetryable', () => {
  it('retries lost connections, kills, deadlocks and lock waits, not other errors', () => {
    for (const e of [
      { code: 'PROTOCOL_CONNECTION_LOST', fatal: true },
      { code: 'ECONNRESET' },
      { code: 'ER_CONNECTION_KILLED', errno: 1927 },
      { errno: 2013 },
      { errno: 2006 },
      { code: 'ER_LOCK_DEADLOCK', errno: 1213 },
      { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 },
      { errno: 1644, sqlState: '40001' },
    ]) expect(isRetryable(e), JSON.stringify(e)).toBe(true);
    for (const e of [{ code: 'ER_BAD_FIELD_ERROR', errno: 1054 }, { code: 'ER_DATA_TOO_LONG', errno: 1406 }, new Error('x'), null]) {
      expect(isRetryable(e), JSON.stringify(e)).toBe(false);
    }
  });
});
