import { defineConfig } from 'vitest/config';

// The reliability scenarios load the whole machine (thousands of
// connections, gigabytes copied, daemons killed): run the files one at a
// time, each test with room to finish on a busy two-core machine.
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
