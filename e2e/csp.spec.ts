/**
 * The production build as users get it (a plain `vite build`, not the e2e build with test
 * hooks), on a plain static host: its Content-Security-Policy is present and strict, nothing
 * on the page breaks it while training on WebAssembly and on WebGPU, and the test hooks are
 * not in the bundle.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { DATASETS_DIR, hasKmnist, REPO_ROOT } from '../test/shared';
import { waitForPoints } from './helpers';

const OUT = resolve(REPO_ROOT, 'dist-release');
let host: { origin: string; server: Server };

test.beforeAll(async () => {
  test.setTimeout(180_000);
  execFileSync('npx', ['vite', 'build', '--outDir', OUT, '--emptyOutDir'], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  const { serveStatic } = await import('./staticServer');
  host = await serveStatic(OUT, { '/data/kmnist/': resolve(DATASETS_DIR, 'kmnist') });
});
test.afterAll(() => host?.server.close());

test('the production bundle has no test hooks', () => {
  const assets = join(OUT, 'assets');
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(1);
  for (const f of scripts) {
    const text = readFileSync(join(assets, f), 'utf8');
    for (const hook of ['__itra', 'simulate-', 'simulateCrash', 'simulateDeviceLoss']) {
      expect(text.includes(hook), `${hook} in ${f}`).toBe(false);
    }
  }
});

/** Every CSP violation the page reports: its events and the console's messages. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) console.push(m.text());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return async () => [
    ...console,
    ...(await page.evaluate(
      () => (window as unknown as { __cspViolations: string[] }).__cspViolations,
    )),
  ];
}

for (const backend of ['wasm', 'webgpu'] as const) {
  test(`strict CSP, no violation while training on ${backend}`, async ({ page }) => {
    test.skip(!hasKmnist, 'skipped: needs real KMNIST in ../shared/datasets/kmnist');
    const violations = await watchViolations(page);
    await page.goto(
      `${host.origin}/?backend=${backend}&dataset=kmnist&model=tiny&batchSize=16&batchSize2=16&evalEvery=4&evalSize=100&warmup=0&method=vanilla`,
    );
    const policy = await page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(policy).toMatch(/connect-src 'self' https:\/\/raw\.githubusercontent\.com(;|$)/);
    await expect(page.getByLabel('Status bar').locator('[data-stat="backend"]')).toContainText(
      backend,
      { timeout: 60_000 },
    );
    await page.getByRole('button', { name: 'Train' }).click();
    await waitForPoints(page, 'Test accuracy', 2);
    // Open the views that draw differently (tables, the shortcuts help) while it trains.
    await page.keyboard.press('?');
    await page.keyboard.press('Escape');
    expect(await violations()).toEqual([]);
  });
}
