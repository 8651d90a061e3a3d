/**
 * The production build on a plain static host (no COOP/COEP headers): once the service worker
 * is installed the page is cross-origin isolated, wasm trains with threads, and the app shell
 * opens offline. KMNIST (carved) comes from files copied under /data/kmnist/.
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { DATASETS_DIR, hasKmnist, REPO_ROOT } from '../test/shared';
import { waitForPoints } from './helpers';

test.skip(!hasKmnist, 'skipped: needs real KMNIST in ../shared/datasets/kmnist');
// The rest of the suite blocks service workers (playwright.config.ts); this test is about one.
test.use({ serviceWorkers: 'allow' });

let host: { origin: string; server: Server };
test.beforeAll(async () => {
  const { serveStatic } = await import('./staticServer');
  host = await serveStatic(resolve(REPO_ROOT, 'dist'), {
    '/data/kmnist/': resolve(DATASETS_DIR, 'kmnist'),
  });
});
test.afterAll(() => host?.server.close());

test('static host: service worker restores isolation, wasm trains threaded, shell works offline', async ({
  page,
  context,
}) => {
  // The built page names its manifest, and the manifest's icons and the favicon load.
  const html = await (await fetch(`${host.origin}/`)).text();
  const href = html.match(/<link rel="manifest" href="([^"]+)"/)?.[1];
  expect(href, 'index.html has <link rel="manifest">').toBeTruthy();
  const manifest = await (await fetch(new URL(href!, `${host.origin}/`))).json();
  expect(manifest.icons.length).toBeGreaterThanOrEqual(2);
  const icons = [
    ...manifest.icons.map((i: { src: string }) => i.src),
    ...[...html.matchAll(/<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"/g)].map((m) => m[1]),
  ];
  for (const src of icons) {
    const r = await fetch(new URL(src, `${host.origin}/`));
    expect(r.status, src).toBe(200);
    expect(r.headers.get('content-type'), src).toMatch(/^image\//);
    expect((await r.arrayBuffer()).byteLength, src).toBeGreaterThan(100);
  }

  const url = `${host.origin}/?backend=wasm&dataset=kmnist&model=tiny&batchSize=16&evalEvery=4&evalSize=100&warmup=0&method=vanilla`;
  let loads = 0;
  page.on('load', () => loads++);
  // Worker scripts as the service worker serves them, with their Content-Security-Policy.
  const workerPolicies: string[] = [];
  page.on('response', async (r) => {
    if (r.fromServiceWorker() && /worker[^/]*\.js$/i.test(new URL(r.url()).pathname)) {
      workerPolicies.push((await r.headerValue('content-security-policy')) ?? 'none');
    }
  });
  await page.goto(url);
  // First visit: not isolated (the host sends no headers) until the worker takes over; the
  // page then reloads itself once (src/pwa/register.ts).
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), {
      timeout: 60_000,
    })
    .toBe(true);
  await expect
    .poll(() => page.evaluate(() => window.crossOriginIsolated), { timeout: 60_000 })
    .toBe(true);

  // The reloaded document can answer before its own load event has fired: poll the count.
  await expect
    .poll(() => loads, { message: 'the page reloaded itself once the worker took over' })
    .toBeGreaterThanOrEqual(2);

  const backend = page.getByLabel('Status bar').locator('[data-stat="backend"]');
  await expect(backend).toContainText('wasm', { timeout: 60_000 });
  await expect(backend).toHaveAttribute('title', /threaded build/);
  await page.getByRole('button', { name: 'Train' }).click();
  await waitForPoints(page, 'Test accuracy', 2);
  await page.getByRole('button', { name: 'Reset' }).click();
  // The training worker ran under the workers' policy (the page's meta tag does not reach it).
  expect(workerPolicies.length).toBeGreaterThan(0);
  for (const p of workerPolicies) expect(p).toContain("script-src 'self' blob: 'wasm-unsafe-eval'");

  // Offline: the shell comes from the service worker's precache, still isolated.
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'ITRA Playground' })).toBeVisible();
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await context.setOffline(false);
});
