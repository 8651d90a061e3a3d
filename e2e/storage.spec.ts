/**
 * The runs library's storage in real Chromium with real IndexedDB (#17): a run that does not
 * fit stays reported until saved and can be exported; two tabs keep each other's renames,
 * hides and deletes and see each other's runs; an old-version and a damaged stored record
 * (planted before the app opens); a page closed mid-run keeps its last points, and the other
 * tab shows its run stopped at once; imports over the size limit, and of runs exported while
 * training.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { makeBundle, type RunRecord, runBundleSchema } from '../src/engine/runRecord';
import { fixturePoint, fixtureRun } from '../test/recordFixture';
import { hasKmnist, REPO_ROOT } from '../test/shared';
import { FAST, points, waitForPoints } from './helpers';

const APP = '/?backend=wasm&dataset=kmnist&model=tiny';
const DB = 'itra-playground-runs';

function makeRun(id: string, name: string, n: number, extra: Partial<RunRecord> = {}): RunRecord {
  const steps = Array.from({ length: n }, (_, i) => (i + 1) * 4);
  return fixtureRun(id, {
    name,
    createdAt: '2026-01-01T00:00:00.000Z',
    data: { trainSize: 8000, testSize: 2000, evalSize: 100, split: 'official' },
    environment: { backend: 'wasm', runtime: 'e2e', tfjsVersion: '4.22.0' },
    steps: steps.at(-1) ?? 0,
    points: steps.map((s) => fixturePoint(s, { testAcc: 0.5 + s / 1000, method: 'vanilla' })),
    events: [],
    ...extra,
  });
}

function writeJson(name: string, data: unknown): string {
  const file = test.info().outputPath(name);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

async function open(page: Page, url = APP) {
  await page.goto(url);
  await expect(page.getByRole('button', { name: 'Train' })).toBeVisible();
  await expect(page.locator('.runs')).not.toContainText('Loading saved runs');
}

const importFile = (page: Page, file: string) =>
  page.locator('.runs input[type="file"]').setInputFiles(file);
const row = (page: Page, name: string) =>
  page.locator('.run-row').filter({ has: page.locator(`input[title="${name}"]`) });
const showBox = (page: Page, name: string) => row(page, name).getByRole('checkbox');
/** By id: a row's name may change under the test's feet (another tab's rename). */
const rowById = (page: Page, id: string) => page.locator(`.run-row[data-run-id="${id}"]`);

/** Everything in the runs database as text (either layout), to wait for a write to land. */
const dbText = (page: Page) =>
  page.evaluate(
    (name) =>
      new Promise<string>((res, rej) => {
        const r = indexedDB.open(name);
        r.onerror = () => rej(r.error);
        r.onsuccess = () => {
          const d = r.result;
          const tx = d.transaction('runs');
          const all = tx.objectStore('runs').getAll();
          all.onsuccess = () => {
            d.close();
            res(JSON.stringify(all.result));
          };
        };
      }),
    DB,
  );

test('a run that does not fit stays reported after later small saves, exports, and is saved once there is room', async ({
  page,
}) => {
  // The browser's quota, refusing values over a size as a full disk does (at the put).
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value: unknown, key?: IDBValidKey) {
      const limit = (window as unknown as { __quotaBytes?: number }).__quotaBytes;
      if (limit && JSON.stringify(value ?? null).length > limit) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.call(this, value, key);
    };
  });
  await open(page);
  await page.evaluate(() => {
    (window as unknown as { __quotaBytes: number }).__quotaBytes = 8000;
  });
  await importFile(page, writeJson('big.json', makeRun('big-1', 'big run', 80)));
  const warning = page.getByRole('alert').filter({ hasText: 'Runs are not being saved' });
  await expect(warning).toContainText(/"big run" \(\d+(\.\d)? kB\) did not fit/);
  await expect(warning).toContainText("the browser's storage for this site is full");

  // Later small saves succeed: a new small run, then a rename of it.
  await importFile(page, writeJson('small.json', makeRun('small-1', 'small run', 1)));
  await expect(row(page, 'small run')).toBeVisible();
  await row(page, 'small run').getByRole('textbox').fill('small renamed');
  await row(page, 'small run').getByRole('textbox').press('Enter');
  await expect.poll(() => dbText(page)).toContain('small renamed');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('"big run"');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    warning.getByRole('button', { name: 'Export unsaved runs' }).click(),
  ]);
  const file = test.info().outputPath('unsaved.json');
  await download.saveAs(file);
  const bundle = runBundleSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  expect(bundle.runs.map((r) => [r.name, r.points.length])).toEqual([['big run', 80]]);

  // Room again: Try again saves it, the warning goes, and it is there after a reload.
  await page.evaluate(() => {
    (window as unknown as { __quotaBytes: number }).__quotaBytes = 0;
  });
  await warning.getByRole('button', { name: 'Try again' }).click();
  await expect(warning).toHaveCount(0);
  await page.reload();
  await expect(row(page, 'big run')).toContainText('320 steps');
});

