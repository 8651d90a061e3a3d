/**
 * The foundation: the worker gets real WebGPU (SwiftShader here) and the status bar says so.
 * On a software-only adapter the app prefers WebAssembly (measured far faster) and says why;
 * ?backend=webgpu asks for WebGPU anyway, as every training e2e test does.
 * (fallback.spec.ts: the same page with no WebGPU adapter at all.)
 */
import { expect, test } from '@playwright/test';
import { hasKmnist } from '../test/shared';
import { FAST, waitForPoints } from './helpers';

const backendStat = (page: import('@playwright/test').Page) =>
  page.getByLabel('Status bar').locator('[data-stat="backend"]');

test('status bar reports the WebGPU backend and a SwiftShader adapter', async ({ page }) => {
  await page.goto('/?backend=webgpu');
  // If this fails, WebGPU silently stopped working in CI's Chromium.
  await expect(backendStat(page)).toContainText('webgpu', { timeout: 60_000 });
  await expect(backendStat(page)).toContainText(/swiftshader/i);
  await expect(page.getByRole('status', { name: 'Backend notice' })).toHaveCount(0);
  await page.screenshot({ path: 'e2e/screenshots/backend-webgpu.png', fullPage: true });
});

test('a software-only WebGPU adapter: the app prefers wasm and says why', async ({ page }) => {
  await page.goto('/');
  const banner = page.getByRole('status', { name: 'Backend notice' });
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await expect(banner).toContainText('training runs on wasm');
  await expect(banner).toContainText('software one (SwiftShader)');
  await expect(banner).toContainText('?backend=webgpu');
  await expect(backendStat(page)).toContainText('wasm');
  await page.screenshot({ path: 'e2e/screenshots/backend-software-adapter.png', fullPage: true });
});

test('wasm runs the threaded SIMD build in the bundled worker and trains', async ({ page }) => {
  // Before wasmThreads.ts, every pthread worker died with "ReferenceError: e is not defined"
  // and the backend failed to start; page errors catch that.
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  expect(await page.goto('/').then((r) => r?.headers()['cross-origin-embedder-policy'])).toBe(
    'require-corp',
  );
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(backendStat(page)).toContainText('wasm', { timeout: 60_000 });
  await expect(backendStat(page)).toHaveAttribute(
    'title',
    /wasm: SIMD, threaded build, \d+ of \d+ cores/,
  );
  expect(pageErrors).toEqual([]);

  test.skip(!hasKmnist, 'training part skipped: needs real KMNIST in ../shared/datasets/kmnist');
  await page.goto(FAST.replace('backend=webgpu&', ''));
  await expect(backendStat(page)).toContainText('wasm', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForPoints(page, 'Test accuracy', 3);
  expect(pageErrors).toEqual([]);
});
