/**
 * Downloads through the app's server from a publisher on 127.0.0.1 that sends slowly: the
 * progress bar moves (with speed and time left) before the publisher has sent the whole
 * file, because the server passes the bytes on as they arrive. And an opened gzip bomb is
 * refused by the dataset worker, off the main thread, naming the file and both sizes.
 *
 * The app is the production build served by test/children/serveDatasets.ts, whose dataset
 * endpoint reaches the test publisher through ITRA_DATA_BASE_URL (set for that child only).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { type Publisher, startPublisher } from '../test/publisher';
import { DATASETS_DIR, hasKmnist, REPO_ROOT } from '../test/shared';

test.skip(
  !hasKmnist,
  'skipped: needs real KMNIST in ../shared/datasets/kmnist, absent on this machine',
);

const KMNIST = join(DATASETS_DIR, 'kmnist');
const IMAGES = 't10k-images-idx3-ubyte.gz';

let publisher: Publisher;
let app: ChildProcess;
let appUrl: string;
let cache: string;

test.beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/index.html')))
    throw new Error('build first: npx vite build');
  // 3 MB of images at ~0.8 MB/s: about 4 s, long enough to watch the bar move.
  publisher = await startPublisher({
    dir: KMNIST,
    chunk: 32 * 1024,
    delayMs: 40,
    slow: /t10k-images/,
  });
  cache = mkdtempSync(join(tmpdir(), 'itra-e2e-cache-'));
  app = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'),
      join(REPO_ROOT, 'test/children/serveDatasets.ts'),
      join(REPO_ROOT, 'dist'),
    ],
    {
      env: { ...process.env, ITRA_DATA_CACHE: cache, ITRA_DATA_BASE_URL: publisher.base },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    app.stdout?.once('data', (d) => resolve(JSON.parse(String(d)).port));
    app.once('exit', (code) => reject(new Error(`app server exited with ${code}`)));
  });
  appUrl = `http://127.0.0.1:${port}`;
});

test.afterAll(async () => {
  app?.kill();
  await publisher?.close();
  rmSync(cache, { recursive: true, force: true });
});

test('the download progress bar moves before the server has the whole file, with speed and time left', async ({
  page,
}) => {
  await page.goto(`${appUrl}/?dataset=kmnist&model=tiny&backend=cpu`);
  await page.getByRole('button', { name: 'Download KMNIST' }).click();
  const bar = page.locator('#dataset-progress');
  // Sampled until the bar shows part of the images file: the publisher must still be sending.
  let seen: { value: number; max: number; text: string } | undefined;
  await expect
    .poll(
      async () => {
        const s = await page.evaluate(() => {
          const p = document.querySelector<HTMLProgressElement>('#dataset-progress');
          const label = document.querySelector('label[for="dataset-progress"]')?.textContent ?? '';
          const text = p?.parentElement?.querySelector('.progress-text')?.textContent ?? '';
          return p && label.includes('t10k-images') ? { value: p.value, max: p.max, text } : null;
        });
        if (s && s.value > 0 && s.value < s.max && / left/.test(s.text)) {
          seen = s;
          return !publisher.finished.has(`/${IMAGES}`);
        }
        return publisher.finished.has(`/${IMAGES}`) ? 'publisher finished first' : 'waiting';
      },
      { timeout: 30_000, intervals: [50] },
    )
    .toBe(true);
  expect(seen?.max).toBe(3041136);
  expect(seen?.text).toMatch(/(kB|MB) of 3\.0 MB \(\d+%\) · [\d.]+ (kB|MB)\/s · \d+ s left/);
  await expect(bar).toBeVisible();
  // KMNIST's train images are not on this publisher: the app offers to carve the test split.
  await expect(page.getByRole('button', { name: 'Load files' })).toBeVisible({ timeout: 30_000 });
  const cached = readFileSync(join(cache, 'kmnist', IMAGES));
  expect(createHash('md5').update(cached).digest('hex')).toBe('5c965bf0a639b31b8f53240b1b52f4d7');
  expect(publisher.requests.filter((r) => r.path === `/${IMAGES}`)).toHaveLength(1);
});

test('an opened gzip bomb is refused by the dataset worker, naming the file and both sizes', async ({
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'itra-bomb-'));
  // 200 MB of zeros in ~200 kB of gzip, named as the 7.8 MB test images file.
  writeFileSync(join(dir, IMAGES), gzipSync(Buffer.alloc(200e6), { level: 1 }));
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto(`${appUrl}/?dataset=kmnist&model=tiny&backend=cpu`);
  await page
    .getByLabel('Open dataset files')
    .setInputFiles([join(dir, IMAGES), join(KMNIST, 't10k-labels-idx1-ubyte.gz')]);
  await expect(
    page.getByText(
      /t10k-images-idx3-ubyte\.gz decompresses to more than 7\.8 MB .*stopped after [\d.]+ MB from a [\d.]+ kB file/,
    ),
  ).toBeVisible({ timeout: 30_000 });
  expect(workers.some((u) => /datasetWorker/.test(u))).toBe(true);
  rmSync(dir, { recursive: true, force: true });
});