test('two tabs: a rename and a hide both survive, a deleted run stays deleted, new runs show in the other', async ({
  page: a,
  context,
}) => {
  const b = await context.newPage();
  await open(a);
  await open(b);
  const runs = [makeRun('r1', 'one', 2), makeRun('r2', 'two', 2), makeRun('r3', 'three', 2)];
  await importFile(a, writeJson('three.json', makeBundle(runs)));
  for (const name of ['one', 'two', 'three']) await expect(row(b, name)).toBeVisible();

  // At once: B may or may not have heard of A's rename when it hides the run.
  await row(a, 'one').getByRole('textbox').fill('one renamed');
  await row(a, 'one').getByRole('textbox').press('Enter');
  await rowById(b, 'r1').getByRole('checkbox').uncheck();
  await expect(row(b, 'one renamed')).toBeVisible();
  await expect(showBox(a, 'one renamed')).not.toBeChecked();

  await row(a, 'two').getByRole('button', { name: 'Delete two' }).click();
  await row(a, 'two').getByRole('button', { name: 'Confirm delete two' }).click();
  await b.getByRole('button', { name: 'Hide all' }).click();
  await expect(row(b, 'two')).toHaveCount(0);

  for (const p of [a, b]) {
    await p.reload();
    await expect(row(p, 'one renamed')).toBeVisible();
    await expect(showBox(p, 'one renamed')).not.toBeChecked();
    await expect(showBox(p, 'three')).not.toBeChecked();
    await expect(row(p, 'two')).toHaveCount(0);
  }

  // A newer version of the app opens the database in B: A lets go of it and says so.
  await b.evaluate(
    (name) =>
      new Promise<void>((res, rej) => {
        const r = indexedDB.open(name, 99);
        r.onsuccess = () => {
          r.result.close();
          res();
        };
        r.onerror = () => rej(r.error);
        r.onblocked = () => rej(new Error('blocked: the old tab kept its connection'));
      }),
    DB,
  );
  await expect(a.getByTestId('db-notice')).toContainText('A newer version of the playground');
});

test('a planted version-1 record loads migrated; a damaged one is listed, not rendered', async ({
  page,
}) => {
  const v1 = JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/run-v1.json'), 'utf8'));
  // A page of the app's origin that does not run the app: plant the first layout (version 1).
  await page.goto('/favicon.svg');
  await page.evaluate(
    ({ name, v1 }) =>
      new Promise<void>((res, rej) => {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => {
          const s = r.result.createObjectStore('runs', { keyPath: 'id' });
          s.put({ id: v1.id, record: v1, hidden: false, color: '#e69f00', addedAt: 1 });
          const damaged = { ...v1, id: 'damaged', name: 'damaged run', points: 'lost' };
          delete damaged.config;
          s.put({ id: 'damaged', record: damaged, hidden: false, color: '#0072b2', addedAt: 2 });
        };
        r.onsuccess = () => {
          r.result.close();
          res();
        };
        r.onerror = () => rej(r.error);
      }),
    { name: DB, v1 },
  );
  await open(page);
  await expect(row(page, v1.name)).toBeVisible();
  const line = page.getByRole('alert').filter({ hasText: '1 run could not be read' });
  await expect(line).toContainText('damaged run');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    line.getByRole('button', { name: 'Export it: damaged run' }).click(),
  ]);
  const file = test.info().outputPath('damaged.json');
  await download.saveAs(file);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ id: 'damaged', points: 'lost' });
  await line.getByRole('button', { name: 'Delete it: damaged run' }).click();
  await expect(line).toHaveCount(0);
  await page.reload();
  await expect(row(page, v1.name)).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'could not be read' })).toHaveCount(0);
});

test('a render that throws shows what broke, with Reload and an Export all runs that works', async ({
  page,
}) => {
  // A fault in rendering: formatting one accuracy (77.7%) throws, as a bad record's field would.
  await page.addInitScript(() => {
    const toFixed = Number.prototype.toFixed;
    Number.prototype.toFixed = function (this: number, digits?: number) {
      if (Math.abs(this - 77.7) < 1e-6) throw new Error('formatting 77.7 failed (injected)');
      return toFixed.call(this, digits);
    };
  });
  await open(page);
  await importFile(page, writeJson('kept.json', makeRun('kept-1', 'kept run', 2)));
  await expect.poll(() => dbText(page)).toContain('kept run');
  const poison = makeRun('poison-1', 'poison run', 1);
  poison.points[0].testAcc = 0.777;
  await importFile(page, writeJson('poison.json', poison));
  const crash = page.getByRole('alert').filter({ hasText: 'Something broke' });
  await expect(crash).toContainText('formatting 77.7 failed (injected)');
  await expect(crash.getByRole('button', { name: 'Reload' })).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    crash.getByRole('button', { name: 'Export all runs' }).click(),
  ]);
  const file = test.info().outputPath('rescued.json');
  await download.saveAs(file);
  const names = JSON.parse(readFileSync(file, 'utf8')).runs.map((r: RunRecord) => r.name);
  expect(names.sort()).toEqual(['kept run', 'poison run']);
});

