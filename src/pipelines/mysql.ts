/**
 * The MySQL/MariaDB item pipeline (mysql2): batched, idempotent upserts with retries and a spool.
 */
export { MySqlPipeline } from './mysql/mysql-pipeline.js';
export { defaultPoolOptions, type MySqlPipelineOptions } from './mysql/options.js';
export { MySqlIdentifierError, IDENTIFIER_PATTERN, quoteIdentifier, quoteTableName } from './mysql/identifiers.js';
export { MySqlItemError, type ColumnsOption, type ToRow, type Row, type SqlValue } from './mysql/rows.js';
export { buildUpserts, type UpsertSqlOptions } from './mysql/upsert-sql.js';
