/**
 * Issue #14 in the app, on real WebGPU (SwiftShader) with real KMNIST and the `tiny` model:
 * a twin pair (vanilla vs ITRA-c) shows two scatters that get a frame at every eval step
 * (point counts read from the canvases' data attribute, not pixels), confusion matrices whose
 * cells sum to the eval subset, a step slider that changes the frame, UMAP in the worker with
 * its progress and a cancel, and an imported version-1 record says "no embedding recorded".
 */
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { hasKmnist, REPO_ROOT } from '../test/shared';
import { exportAll, ready } from './helpers';

test.skip(
  !hasKmnist,
  'skipped: needs real KMNIST in ../shared/datasets/kmnist, absent on this machine',
);

const URL =
  '/?backend=webgpu&dataset=kmnist&model=tiny&batchSize=16&batchSize2=16&evalEvery=3&evalSize=100&embedSize=300&warmup=3&maxSteps=9&method=vanilla&lambda=0.8&twin=1&bMethod=itra-c&bLambda=0.8';

test('twin features: scatters per eval step, confusion, slider, UMAP with progress and cancel', async ({
  page,
}) => {
  await ready(page, URL);
  const panel = page.getByRole('region', { name: 'Features' });
  await expect(panel).toContainText('Train a run');
  await page.getByRole('button', { name: 'Train' }).click();
  const scatters = panel.getByRole('img', { name: /PCA of the features/ });
  // A frame at each eval step (3, 6, 9), on both sides, each with all 300 subset images.
  const seen = new Set<string>();
  await expect
    .poll(
      async () => {
        for (const c of await scatters.all()) {
          const label = await c.getAttribute('aria-label').catch(() => null);
          const pts = await c.getAttribute('data-points').catch(() => null);
          if (label) seen.add(`${label.slice(0, 1)} ${label.match(/step (\d+)/)?.[1]} ${pts}`);
        }
        return [...seen].sort();
      },
      { timeout: 240_000, intervals: [50] },
    )
    .toEqual(['A 3 300', 'A 6 300', 'A 9 300', 'B 3 300', 'B 6 300', 'B 9 300']);
  await expect(page.getByRole('toolbar', { name: 'Training' })).toContainText('Finished', {
    timeout: 240_000,
  });
  // The confusion matrices count the eval subset (100 images), on both sides.
  const matrices = panel.getByRole('table', { name: /confusion matrix/ });
  await expect(matrices).toHaveCount(2);
  for (const m of await matrices.all()) await expect(m).toHaveAttribute('data-total', '100');
  const cells = await matrices
    .first()
    .locator('td')
    .evaluateAll((tds) => tds.reduce((a, td) => a + Number(td.textContent || 0), 0));
  expect(cells).toBe(100);
  await expect(panel.getByRole('list', { name: 'per-class accuracy B minus A' })).toBeVisible();
  await panel.getByText('Mistakes at step 9').first().click();
  await page.screenshot({ path: 'e2e/screenshots/features-twin-pca.png', fullPage: true });

  // The step slider scrubs back to the first frame.
  const slider = panel.getByRole('slider', { name: 'Feature step' });
  await slider.fill('0');
  await expect(panel.getByTestId('features-step')).toHaveText('3');
  for (const s of await scatters.all()) await expect(s).toHaveAttribute('data-step', '3');
  await slider.fill('2');
  for (const s of await scatters.all()) await expect(s).toHaveAttribute('data-step', '9');

  // Hover a point: its image, true and predicted label.
  const box = (await scatters.first().boundingBox())!;
  const hit = await scatters.first().evaluate((c: HTMLCanvasElement) => {
    // The drawn squares: find one non-white pixel near the middle row of the canvas.
    const ctx = c.getContext('2d')!;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3]! > 200) {
        const p = i / 4;
        return {
          x: (p % c.width) / (c.width / c.clientWidth),
          y: Math.floor(p / c.width) / (c.height / c.clientHeight),
        };
      }
    }
    return null;
  });
  expect(hit).not.toBeNull();
  await page.mouse.move(box.x + hit!.x + 1, box.y + hit!.y + 1);
  await expect(panel.locator('.scatter-tip').first()).toContainText(/true: .*predicted: /s);

  // UMAP of step 9 for both sides, in the worker, with a progress bar, then shown.
  await panel.getByRole('button', { name: 'Compute UMAP' }).click();
  await expect(panel.getByRole('progressbar', { name: 'UMAP progress' })).toBeVisible();
  await expect(panel.getByTestId('projection-status')).toHaveText('UMAP done', {
    timeout: 120_000,
  });
  const umap = panel.getByRole('img', { name: /UMAP of the features at step 9/ });
  await expect(umap).toHaveCount(2);
  await expect(umap.first()).toHaveAttribute('data-points', '300');
  await page.screenshot({ path: 'e2e/screenshots/features-twin-umap.png', fullPage: true });

  // Another UMAP (step 3), cancelled while it runs.
  await panel.getByRole('radio', { name: 'PCA' }).check();
  await slider.fill('0');
  await panel.getByRole('button', { name: 'Compute UMAP' }).click();
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByTestId('projection-status')).toHaveText('UMAP cancelled');
  await expect(panel.getByRole('img', { name: /UMAP of the features at step 3/ })).toHaveCount(0);

  // The record carries it: confusion at every point, a frame per eval step, the UMAP frame.
  await page.getByRole('button', { name: 'Reset' }).click();
  const { runs } = await exportAll(page, 'features.json');
  expect(runs).toHaveLength(2);
  for (const r of runs) {
    expect(r.version).toBe(3);
    expect(r.embedSubset!.indices).toHaveLength(300);
    expect(r.embeddings!.filter((f) => f.method === 'pca').map((f) => f.step)).toEqual([3, 6, 9]);
    expect(r.embeddings!.some((f) => f.method === 'umap' && f.step === 9)).toBe(true);
    for (const p of r.points) {
      const c = p.confusion!;
      const sum = c.flat().reduce((a, b) => a + b, 0);
      expect(sum).toBe(100);
      expect(c.reduce((a, row, i) => a + row[i]!, 0) / sum).toBe(p.testAcc);
    }
  }
});

test('an imported version-1 record: no embedding recorded', async ({ page }) => {
  await ready(page);
  await page.getByLabel('Import…').setInputFiles(resolve(REPO_ROOT, 'test/fixtures/run-v1.json'));
  const panel = page.getByRole('region', { name: 'Features' });
  const choice = panel.getByRole('combobox', { name: 'Runs' });
  const value = await choice.locator('option').nth(1).getAttribute('value');
  await choice.selectOption(value!);
  await expect(panel.getByRole('status')).toContainText('No embedding recorded');
});
