/** Shared steps of the e2e tests that train in the app. */
import { expect, type Page } from '@playwright/test';

/** Small, fast settings: points every 4 steps on a 200-image eval subset. */
export const FAST =
  '/?backend=webgpu&dataset=kmnist&model=tiny&batchSize=16&batchSize2=16&evalEvery=4&evalSize=100&warmup=0&method=vanilla&lambda=0.8';

export const chart = (page: Page, name: string) =>
  page.getByRole('figure', { name: `${name} chart` });
export const points = async (page: Page, name: string) =>
  Number(await chart(page, name).getAttribute('data-points'));

export async function waitForPoints(page: Page, name: string, atLeast: number) {
  await expect
    .poll(() => points(page, name), { timeout: 240_000, message: `${name}: ${atLeast} points` })
    .toBeGreaterThanOrEqual(atLeast);
}

export async function ready(page: Page, url = FAST) {
  await page.goto(url);
  await expect(page.getByLabel('Status bar').locator('[data-stat="backend"]')).toContainText(
    'webgpu',
    {
      timeout: 60_000,
    },
  );
}
