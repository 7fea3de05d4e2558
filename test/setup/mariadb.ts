/**
 * vitest globalSetup: provides `mysql` to test files. MYSQL_URL when set; otherwise starts a
 * throwaway MariaDB (test/helpers/mariadb.ts) in the background, so the tests that do not need it
 * are not delayed; test/helpers/mysql-db.ts's `mysqlUrl()` waits for it. Stopped in teardown.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, MARIADBD, NO_SERVER_MESSAGE, startMariaDb, type MariaDbServer } from '../helpers/mariadb.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (process.env.MYSQL_URL) {
    project.provide('mysql', { url: process.env.MYSQL_URL });
    return;
  }
  if (!existsSync(MARIADBD)) {
    project.provide('mysql', { error: NO_SERVER_MESSAGE });
    return;
  }
  const statusDir = await mkdtemp(path.join(os.tmpdir(), 'teinei-mariadb-status-'));
  const statusFile = path.join(statusDir, 'status.json');
  const port = await freePort();
  const starting: Promise<MariaDbServer | undefined> = startMariaDb(port).then(
    async (server) => {
      await writeFile(statusFile, JSON.stringify({ state: 'ready' }));
      return server;
    },
    async (error: unknown) => {
      await writeFile(statusFile, JSON.stringify({ state: 'failed', message: `Could not start ${MARIADBD}: ${(error as Error)?.message ?? error}` }));
      return undefined;
    },
  );
  project.provide('mysql', { url: `mysql://root@127.0.0.1:${port}/teinei_test`, statusFile });
  return async () => {
    const server = await starting;
    await server?.stop();
    await rm(statusDir, { recursive: true, force: true });
  };
}
