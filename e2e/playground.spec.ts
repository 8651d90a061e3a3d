/**
 * The playground as a user drives it, on real WebGPU (SwiftShader) with real KMNIST (the carved
 * split of ../shared, imported into the server's cache by globalSetup) and the `tiny` model:
 * train, live method and λ changes with markers, pause/step/resume, export, reload, import.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { runBundleSchema } from '../src/engine/runRecord';
import { hasKmnist } from '../test/shared';
import { chart, points, ready, waitForPoints } from './helpers';

// Needs the real KMNIST files of ../shared (CI has them; users do not): skipped, saying so, without them.
test.skip(
  !hasKmnist,
  'skipped: needs real KMNIST in ../shared/datasets/kmnist, absent on this machine',
);

test('train, switch to ITRA-c and drag λ live, pause/step/resume, export, reload, import', async ({
  page,
}) => {
  await ready(page);
  await page.getByRole('button', { name: 'Train' }).click();
  for (const name of ['Intra-class distance', 'Test accuracy', 'Test cross-entropy']) {
    await waitForPoints(page, name, 2);
  }

  // Live method switch: a marker on every chart, no reset.
  await page.getByRole('combobox', { name: 'Method', exact: true }).selectOption('itra-c');
  for (const name of ['Intra-class distance', 'Test accuracy', 'Test cross-entropy', 'σ']) {
    await expect(chart(page, name)).toHaveAttribute('data-markers', /→ ITRA-c/, {
      timeout: 60_000,
    });
  }
  const before = await points(page, 'Test accuracy');
  await page.getByRole('slider', { name: 'λ', exact: true }).fill('1.2');
  await expect(chart(page, 'Test accuracy')).toHaveAttribute('data-markers', /λ 0\.8→1\.2/, {
    timeout: 60_000,
  });
  await waitForPoints(page, 'Test accuracy', before + 1);

  // Pause, one step (one more point), resume.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('toolbar', { name: 'Training' })).toContainText('Paused', {
    timeout: 60_000,
  });
  const paused = await points(page, 'Test accuracy');
  await page.getByRole('button', { name: 'Step' }).click();
  await waitForPoints(page, 'Test accuracy', paused + 1);
  await page.getByRole('button', { name: 'Resume' }).click();
  await waitForPoints(page, 'Test accuracy', paused + 2);
  await page.screenshot({ path: 'e2e/screenshots/playground-training.png', fullPage: true });
  await page.getByRole('button', { name: 'Reset' }).click();
  // The worker's final record can still add the point of an eval that was in flight when Reset
  // was pressed: export once the drawn count has held for 5 s.
  await expect
    .poll(
      async () => {
        const n = await points(page, 'Test accuracy');
        await page.waitForTimeout(5_000);
        return (await points(page, 'Test accuracy')) === n;
      },
      { timeout: 60_000 },
    )
    .toBe(true);

  // Export all: a valid bundle whose events carry the switch and the λ change with their steps.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export all' }).click(),
  ]);
  const file = test.info().outputPath('runs.json');
  await download.saveAs(file);
  const bundle = runBundleSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  expect(bundle.runs).toHaveLength(1);
  const [run] = bundle.runs;
  const changes = run.events.filter((e) => e.kind === 'change');
  expect(changes).toContainEqual(
    expect.objectContaining({ setting: 'method', from: 'vanilla', to: 'itra-c' }),
  );
  expect(changes).toContainEqual(
    expect.objectContaining({ setting: 'lambda', from: 0.8, to: 1.2 }),
  );
  for (const c of changes) expect(c.step).toBeGreaterThan(0);
  expect(run.data.split).toBe('carved');
  expect(run.points.length).toBeGreaterThanOrEqual(4);

  // Reload: the run is still listed and drawn.
  await page.reload();
  const list = page.getByRole('list', { name: 'Saved runs' });
  await expect(list.getByRole('listitem')).toHaveCount(1, { timeout: 30_000 });
  await expect.poll(() => points(page, 'Test accuracy')).toBe(run.points.length);

  // Delete it, import the exported file: it is back.
  await page.getByRole('button', { name: `Delete ${run.name}` }).click();
  await page.getByRole('button', { name: `Confirm delete ${run.name}` }).click();
  await expect(list.getByRole('listitem')).toHaveCount(0);
  await page.getByLabel('Import…').setInputFiles(file);
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect.poll(() => points(page, 'Test accuracy')).toBe(run.points.length);

  // A broken file: a clear message, nothing changed.
  const broken = test.info().outputPath('broken.json');
  writeFileSync(broken, '{"schema": "itra-playground/runs", "version": 1, "runs": [{"id": 3}]}');
  await page.getByLabel('Import…').setInputFiles(broken);
  await expect(
    page.getByRole('alert').filter({ hasText: /Invalid run file|not.*run file/i }),
  ).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await page.screenshot({ path: 'e2e/screenshots/playground-import.png', fullPage: true });
});
