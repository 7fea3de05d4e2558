/**
 * A throwaway MariaDB for the MySQL pipeline tests, from Debian's `mariadb-server` binaries:
 * `mariadb-install-db` into a temporary datadir, then `mariadbd` on a free loopback port with a
 * password-less root (loopback only), and a `teinei_test` database (utf8mb4).
 *
 * The vitest globalSetup (test/setup/mariadb.ts) starts it in the background and provides
 * `mysql` = { url, statusFile } (or { error }); tests call `mysqlUrl()` (test/helpers/mysql-db.ts),
 * which waits until it is ready. With `MYSQL_URL` set, that server is used instead.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

/** What the globalSetup provides to test files. */
export interface MySqlProvided {
  /** The server's URL (`mysql://root@127.0.0.1:<port>/teinei_test`, or MYSQL_URL). */
  url?: string;
  /** A JSON file that says `{"state":"ready"}` or `{"state":"failed","message":…}` once known. */
  statusFile?: string;
  /** Why there is no server at all. */
  error?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    mysql: MySqlProvided;
  }
}

/** Where Debian puts the server (`MARIADBD` overrides). */
export const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';
/** The database the tests use. */
export const TEST_DATABASE = 'teinei_test';

/** A running throwaway server. */
export interface MariaDbServer {
  url: string;
  port: number;
  datadir: string;
  /** SIGTERM, wait for exit (SIGKILL after 10 s), remove the datadir. */
  stop(): Promise<void>;
}

/** Why the tests cannot get a server: MYSQL_URL unset and no mariadbd binary. */
export const NO_SERVER_MESSAGE =
  `The MySQL pipeline tests need MariaDB or MySQL: MYSQL_URL is unset and ${MARIADBD} is missing. ` +
  `Install Debian's mariadb-server (apt-get install mariadb-server; .ci/run does it) or set MYSQL_URL=mysql://user:password@host:port/database.`;

/** A free TCP port on 127.0.0.1 (bound and released: good enough for a test server). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Installs a datadir, starts mariadbd on `port` and creates the test database; ~2 s. */
export async function startMariaDb(port: number): Promise<MariaDbServer> {
  const datadir = await mkdtemp(path.join(os.tmpdir(), 'teinei-mariadb-'));
  const data = path.join(datadir, 'data');
  const runAs = process.getuid?.() === 0 ? ['--user=root'] : [];
  const installDb = path.join(path.dirname(MARIADBD), '..', 'bin', 'mariadb-install-db');
  const installer = existsSync(installDb) ? installDb : 'mariadb-install-db';
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(datadir, { recursive: true, force: true });
  };
  try {
    await promisify(execFile)(installer, [
      '--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve', ...runAs,
    ], { timeout: 60_000 });
    child = spawn(MARIADBD, [
      '--no-defaults', `--datadir=${data}`, `--socket=${path.join(datadir, 'sock')}`, `--pid-file=${path.join(datadir, 'pid')}`,
      `--port=${port}`, '--bind-address=127.0.0.1', '--skip-name-resolve', `--log-error=${path.join(datadir, 'error.log')}`,
      '--innodb-flush-log-at-trx-commit=2', '--innodb-buffer-pool-size=64M', ...runAs,
    ], { stdio: 'ignore' });
    // The server never outlives the test run, even when vitest exits without running teardown.
    const killOnExit = () => child?.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    await waitForServer(port, child, datadir);
    return { url: `mysql://root@127.0.0.1:${port}/${TEST_DATABASE}`, port, datadir, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

async function waitForServer(port: number, child: ChildProcess, datadir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await readFile(path.join(datadir, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`mariadbd exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${log.split('\n').slice(-15).join('\n')}`);
    }
    try {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${TEST_DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await conn.end();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`mariadbd did not accept connections on 127.0.0.1:${port} within 30 s: ${(lastError as Error)?.message}`);
}
