import { defineConfig } from '@playwright/test';
import {
  BASE_URL,
  chromiumPath,
  DEV_PORT,
  DEV_URL,
  PREVIEW_PORT,
  WEBGPU_ARGS,
} from './e2e/browser';

/**
 * e2e against the built app served by `vite preview` on 127.0.0.1 (WebGPU needs a secure
 * context: localhost counts). One worker: SwiftShader WebGPU uses every core.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Training tests run real WebGPU on a CPU (SwiftShader): seconds per step on a busy 2-core machine.
  timeout: 480_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  // One retry in CI only: a SwiftShader timing race on a loaded 2-core runner is reported as
  // "flaky" in the list (and must still be fixed); a test that fails twice fails the run.
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  globalSetup: './e2e/globalSetup.ts',
  use: {
    baseURL: BASE_URL,
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath: chromiumPath(), args: WEBGPU_ARGS },
    trace: 'off',
    // The production build registers a service worker; only e2e/staticHost.spec.ts wants it.
    serviceWorkers: 'block',
  },
  webServer: [
    {
      command: `npx vite preview --host 127.0.0.1 --port ${PREVIEW_PORT} --strictPort`,
      url: BASE_URL,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      env: { ITRA_DATA_CACHE: process.env.ITRA_DATA_CACHE ?? '.data-cache' },
    },
    {
      // Test pages that import the engine from source (e2e/pages/kernels.html).
      command: `npx vite --host 127.0.0.1 --port ${DEV_PORT} --strictPort`,
      url: `${DEV_URL}/e2e/pages/kernels.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
  ],
});
