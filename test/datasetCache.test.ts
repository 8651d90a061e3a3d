/**
 * The server-side dataset cache against a local publisher on 127.0.0.1: two real processes
 * downloading the same file, sizes past the registry's, redirects, MD5 before the rename,
 * the manifest under concurrent writers, cross-origin requests, streaming to the browser.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readManifest } from '../server/cache';
import { createDatasetMiddleware } from '../server/datasetServer';
import { downloadToFile, fetchDatasetFile } from '../server/download';
import { DATASETS } from '../src/data/registry';
import { type Publisher, startPublisher } from './publisher';
import { DATASETS_DIR, hasKmnist, REPO_ROOT, SKIP_NO_SHARED } from './shared';

const TSX = path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const KMNIST = path.join(DATASETS_DIR, 'kmnist');
const IMAGES = 't10k-images-idx3-ubyte.gz';
const LABELS = 't10k-labels-idx1-ubyte.gz';
const official = (name: string) => DATASETS.kmnist.files.find((f) => f.name === name)!;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-cache-'));
  dirs.push(d);
  return d;
};
const children: ChildProcess[] = [];
let publisher: Publisher | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) c.kill();
  await publisher?.close();
  publisher = undefined;
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Starts test/children/serveDatasets.ts; resolves with its base URL. */
async function serverProcess(
  env: Record<string, string>,
): Promise<{ base: string; log: () => string }> {
  const child = spawn(
    process.execPath,
    [TSX, path.join(REPO_ROOT, 'test/children/serveDatasets.ts')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port));
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  return { base: `http://127.0.0.1:${port}`, log: () => log };
}

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const leftovers = (dir: string) =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /\.(part|lock|tmp)$/.test(n)) : [];

describe('manifest', () => {
  it('three processes recording entries at once keep every entry', async () => {
    const root = tmp();
    const run = (tag: string) =>
      new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          [TSX, path.join(REPO_ROOT, 'test/children/recordEntries.ts'), root, tag, '30'],
          { timeout: 60_000 },
          (e, _o, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve()),
        ),
      );
    await Promise.all([run('a'), run('b'), run('c')]);
    const names = Object.keys(await readManifest('kmnist', root));
    expect(names).toHaveLength(90);
    expect(leftovers(path.join(root, 'kmnist'))).toEqual([]);
  });
});

