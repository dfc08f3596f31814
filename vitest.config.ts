import { defineConfig } from 'vitest/config';

// Forks, not threads: native addons (sharp, better-sqlite3, our kernels) and tfjs backends
// keep process-global state that is safer isolated per test file.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Two test forks share two cores, each with OpenMP threads of its own: with libgomp's default
    // spin-waiting, idle threads burn the core the other fork needs (a training test measured
    // 143 s spinning vs 12 s passive under load). Set before any native addon loads.
    env: { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
