import { defineConfig } from 'vitest/config';

// Unit tests run in Node on the tfjs wasm backend (see test/setupBackend.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setupBackend.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs keeps a global engine; files in one process share it. Threads would each load wasm.
    pool: 'forks',
    fileParallelism: true,
  },
});
