/** Shared steps of the e2e tests that train in the app. */
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { type RunBundle, runBundleSchema } from '../src/engine/runRecord';

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

/** "Export all" and the parsed bundle it downloads. */
export async function exportAll(page: Page, fileName: string): Promise<RunBundle> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export all' }).click(),
  ]);
  const file = test.info().outputPath(fileName);
  await download.saveAs(file);
  return runBundleSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
