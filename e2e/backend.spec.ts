/**
 * The foundation: the worker gets real WebGPU (SwiftShader here) and the status bar says so.
 * (fallback.spec.ts: the same page without a WebGPU adapter.)
 */
import { expect, test } from '@playwright/test';

test('status bar reports the WebGPU backend and a SwiftShader adapter', async ({ page }) => {
  await page.goto('/');
  const backend = page.getByLabel('Status bar').locator('[data-stat="backend"]');
  // If this fails, WebGPU silently stopped working in CI's Chromium.
  await expect(backend).toContainText('webgpu', { timeout: 60_000 });
  await expect(backend).toContainText(/swiftshader/i);
  await expect(page.getByRole('status', { name: 'Backend notice' })).toHaveCount(0);
  await page.screenshot({ path: 'e2e/screenshots/backend-webgpu.png', fullPage: true });
});