describe.skipIf(!hasKmnist)(hasKmnist ? 'downloads' : `downloads: ${SKIP_NO_SHARED}`, () => {
  it('two processes (the CLI and the dev server) fetching one file: one download, an official file, a correct answer', async () => {
    publisher = await startPublisher({
      dir: KMNIST,
      chunk: 32 * 1024,
      delayMs: 15,
      slow: /t10k-images/,
    });
    const root = tmp();
    const env = { ITRA_DATA_CACHE: root, ITRA_DATA_BASE_URL: publisher.base };
    const server = await serverProcess(env);
    // Process 1: `npm run data -- fetch kmnist`.
    const cli = new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [TSX, path.join(REPO_ROOT, 'cli/data.ts'), 'fetch', 'kmnist'],
        { env: { ...process.env, ...env }, timeout: 90_000 },
        (e, stdout, stderr) => resolve({ code: e ? Number(e.code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
    // Process 2, once the CLI is a third of the way through the images: the app asks the server.
    const whole = fs.readFileSync(path.join(KMNIST, IMAGES));
    await until(
      () => (publisher!.sent.get(`/${IMAGES}`) ?? 0) > whole.length / 3,
      'the CLI download',
    );
    const answer = await get(`${server.base}/data/kmnist/${IMAGES}`, {
      'Sec-Fetch-Site': 'same-origin',
    });
    const done = await cli;

    expect(answer.status).toBe(200);
    expect(md5(answer.body)).toBe(official(IMAGES).md5);
    const cached = fs.readFileSync(path.join(root, 'kmnist', IMAGES));
    expect(md5(cached)).toBe(official(IMAGES).md5);
    // One download of the file: the second process waited for the first instead of writing the same .part.
    expect(publisher.requests.filter((r) => r.path === `/${IMAGES}`)).toHaveLength(1);
    expect(done.out).toMatch(/MD5 ok → .*t10k-images-idx3-ubyte\.gz/);
    expect(server.log()).toMatch(/another process is downloading it; waiting/);
    const manifest = await readManifest('kmnist', root);
    expect(Object.keys(manifest).sort()).toEqual(
      [LABELS, IMAGES, 'train-labels-idx1-ubyte.gz'].sort(),
    );
    expect(manifest[IMAGES]).toMatchObject({ verified: 'official', bytes: whole.length });
    expect(leftovers(path.join(root, 'kmnist'))).toEqual([]);
  });

  it('a download killed mid-way: its lock goes stale, the next process adopts its .part and resumes it', async () => {
    publisher = await startPublisher({
      dir: KMNIST,
      chunk: 32 * 1024,
      delayMs: 15,
      slow: /t10k-images/,
    });
    const root = tmp();
    const env = { ITRA_DATA_CACHE: root, ITRA_DATA_BASE_URL: publisher.base };
    // `node --import tsx`, not the tsx launcher: the kill must reach the downloading process.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'cli/data.ts'), 'fetch', 'kmnist'],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: 'ignore' },
    );
    children.push(child);
    const dir = path.join(root, 'kmnist');
    // Killed once a megabyte of the images is on disk (not merely sent: the child may lag).
    const onDisk = () =>
      leftovers(dir)
        .filter((n) => n.startsWith(IMAGES) && n.endsWith('.part'))
        .reduce(
          (n, f) => n + (fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0),
          0,
        );
    await until(() => onDisk() > 1e6, 'the first download');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(leftovers(dir).sort()).toEqual([
      expect.stringMatching(/^t10k-images-idx3-ubyte\.gz\.\d+-\w+-\d+\.part$/),
      `${IMAGES}.lock`,
    ]);
    let waited = false;
    const entry = await fetchDatasetFile('kmnist', IMAGES, {
      root,
      env,
      onWait: () => (waited = true),
    });
    expect(waited).toBe(true);
    expect(entry.verified).toBe('official');
    expect(md5(fs.readFileSync(path.join(dir, IMAGES)))).toBe(official(IMAGES).md5);
    const tries = publisher.requests.filter((r) => r.path === `/${IMAGES}`);
    expect(tries).toHaveLength(2);
    expect(tries[1].range).toMatch(/^bytes=\d{7}-$/);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a download past the registry size is cut off at once and leaves nothing', async () => {
    publisher = await startPublisher({ dir: KMNIST });
    const root = tmp();
    for (const route of ['endless', 'huge']) {
      const env = { ITRA_DATA_BASE_URL: `${publisher.base}${route}/` };
      const e = await fetchDatasetFile('kmnist', LABELS, { root, env }).catch((x) => x);
      expect(e.code).toBe('network');
      expect(e.message).toMatch(
        route === 'huge'
          ? /announces 30000000 bytes; the official file has 5120 \(5\.1 kB\): not downloaded/
          : /sent more than the official 5120 bytes \(5\.1 kB\); stopped and deleted/,
      );
      // The 32 MB "file" was not read to its end.
      await new Promise((r) => setTimeout(r, 100));
      expect(publisher.sent.get(`/${route}/${LABELS}`) ?? 0).toBeLessThan(1e6);
    }
    expect(fs.readdirSync(path.join(root, 'kmnist'))).toEqual([]);
  });

  it('redirects to plain http or to another host are refused', async () => {
    publisher = await startPublisher({ dir: KMNIST });
    const root = tmp();
    const tries = [
      [
        'redirect-http',
        /redirect to http:\/\/127\.0\.0\.1:\d+\/t10k-labels-idx1-ubyte\.gz refused: not https/,
      ],
      [
        'redirect-away',
        /redirect to https:\/\/downloads\.example\.invalid\/.* refused: downloads\.example\.invalid is neither the mirror's host nor a listed CDN/,
      ],
    ] as const;
    for (const [route, why] of tries) {
      const env = { ITRA_DATA_BASE_URL: `${publisher.base}${route}/` };
      const e = await fetchDatasetFile('kmnist', LABELS, { root, env }).catch((x) => x);
      expect(e.code).toBe('network');
      expect(e.message).toMatch(why);
    }
    // The redirect's target was never asked for.
    expect(publisher.requests.map((r) => r.path)).toEqual([
      `/redirect-http/${LABELS}`,
      `/redirect-away/${LABELS}`,
    ]);
    expect(fs.existsSync(path.join(root, 'kmnist', LABELS))).toBe(false);
  });

  it('the MD5 is checked before the file is moved into place', async () => {
    publisher = await startPublisher({ dir: KMNIST });
    const root = tmp();
    const dest = path.join(root, 'kmnist', LABELS);
    const e = await downloadToFile(`${publisher.base}${LABELS}`, dest, {
      expect: { bytes: 5120, md5: 'f'.repeat(32) },
    }).catch((x) => x);
    expect(e.message).toMatch(/MD5 7320c461ea6c1c855c0b718fb2a4b134/);
    expect(fs.readdirSync(path.dirname(dest))).toEqual([]);
  });

  it('only a same-origin request starts a server-side download; the download streams to the browser as it arrives', async () => {
    publisher = await startPublisher({ dir: KMNIST, chunk: 64 * 1024, delayMs: 20 });
    const root = tmp();
    const mw = createDatasetMiddleware({ root, env: { ITRA_DATA_BASE_URL: publisher.base } });
    const server = http.createServer((req, res) => mw(req, res, () => res.end('next')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const refused: Record<string, string>[] = [
        { 'Sec-Fetch-Site': 'cross-site' },
        { 'Sec-Fetch-Site': 'same-site' },
        { Origin: 'https://evil.example' },
        { Referer: 'https://evil.example/page.html' },
      ];
      for (const headers of refused) {
        const r = await get(`${base}/data/kmnist/${IMAGES}`, headers);
        expect(r.status, JSON.stringify(headers)).toBe(403);
        expect(String(r.body)).toMatch(/only the app's own page may start a download/);
      }
      expect(publisher.requests).toEqual([]);

      // Same origin: the first bytes reach the browser while the publisher is still sending.
      let firstByteWhilePublisherBusy: boolean | undefined;
      const body = await new Promise<Buffer>((resolve, reject) => {
        http
          .get(
            `${base}/data/kmnist/${IMAGES}`,
            { headers: { 'Sec-Fetch-Site': 'same-origin', Host: new URL(base).host } },
            (res) => {
              expect(res.headers['content-length']).toBe(String(official(IMAGES).bytes));
              const parts: Buffer[] = [];
              res.on('data', (c) => {
                if (firstByteWhilePublisherBusy === undefined)
                  firstByteWhilePublisherBusy = !publisher!.finished.has(`/${IMAGES}`);
                parts.push(c);
              });
              res.on('end', () => resolve(Buffer.concat(parts)));
            },
          )
          .on('error', reject);
      });
      expect(firstByteWhilePublisherBusy).toBe(true);
      expect(md5(body)).toBe(official(IMAGES).md5);
      // The whole body arrived only once the server had verified and cached the file.
      expect((await readManifest('kmnist', root))[IMAGES]?.verified).toBe('official');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
