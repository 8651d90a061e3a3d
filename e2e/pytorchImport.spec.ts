/**
 * The PyTorch round trip in the built app: a record written by an exported train.py imports
 * and is drawn; the run's "PyTorch" button downloads a zip of train.py, config.json and
 * README.md; that folder's train.py reproduces the run exactly, and its record overlays.
 * Needs Python with PyTorch and ../shared's Fashion-MNIST (skipped with a message otherwise).
 *
 * With ITRA_OVERLAY=a.json,b.json it also imports those records and saves a screenshot of them
 * overlaid (e2e/screenshots/pytorch-overlay.png): the browser-vs-PyTorch evidence.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/engine/config';
import { type Point, parseRunFile } from '../src/engine/runRecord';
import { exportInputFromConfig, pytorchExportFiles } from '../src/export/pytorchExport';
import { PYTHON, SKIP_NO_TORCH } from '../test/python';
import { DATASETS_DIR, REPO_ROOT, SKIP_NO_SHARED } from '../test/shared';
import { chart, points } from './helpers';

const FMNIST_DIR = resolve(DATASETS_DIR, 'fashion-mnist');
const hasFmnist = existsSync(resolve(FMNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const TRAIN_PY = readFileSync(resolve(REPO_ROOT, 'export/pytorch/train.py'), 'utf8');

const CONFIG: TrainConfig = {
  ...DEFAULT_CONFIG,
  model: 'tiny',
  method: 'itra-c',
  estimator: 'unbiased',
  warmup: 0,
  maxSteps: 40,
  evalEvery: 5,
  evalSize: 500,
};

function trainPy(dir: string): string {
  const r = spawnSync(
    PYTHON!.python,
    ['train.py', '--data-dir', FMNIST_DIR, '--out', 'rec.json', '--quiet', '--threads', '1'],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
  );
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return join(dir, 'rec.json');
}

async function openApp(page: Page) {
  await page.goto('/?backend=wasm');
  await expect(page.getByRole('heading', { name: /Runs/ })).toBeVisible({ timeout: 60_000 });
}

test.describe('PyTorch export and import', () => {
  test.skip(!PYTHON || !hasFmnist, !PYTHON ? SKIP_NO_TORCH : SKIP_NO_SHARED);

  test('a train.py record is drawn; its PyTorch export reproduces it and overlays', async ({
    page,
  }) => {
    // A folder exported from settings, trained for 40 steps.
    const first = test.info().outputPath('first');
    mkdirSync(first, { recursive: true });
    const files = pytorchExportFiles(exportInputFromConfig(CONFIG, 'e2e itra-c'), TRAIN_PY);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(first, name), text);
    const recFile = trainPy(first);
    const [rec] = parseRunFile(readFileSync(recFile, 'utf8'));
    expect(rec!.points).toHaveLength(8);

    await openApp(page);
    const list = page.getByRole('list', { name: 'Saved runs' });
    await page.getByLabel('Import…').setInputFiles(recFile);
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(list.getByRole('textbox', { name: `Name of run ${rec!.name}` })).toBeVisible();
    await expect.poll(() => points(page, 'Test accuracy')).toBe(rec!.points.length);

    // The run's own "PyTorch" button: a zip of the folder.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Export ${rec!.name} as PyTorch` }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/-pytorch\.zip$/);
    const zipFile = test.info().outputPath('export.zip');
    await download.saveAs(zipFile);
    const entries = unzipSync(new Uint8Array(readFileSync(zipFile)));
    const names = Object.keys(entries).sort();
    expect(names.map((n) => n.split('/')[1])).toEqual(['README.md', 'config.json', 'train.py']);
    const second = test.info().outputPath('second');
    mkdirSync(second, { recursive: true });
    for (const [name, bytes] of Object.entries(entries)) {
      writeFileSync(join(second, name.split('/')[1]!), bytes);
    }
    expect(strFromU8(entries[names[2]!]!)).toBe(TRAIN_PY);
    const doc = JSON.parse(strFromU8(entries[names[1]!]!));
    expect(doc.config).toEqual(rec!.config);

    // Same seed, same settings, same machine: the same points; both drawn.
    const [again] = parseRunFile(readFileSync(trainPy(second), 'utf8'));
    const strip = (ps: Point[]) => ps.map(({ samplesPerSec: _s, wallMs: _w, ...p }) => p);
    expect(strip(again!.points)).toEqual(strip(rec!.points));
    expect(again!.name).toBe(rec!.name);
    await page.getByLabel('Import…').setInputFiles(join(second, 'rec.json'));
    await expect(list.getByRole('listitem')).toHaveCount(2);
    await expect(chart(page, 'Test accuracy')).toHaveAttribute('data-series', '2');
    await expect.poll(() => points(page, 'Test accuracy')).toBe(2 * rec!.points.length);
  });

  test('overlay screenshot of given records (ITRA_OVERLAY)', async ({ page }) => {
    const files = (process.env.ITRA_OVERLAY ?? '').split(',').filter(Boolean);
    test.skip(files.length === 0, 'set ITRA_OVERLAY=a.json,b.json to draw them overlaid');
    await openApp(page);
    await page.getByLabel('Import…').setInputFiles(files);
    await expect(page.getByRole('list', { name: 'Saved runs' }).getByRole('listitem')).toHaveCount(
      files.length,
    );
    await page.waitForTimeout(1500);
    await page.screenshot({ path: 'e2e/screenshots/pytorch-overlay.png', fullPage: true });
  });
});
