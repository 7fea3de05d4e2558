/**
 * Test-side access to the MariaDB/MySQL server the globalSetup provides: its URL (waiting until it
 * is ready; failing, never skipping, when there is none), an admin connection, unique table names
 * (test files run in parallel against one database) and a throwaway user.
 */
import { existsSync, readFileSync } from 'node:fs';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { inject } from 'vitest';
import { Spider } from '../../src/spiders/spider.js';
import './mariadb.js';

/**
 * The server's URL once it accepts connections.
 * @throws with the reason when there is no server (no MYSQL_URL, no mariadbd) or it failed to start
 */
export async function mysqlUrl(): Promise<string> {
  const provided = inject('mysql');
  if (!provided || provided.error) throw new Error(provided?.error ?? 'The mysql globalSetup (test/setup/mariadb.ts) did not run: is it in vitest.config.ts?');
  if (provided.statusFile) {
    const deadline = Date.now() + 60_000;
    while (!existsSync(provided.statusFile)) {
      if (Date.now() > deadline) throw new Error('MariaDB did not start within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const status = JSON.parse(readFileSync(provided.statusFile, 'utf8')) as { state: string; message?: string };
    if (status.state !== 'ready') throw new Error(status.message ?? 'MariaDB failed to start');
  }
  return provided.url!;
}

/** A connection as root (or MYSQL_URL's user), for setting up tables and checking rows. */
export async function adminConnection(): Promise<Connection> {
  return mysql.createConnection({ uri: await mysqlUrl(), charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true, dateStrings: true });
}

let counter = 0;
/** A table name no other test (or test file running at the same time) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/** All rows of a table, ordered. */
export async function selectAll(conn: Connection, table: string, orderBy: string): Promise<RowDataPacket[]> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT * FROM \`${table}\` ORDER BY ${orderBy}`);
  return rows;
}

/** Creates a user with every privilege on the test database; returns its name and a URL for it. */
export async function createUser(conn: Connection): Promise<{ user: string; url: string }> {
  const user = uniqueName('u').slice(0, 32);
  await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'`);
  const base = new URL(await mysqlUrl());
  await conn.query(`GRANT ALL PRIVILEGES ON \`${base.pathname.slice(1)}\`.* TO '${user}'@'%'`);
  base.username = user;
  base.password = 'pw';
  return { user, url: base.toString() };
}

/** A spider whose start() yields the given items, calling `between(i)` before item i when given. */
export function itemsSpider(items: object[], between?: (i: number) => Promise<void>) {
  return class ItemsSpider extends Spider {
    static override spiderName = 'items';
    override async *start() {
      for (let i = 0; i < items.length; i++) {
        await between?.(i);
        yield items[i]!;
      }
    }
  };
}
