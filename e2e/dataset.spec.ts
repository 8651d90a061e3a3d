/**
 * Datasets through the UI with the real KMNIST files of ../shared: open them with the file
 * control, see the sample grid, reload and load them again from the browser cache with no
 * import and no file download; a corrupt file gets a clear message and breaks nothing.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { DATASETS_DIR, hasKmnist } from '../test/shared';

const kmnist = (f: string) => join(DATASETS_DIR, 'kmnist', f);

// Needs the real KMNIST files of ../shared (CI has them; users do not): skipped, saying so, without them.
test.skip(
  !hasKmnist,
  'skipped: needs real KMNIST in ../shared/datasets/kmnist, absent on this machine',
);

test('open the real KMNIST files, see the samples; after a reload they come from the cache', async ({
  page,
}) => {
  await page.goto('/?backend=webgpu&dataset=kmnist&model=tiny');
  await expect(page.getByLabel('Status bar').locator('[data-stat="backend"]')).toContainText(
    'webgpu',
    {
      timeout: 60_000,
    },
  );
  await page
    .getByLabel('Open dataset files')
    .setInputFiles([kmnist('t10k-images-idx3-ubyte.gz'), kmnist('t10k-labels-idx1-ubyte.gz')]);
  // Only the test split: the app offers to carve a train/test split.
  await expect(page.getByLabel('Carve train/test split from this file')).toBeChecked();
  await page.getByRole('button', { name: 'Load files' }).click();
  const grid = page.getByRole('figure', { name: 'Sample images' });
  await expect(grid).toBeVisible({ timeout: 60_000 });
  await expect(grid.getByRole('img')).toHaveCount(10);
  await expect(grid).toContainText('お');
  await expect(page.getByLabel('Status bar').locator('[data-stat="dataset"]')).toContainText(
    'carved split',
  );
  await expect(page.getByText(/Browser cache: \d/)).toBeVisible();
  await page.screenshot({ path: 'e2e/screenshots/dataset-samples.png', fullPage: true });

  // Reload: the opened files come from IndexedDB, with no request for them. (The app still
  // asks its server for the files it lacks, the train split, to complete the dataset.)
  const fileRequests: string[] = [];
  page.on('request', (r) => {
    if (/\/data\/kmnist\/t10k-/.test(new URL(r.url()).pathname)) fileRequests.push(r.url());
  });
  await page.reload();
  await expect(page.getByText(/Browser cache: \d/)).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Download KMNIST' }).click();
  await page.getByRole('button', { name: 'Load files' }).click();
  await expect(page.getByRole('figure', { name: 'Sample images' }).getByRole('img')).toHaveCount(
    10,
    {
      timeout: 60_000,
    },
  );
  expect(fileRequests).toEqual([]);
});

test('a truncated file gets a clear message and the app stays usable', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'itra-bad-'));
  // The real labels, and the real images cut in the middle (decompressed, so the cut is in the IDX body).
  copyFileSync(kmnist('t10k-labels-idx1-ubyte.gz'), join(dir, 't10k-labels-idx1-ubyte.gz'));
  const gz = readFileSync(kmnist('t10k-images-idx3-ubyte.gz'));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  await page.goto('/?backend=webgpu&dataset=kmnist&model=tiny');
  await page
    .getByLabel('Open dataset files')
    .setInputFiles([
      join(dir, 't10k-images-idx3-ubyte.gz'),
      join(dir, 't10k-labels-idx1-ubyte.gz'),
    ]);
  const load = page.getByRole('button', { name: 'Load files' });
  if (await load.isVisible().catch(() => false)) await load.click();
  const alert = page
    .getByRole('alert')
    .filter({ hasText: /t10k-images-idx3-ubyte/ })
    .first();
  await expect(alert).toBeVisible({ timeout: 60_000 });
  await expect(alert).toContainText(/truncated|corrupt|gzip/i);
  await page.screenshot({ path: 'e2e/screenshots/dataset-bad-file.png', fullPage: true });
  // Nothing else broke: the controls still work.
  await page.getByRole('combobox', { name: 'Method' }).selectOption('vanilla');
  await expect(page.getByRole('combobox', { name: 'Method' })).toHaveValue('vanilla');
});
