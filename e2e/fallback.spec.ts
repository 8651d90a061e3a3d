/**
 * Without WebGPU the worker falls back (to wasm) and the banner names the backend in use and
 * the reason. Launched without --enable-unsafe-webgpu / SwiftShader: navigator.gpu exists but
 * finds no adapter.
 */
import { expect, test } from '@playwright/test';
import { BASE_ARGS, chromiumPath } from './browser';

test.use({ launchOptions: { executablePath: chromiumPath(), args: BASE_ARGS } });

test('falls back to wasm and the banner names the backend and the reason', async ({ page }) => {
  await page.goto('/');
  const banner = page.getByRole('status', { name: 'Backend notice' });
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await expect(banner).toContainText('training runs on wasm');
  await expect(banner).toContainText(/webgpu: .*no adapter/);
  await expect(page.getByLabel('Status bar').locator('[data-stat="backend"]')).toContainText(
    'wasm',
  );
  await page.screenshot({ path: 'e2e/screenshots/backend-fallback.png', fullPage: true });
});
