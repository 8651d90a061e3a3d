/**
 * Resumable runs on real WebGPU: a run resumed after a reload gives the points of a run never
 * interrupted; "Export with weights" imports back and resumes; Reset then Train starts at
 * once. Real IndexedDB (the checkpoints' own database), real worker.
 */
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import type { Point, RunRecord } from '../src/engine/runRecord';
import { hasKmnist } from '../test/shared';
import { exportAll, FAST, points, ready, waitForPoints } from './helpers';

test.skip(!hasKmnist, 'skipped: needs real KMNIST in ../shared/datasets/kmnist');

const phase = (page: Page) => page.getByRole('toolbar', { name: 'Training' }).locator('.phase');

async function trainToEnd(page: Page) {
  await page.getByRole('button', { name: 'Train' }).click();
  await expect(phase(page)).toHaveText('Finished', { timeout: 300_000 });
}

/** A point's values, without the timings (which differ run to run). */
const values = ({ wallMs: _w, samplesPerSec: _s, ...p }: Point) => p;

function expectSamePoints(resumed: Point[], plain: Point[]) {
  expect(resumed.map((p) => p.step)).toEqual(plain.map((p) => p.step));
  resumed.forEach((p, i) => {
    const q = values(plain[i]);
    for (const [k, v] of Object.entries(values(p))) {
      const w = q[k as keyof typeof q];
      if (typeof v === 'number' && typeof w === 'number') {
        expect(v, `${k} at step ${p.step}`).toBeCloseTo(w, 5);
      } else expect(v, `${k} at step ${p.step}`).toEqual(w);
    }
  });
}

const checkpointCount = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const req = indexedDB.open('itra-playground-checkpoints');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const count = db.transaction('checkpoints').objectStore('checkpoints').count();
          count.onsuccess = () => {
            resolve(count.result);
            db.close();
          };
        };
      }),
  );

test('reload mid-run, then Resume: the points after the checkpoint are those of an uninterrupted run', async ({
  page,
}) => {
  test.slow(); // three sessions of real WebGPU on SwiftShader
  const url = `${FAST}&maxSteps=16`;
  await ready(page, url);
  await trainToEnd(page); // the uninterrupted run: points at 4, 8, 12, 16
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForPoints(page, 'Test accuracy', 4 + 2);
  await page.reload();
  await ready(page, url);
  const resume = page.getByRole('button', { name: /^Resume / });
  await expect(resume).toHaveCount(1);
  await resume.click();
  await expect(phase(page)).toHaveText('Finished', { timeout: 300_000 });

  const [plain, resumed] = (await exportAll(page, 'resumed.json')).runs as RunRecord[];
  const ev = resumed.events.find((e) => e.kind === 'resumed');
  expect(ev?.detail).toMatch(/page was closed/);
  expect(ev?.step).toBeGreaterThanOrEqual(8);
  // One curve, no gap and no step twice: 4, 8, 12, 16.
  expect(resumed.points.map((p) => p.step)).toEqual([4, 8, 12, 16]);
  expect(resumed.status).toBe('completed');
  const after = (r: RunRecord) => r.points.filter((p) => p.step > (ev?.step ?? 0));
  expect(after(resumed).length).toBeGreaterThan(0);
  expectSamePoints(after(resumed), after(plain));
});

test('Export with weights: delete the run, import the file, Resume continues it', async ({
  page,
}) => {
  await ready(page, `${FAST}&maxSteps=12`);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForPoints(page, 'Test accuracy', 1);
  await page.getByRole('button', { name: 'Reset' }).click();
  const exportBtn = page.getByRole('button', { name: /^Export with weights: / });
  await expect(exportBtn).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), exportBtn.click()]);
  const file = test.info().outputPath('with-weights.json');
  await download.saveAs(file);
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved.checkpoint.kind).toBe('itra-playground/checkpoint');
  const run = saved.runs[0] as RunRecord;
  expect(saved.checkpoint.runIds).toEqual([run.id]);

  // Deleting the run deletes its weights (the real IndexedDB is asked).
  await expect.poll(() => checkpointCount(page)).toBe(1);
  await page.getByRole('button', { name: `Delete ${run.name}` }).click();
  await page.getByRole('button', { name: `Confirm delete ${run.name}` }).click();
  await expect.poll(() => checkpointCount(page)).toBe(0);

  await page.getByLabel('Import…').setInputFiles(file);
  await expect(page.getByRole('status').filter({ hasText: /press Resume/ })).toBeVisible();
  await page.getByRole('button', { name: `Resume ${run.name}` }).click();
  await expect(phase(page)).toHaveText('Finished', { timeout: 300_000 });
  const [back] = (await exportAll(page, 'after-import.json')).runs as RunRecord[];
  expect(back.id).toBe(run.id);
  expect(back.events.some((e) => e.kind === 'resumed')).toBe(true);
  expect(back.points.map((p) => p.step)).toEqual([4, 8, 12]);
});

test('Reset then Train at once: the new run starts (no "a session is already running")', async ({
  page,
}) => {
  await ready(page);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForPoints(page, 'Test accuracy', 1);
  const kept = await points(page, 'Test accuracy');
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.getByRole('button', { name: 'Train' }).click();
  // A second run exists and trains (newest first in the list), and nothing refused it.
  const rows = page.getByRole('list', { name: 'Saved runs' }).getByRole('listitem');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('running');
  await waitForPoints(page, 'Test accuracy', kept + 1);
  await expect(phase(page)).toHaveText('Training');
  await expect(page.getByRole('alert').filter({ hasText: /already running/ })).toHaveCount(0);
});
