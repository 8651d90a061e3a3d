/**
 * Dark mode (the system's, and the toggle), the phone layout at 390 × 844, axe on the main
 * page in both themes, and the screenshots of light, dark and phone (e2e/screenshots/).
 * KMNIST (carved), `tiny` on wasm: a few points so the charts have curves.
 */
import { expect, type Page, test } from '@playwright/test';
import { hasKmnist } from '../test/shared';
import { axeProblems } from './axe';
import { chart, waitForPoints } from './helpers';

test.skip(!hasKmnist, 'skipped: needs real KMNIST in ../shared/datasets/kmnist');

const WASM =
  '/?backend=wasm&dataset=kmnist&model=tiny&batchSize=16&evalEvery=4&evalSize=100&warmup=0&method=vanilla&maxSteps=24';

/** Relative luminance (0 black … 1 white) of a CSS rgb() colour. */
const luminance = (rgb: string) => {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
};
const bg = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
const gridStroke = (page: Page) =>
  chart(page, 'Test accuracy')
    .locator('.chart-grid line')
    .first()
    .evaluate((l) => getComputedStyle(l).stroke);

async function trainSome(page: Page) {
  await page.goto(WASM);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await waitForPoints(page, 'Test accuracy', 4);
}

test.describe('dark', () => {
  test.use({ colorScheme: 'dark' });

  test('follows the system, the toggle overrides it and is remembered; axe in both', async ({
    page,
  }) => {
    await trainSome(page);
    expect(luminance(await bg(page))).toBeLessThan(0.15);
    expect(luminance(await gridStroke(page))).toBeLessThan(0.3);
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: 'e2e/screenshots/dark.png', fullPage: true });

    await page.getByLabel('Theme').selectOption('light');
    expect(luminance(await bg(page))).toBeGreaterThan(0.9);
    expect(luminance(await gridStroke(page))).toBeGreaterThan(0.85);
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: 'e2e/screenshots/light.png', fullPage: true });
    await page.reload();
    await expect(page.getByLabel('Theme')).toHaveValue('light');
    expect(luminance(await bg(page))).toBeGreaterThan(0.9);
    await page.getByLabel('Theme').selectOption('system');
    expect(luminance(await bg(page))).toBeLessThan(0.15);
  });
});

test.describe('phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('settings in a drawer above the charts, full-width charts, every control reachable', async ({
    page,
  }) => {
    await trainSome(page);
    const toggle = page.getByRole('button', { name: 'Settings' });
    const settings = page.getByRole('region', { name: 'Settings' });
    await expect(toggle).toBeVisible();
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(settings).toBeHidden();
    // Every chart on the page, not a sample of them.
    const charts = await page.locator('figure.chart').all();
    expect(charts.length).toBeGreaterThanOrEqual(4);
    for (const c of charts) {
      const name = await c.getAttribute('aria-label');
      await c.scrollIntoViewIfNeeded();
      const box = await c.boundingBox();
      expect(box?.width, name ?? 'a chart').toBeGreaterThanOrEqual(300);
      // Drawn, not only laid out: the run's line is there.
      expect(await c.locator('.chart-line-curve').count(), name ?? 'a chart').toBeGreaterThan(0);
    }
    await page.screenshot({ path: 'e2e/screenshots/phone.png', fullPage: true });
    // The drawer opens above the charts.
    await toggle.click();
    await expect(settings).toBeVisible();
    const drawerBox = await settings.boundingBox();
    const chartsBox = await page.getByRole('region', { name: 'Curves' }).boundingBox();
    expect((drawerBox?.y ?? 0) + (drawerBox?.height ?? 0)).toBeLessThanOrEqual(chartsBox?.y ?? 0);

    // Nothing wider than the screen, and every control inside it (or in a box that scrolls
    // sideways, such as a wide table, which is inside it).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    const outside = await page.evaluate(() =>
      [...document.querySelectorAll('button, input, select, textarea, summary, a[href]')]
        .filter((el) => el.getClientRects().length > 0 && !el.closest('[aria-hidden="true"]'))
        .map((el) => {
          let box: Element = el;
          for (let p = el.parentElement; p; p = p.parentElement) {
            if (/auto|scroll/.test(getComputedStyle(p).overflowX)) {
              box = p;
              break;
            }
          }
          return { el, r: box.getBoundingClientRect() };
        })
        .filter(({ r }) => r.left < -1 || r.right > 391)
        .map(({ el }) => el.outerHTML.slice(0, 80)),
    );
    expect(outside).toEqual([]);
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: 'e2e/screenshots/phone-settings-open.png' });
  });
});
