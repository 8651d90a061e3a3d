/**
 * Issue #14 in the app, on real WebGPU (SwiftShader) with real KMNIST and the `tiny` model:
 * a twin pair (vanilla vs ITRA-c) shows two scatters that get a frame at every eval step
 * (point counts read from the canvases' data attribute, not pixels), confusion matrices whose
 * cells sum to the eval subset, a step slider that changes the frame, UMAP in the worker with
 * its progress and a cancel, the views' downloads, table and keyboard readout, axe on the
 * panel; an imported version-1 record says it predates the views; an imported run gets its
 * images once its dataset is loaded.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { hasKmnist, REPO_ROOT } from '../test/shared';
import { axeProblems } from './axe';
import { exportAll, ready } from './helpers';

/** A screenshot of the page region that holds all of `views` (both twin sides). */
async function shot(page: Page, views: Locator, path: string) {
  const boxes = await views.evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY];
    }),
  );
  const x = Math.min(...boxes.map((b) => b[0]!)) - 8;
  const y = Math.min(...boxes.map((b) => b[1]!)) - 8;
  const clip = {
    x: Math.max(0, x),
    y: Math.max(0, y),
    width: Math.max(...boxes.map((b) => b[2]!)) - x + 16,
    height: Math.max(...boxes.map((b) => b[3]!)) - y + 16,
  };
  // The sticky status bar would cover the bottom of a full-page clip.
  await page.screenshot({
    path,
    clip,
    fullPage: true,
    style: '[aria-label="Status bar"] { visibility: hidden; }',
  });
}

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
  for (const s of await panel.getByText('Mistakes at step 9').all()) await s.click();
  await page.screenshot({ path: 'e2e/screenshots/features-twin-pca.png', fullPage: true });
  // Each view at the last step, vanilla (A) beside ITRA-c (B).
  await shot(
    page,
    panel.getByRole('figure', { name: /PCA step 9/ }),
    'e2e/screenshots/features-scatter.png',
  );
  await shot(
    page,
    panel.getByRole('figure', { name: /Confusion matrix step 9/ }),
    'e2e/screenshots/features-confusion.png',
  );
  await shot(page, panel.locator('.features-mistakes'), 'e2e/screenshots/features-mistakes.png');

  // Keyboard: focusing a scatter shows a point's readout; the arrow keys move it.
  const first = scatters.first();
  await first.focus();
  await expect(first).toHaveAttribute('data-hover', '0');
  await expect(panel.getByTestId('scatter-tip')).toContainText(/true: .*predicted: /s);
  for (const key of ['ArrowRight', 'ArrowLeft', 'ArrowDown']) {
    if ((await first.getAttribute('data-hover')) !== '0') break;
    await page.keyboard.press(key);
  }
  await expect(first).not.toHaveAttribute('data-hover', '0');
  await page.keyboard.press('Escape');
  await expect(panel.getByTestId('scatter-tip')).toHaveCount(0);

  // The confusion matrix as CSV (rows = true class) and as a table; axe on the panel.
  const confusionA = panel.getByRole('figure', { name: /^A: Confusion matrix step 9/ });
  const [csvFile] = await Promise.all([
    page.waitForEvent('download'),
    confusionA.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  const csvPath = test.info().outputPath('confusion.csv');
  await csvFile.saveAs(csvPath);
  const rows = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1);
  expect(rows).toHaveLength(10);
  const sum = rows.flatMap((r) => r.split(',').slice(3).map(Number)).reduce((a, b) => a + b, 0);
  expect(sum).toBe(100);
  await confusionA.getByRole('button', { name: 'Show as table' }).click();
  await expect(confusionA.getByRole('region', { name: /as a table/ })).toBeVisible();
  expect(await axeProblems(page, '.features-panel')).toEqual([]);

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
  await expect(panel.getByRole('status')).toContainText(
    'No embedding recorded: this run was recorded (version-1 file) before the app had feature views.',
  );
});

test('an imported run shows its images once its dataset is loaded (labels only before)', async ({
  page,
}) => {
  await ready(page, URL);
  // A CLI record (test/fixtures: KMNIST carved, 40 subset images); the app has no dataset yet.
  await page
    .getByLabel('Import…')
    .setInputFiles(resolve(REPO_ROOT, 'test/fixtures/run-v3-kmnist-carved.json'));
  const panel = page.getByRole('region', { name: 'Features' });
  const choice = panel.getByRole('combobox', { name: 'Runs' });
  await choice.selectOption({ label: 'kmnist tiny vanilla' });
  await panel.getByText('Mistakes at step 4').click();
  await expect(panel.locator('.mistakes')).toContainText('labels only: load Kuzushiji-MNIST');
  await page.getByRole('button', { name: 'Download KMNIST' }).click();
  await page.getByRole('button', { name: 'Load files' }).click();
  await expect(panel.locator('.mistakes canvas.thumb').first()).toBeVisible({ timeout: 60_000 });
  await expect(panel.locator('.mistakes')).not.toContainText('labels only');
});