test('imports: over 100 MB refused before reading; a run exported while training is not shown as running', async ({
  page,
}) => {
  await open(page);
  // The site's storage beside the dataset cache's size.
  await expect(page.getByTestId('storage-estimate')).toContainText(/site storage .+ of .+B/);
  const huge = test.info().outputPath('huge.json');
  writeFileSync(huge, '');
  await truncate(huge, 101_000_000); // sparse: nothing is written
  await importFile(page, huge);
  await expect(page.getByRole('alert')).toContainText(
    'huge.json was not imported. huge.json is 101.0 MB: run files over 100 MB are not imported',
  );

  await importFile(
    page,
    writeJson('live.json', makeRun('live-1', 'live run', 3, { status: 'running' })),
  );
  await expect(page.getByRole('status').filter({ hasText: 'live.json' })).toContainText(
    '1 run was exported while training and is marked stopped',
  );
  await expect(row(page, 'live run')).toContainText('stopped');
  await expect(row(page, 'live run').locator('.badge')).not.toContainText('running');
});

/** Test-accuracy points stored in IndexedDB (every run's 'p' chunks), read from the page. */
const diskPoints = (page: Page) =>
  page.evaluate(
    (name) =>
      new Promise<number>((res, rej) => {
        const r = indexedDB.open(name);
        r.onerror = () => rej(r.error);
        r.onsuccess = () => {
          const d = r.result;
          let n = 0;
          const c = d.transaction('chunks').objectStore('chunks').openCursor();
          c.onerror = () => rej(c.error);
          c.onsuccess = () => {
            const cur = c.result;
            if (!cur) {
              d.close();
              res(n);
              return;
            }
            if ((cur.key as unknown[])[1] === 'p') {
              n += (cur.value as { testAcc?: unknown }[]).filter((p) => p.testAcc != null).length;
            }
            cur.continue();
          };
        };
      }),
    DB,
  );

// The IndexedDB write issued on pagehide may be torn down with the page (it was, in 3 of 7 runs
// on the loaded machine): the tail is also noted in localStorage, synchronously, and merged at
// the next load. `cut` makes the worst case certain: from a moment on, no write of A's lands
// (its last saves, the one on pagehide included), so A's last points exist only in memory.
for (const cut of [true, false]) {
  const how = cut ? 'even if its last writes never land' : 'as it happens';
  test(`a page closed mid-run keeps its last points, ${how}; another tab sees them`, async ({
    page: a,
    context,
  }) => {
    test.skip(!hasKmnist, 'skipped: needs real KMNIST in ../shared/datasets/kmnist');
    await a.addInitScript(() => {
      const open = IDBDatabase.prototype.transaction;
      IDBDatabase.prototype.transaction = function (
        this: IDBDatabase,
        ...args: Parameters<IDBDatabase['transaction']>
      ) {
        if ((window as { __cutWrites?: boolean }).__cutWrites && args[1] === 'readwrite') {
          throw new DOMException('The page is gone (injected).', 'InvalidStateError');
        }
        return open.apply(this, args);
      };
    });
    await open(a, FAST.replace('backend=webgpu', 'backend=wasm'));
    const b = await context.newPage();
    await open(b);
    await a.getByRole('button', { name: 'Train' }).click();
    await waitForPoints(a, 'Test accuracy', 3);
    // Saved at most every 5 s while training: B reads each save.
    await waitForPoints(b, 'Test accuracy', 1);
    let drawn = await points(a, 'Test accuracy');
    if (cut) {
      await a.evaluate(() => {
        (window as { __cutWrites?: boolean }).__cutWrites = true;
      });
      // A draws points the disk does not have.
      await expect
        .poll(
          async () => {
            drawn = await points(a, 'Test accuracy');
            return drawn - (await diskPoints(a));
          },
          { timeout: 120_000 },
        )
        .toBeGreaterThan(0);
    }
    await a.goto('about:blank'); // pagehide
    await open(a);
    await waitForPoints(a, 'Test accuracy', drawn);
    // What A merged at load is saved, and B reads it.
    await waitForPoints(b, 'Test accuracy', drawn);
  });
}

test('a run whose tab closes mid-run is shown stopped in the other tab, without a reload', async ({
  page: a,
  context,
}) => {
  test.skip(!hasKmnist, 'skipped: needs real KMNIST in ../shared/datasets/kmnist');
  await open(a, FAST.replace('backend=webgpu', 'backend=wasm'));
  const b = await context.newPage();
  await open(b);
  await a.getByRole('button', { name: 'Train' }).click();
  await waitForPoints(b, 'Test accuracy', 1);
  const theRun = b.locator('.run-row').first();
  await expect(theRun).toContainText('running');
  // A's tab goes (closed or crashed): its lock on the run is freed by the browser.
  await a.close();
  await expect(theRun).toContainText('stopped');
  await expect(theRun).not.toContainText('running');
});
