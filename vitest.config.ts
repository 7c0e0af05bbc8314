import { defineConfig } from 'vitest/config';

// Tests start real daemons, git and socat: give them room on a busy
// two-core machine, and run files in parallel processes (each fixture owns
// its own temp store and socket).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/reliability/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
