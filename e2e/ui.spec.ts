/**
 * Issue #19's UI on real KMNIST (carved) with the `tiny` model on wasm: chart downloads (PNG,
 * SVG, CSV, all charts) decoded and parsed, the keyboard readout, the table view, keyboard
 * shortcuts and their "?" overlay, and axe (no serious or critical violations) on the
 * training page and the dialog.
 */
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { hasKmnist } from '../test/shared';
import { axeProblems } from './axe';
import { chart, points, waitForPoints } from './helpers';

test.skip(!hasKmnist, 'skipped: needs real KMNIST in ../shared/datasets/kmnist');

const WASM =
  '/?backend=wasm&dataset=kmnist&model=tiny&batchSize=16&evalEvery=4&evalSize=100&warmup=0&method=vanilla';

async function download(page: Page, button: string, within = page.locator('body')) {
  const [d] = await Promise.all([
    page.waitForEvent('download'),
    within.getByRole('button', { name: button }).click(),
  ]);
  const file = test.info().outputPath(d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), bytes: readFileSync(file) };
}

test('chart downloads, keyboard readout, table, shortcuts, help overlay, axe', async ({ page }) => {
  await page.goto(WASM);
  await expect(page.getByLabel('Status bar').locator('[data-stat="backend"]')).toContainText(
    'wasm',
    { timeout: 60_000 },
  );
  // Shortcuts do not fire while typing: "t" in a text field starts nothing.
  const field = page.locator('input[type="text"], input[type="number"]').first();
  await field.focus();
  await page.keyboard.press('t');
  await expect(page.getByRole('toolbar', { name: 'Training' })).toContainText('Ready');
  await field.blur();

  // T trains, P pauses, S steps one step.
  await page.keyboard.press('t');
  await waitForPoints(page, 'Test accuracy', 3);
  await page.keyboard.press('p');
  const bar = page.getByRole('toolbar', { name: 'Training' });
  await expect(bar).toContainText('Paused', { timeout: 60_000 });
  // One step while paused records a point (as the Step button does: playground.spec.ts).
  const paused = await points(page, 'Test accuracy');
  await page.keyboard.press('s');
  await waitForPoints(page, 'Test accuracy', paused + 1);
  // Settled: an eval that was in flight at the pause may still add its point.
  await expect
    .poll(async () => {
      const n = await points(page, 'Test accuracy');
      await page.waitForTimeout(1500);
      return (await points(page, 'Test accuracy')) === n;
    })
    .toBe(true);

  // Keyboard readout: focus the plot, → moves the readout, which names the step and the run.
  const acc = chart(page, 'Test accuracy');
  await acc.locator('svg.chart-surface').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const readout = acc.locator('.chart-tooltip');
  await expect(readout).toBeVisible();
  await expect(readout).toContainText(/step \d+/);
  const first = await readout.locator('.chart-tooltip-head').textContent();
  await page.keyboard.press('ArrowRight');
  await expect(readout.locator('.chart-tooltip-head')).not.toHaveText(first ?? '');

  // CSV: the drawn values, one row per run and step, with the run's name.
  const runName = (await page.locator('.legend-item').first().textContent())?.trim() ?? '';
  const csv = (await download(page, 'Download CSV', acc)).bytes.toString('utf8');
  const rows = csv.trim().split('\n');
  expect(rows[0]).toBe('metric,run,run_id,step,epoch,value,raw');
  const drawn = await points(page, 'Test accuracy');
  expect(rows.length - 1).toBe(drawn);
  const steps = rows.slice(1).map((r) => Number(r.split(',').at(-4)));
  expect(steps).toEqual([...steps].sort((a, b) => a - b));
  expect(csv).toContain(runName.includes(',') ? `"${runName}"` : runName);
  for (const r of rows.slice(1)) {
    const v = Number(r.split(',').at(-2));
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }

  // SVG: a well-formed document with the title, the curve and no unresolved CSS variables.
  const svg = (await download(page, 'Download SVG', acc)).bytes.toString('utf8');
  expect(svg).not.toContain('var(--');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent),
      curves: doc.querySelectorAll('.chart-line-curve, path[style*="stroke:rgb"]').length,
    };
  }, svg);
  expect(parsed.error).toBeNull();
  expect(parsed.texts).toContain('Test accuracy');
  expect(parsed.curves).toBeGreaterThan(0);

  // PNG: decodes, twice the chart's size, and is not blank.
  const png = (await download(page, 'Download PNG', acc)).bytes;
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const img = await page.evaluate(async (b64) => {
    // Bytes, not fetch(data:): the built page's CSP limits connect-src to the app and its dataset hosts.
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const blob = new Blob([bytes], { type: 'image/png' });
    const bmp = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bmp, 0, 0);
    const px = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < px.length; i += 4 * 7)
      colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    return { w: bmp.width, h: bmp.height, colours: colours.size };
  }, png.toString('base64'));
  const box = await acc.locator('svg.chart-surface').boundingBox();
  expect(img.w).toBe(Math.round((box?.width ?? 0) * 2));
  expect(img.colours).toBeGreaterThan(5);

  // Show as table: one row per drawn step.
  await acc.getByRole('button', { name: 'Show as table' }).click();
  const table = acc.getByRole('region', { name: 'Test accuracy as a table' });
  // (A point can still arrive from the step's eval: compare with the count drawn now.)
  await expect
    .poll(
      async () => (await table.locator('tbody tr').count()) - (await points(page, 'Test accuracy')),
    )
    .toBe(0);
  expect(await table.locator('tbody tr').count()).toBeGreaterThanOrEqual(drawn);

  // Download all charts: a zip with an SVG and a PNG per chart and one CSV.
  const zip = unzipSync(new Uint8Array((await download(page, 'Download all charts')).bytes));
  const names = Object.keys(zip);
  for (const slug of ['intra-class-distance', 'test-accuracy', 'test-cross-entropy', 'sigma']) {
    expect(names).toContain(`${slug}.svg`);
    expect(names).toContain(`${slug}.png`);
  }
  const all = new TextDecoder().decode(zip['curves.csv']);
  expect(all).toContain('\ntestAcc,');
  expect(all).toContain('\ntestCE,');

  // axe on the training page (a run drawn, a table open).
  expect(await axeProblems(page)).toEqual([]);

  // "?" opens the overlay; it lists the shortcuts, passes axe, and Escape closes it.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  for (const s of ['Train', 'Pause / Resume', 'One step', 'Reset'])
    await expect(dialog).toContainText(s);
  expect(await axeProblems(page, '.help-dialog')).toEqual([]);
  await page.keyboard.press('r'); // keys inside the dialog are not shortcuts
  await expect(bar).toContainText('Paused');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.keyboard.press('r');
  await expect(bar).toContainText(/Ready|Finished/, { timeout: 60_000 });

  // A second run, then "Charts" on the first run's row: its zip draws that run alone.
  const drawnBefore = await points(page, 'Test accuracy');
  await page.keyboard.press('t');
  await waitForPoints(page, 'Test accuracy', drawnBefore + 2);
  const curves = (zipped: Record<string, Uint8Array>) =>
    page.evaluate(
      (text) =>
        new DOMParser().parseFromString(text, 'image/svg+xml').querySelectorAll('.chart-line-curve')
          .length,
      new TextDecoder().decode(zipped['test-accuracy.svg']),
    );
  const both = unzipSync(new Uint8Array((await download(page, 'Download all charts')).bytes));
  const one = unzipSync(
    new Uint8Array(
      (
        await download(
          page,
          `Download charts of ${runName}`,
          page.getByRole('listitem').filter({ hasText: 'stopped' }),
        )
      ).bytes,
    ),
  );
  expect(await curves(both)).toBe(2 * (await curves(one)));
  const oneCsv = new TextDecoder().decode(one['curves.csv']);
  expect(
    new Set(
      oneCsv
        .trim()
        .split('\n')
        .slice(1)
        .map((r) => r.split(',').at(-5)),
    ),
  ).toHaveProperty('size', 1);
});

test('axe: the fresh page (no dataset, no runs), the sweep panel, twin mode, "More settings" open', async ({
  page,
}) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByLabel('Status bar').locator('[data-stat="backend"]')).toContainText(
    'wasm',
    { timeout: 60_000 },
  );
  expect(await axeProblems(page)).toEqual([]);
  await expect(page.getByRole('region', { name: 'Sweep', exact: true })).toBeVisible();
  expect(await axeProblems(page, 'section.sweep')).toEqual([]);
  await page.getByLabel('Twin (A/B)').check();
  await page.getByText('More settings').click();
  await expect(page.locator('details:has(> summary:text("More settings"))')).toHaveAttribute(
    'open',
    '',
  );
  expect(await axeProblems(page)).toEqual([]);
});
