import { defineConfig } from 'vitest/config';

// Forks, not threads: native addons (sharp, better-sqlite3, our kernels) and tfjs backends
// keep process-global state that is safer isolated per test file.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
