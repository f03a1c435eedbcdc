import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['src/runtime/shims.ts'],
    // Integration and browser tests run real processes on two cores: keep files serial so
    // timings stay honest, and give each test its own bound.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
