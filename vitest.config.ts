import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // examples/: the consumer project's own spider tests (replayed fixtures), so CI runs them too.
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Provides `mysql` (MYSQL_URL, or a throwaway MariaDB started in the background) to the MySQL pipeline tests.
    globalSetup: ['test/setup/mariadb.ts'],
  },
});
