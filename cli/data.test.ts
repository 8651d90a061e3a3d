import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDatasetFile } from '../server/download';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import { type Io, main } from './data';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const SHARED = path.resolve(repoRoot, '../shared/datasets');
const hasShared = fs.existsSync(path.join(SHARED, 'kmnist'));
const TSX = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const OFFLINE = 'http://127.0.0.1:9/';

/** Runs the real CLI (`npm run data -- …` is `tsx cli/data.ts …`) in a child process. */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, path.join(repoRoot, 'cli', 'data.ts'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function captureIo(env: Record<string, string>): Io & { text: () => string } {
  let buf = '';
  return { out: (s) => (buf += s), err: (s) => (buf += s), env, tty: false, text: () => buf };
}

const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-cli-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('data CLI (no network needed)', () => {
  it('fetch fails offline with the URL and the two ways out', async () => {
    const cache = tmp();
    const r = await cli(['fetch', 'fmnist'], {
      ITRA_DATA_CACHE: cache,
      ITRA_DATA_BASE_URL: OFFLINE,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${OFFLINE}train-images-idx3-ubyte.gz`);
    expect(r.stderr).toContain('npm run data -- import <dir>');
    expect(r.stderr).toContain('"Open files…"');
    expect(fs.readdirSync(path.join(cache, 'fmnist')).filter((f) => !f.endsWith('.part'))).toEqual(
      [],
    );
  });

  it('rejects unknown commands and datasets with usage', async () => {
    const io = captureIo({ ITRA_DATA_CACHE: tmp() });
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.text()).toMatch(/Usage:/);
    const io2 = captureIo({ ITRA_DATA_CACHE: tmp() });
    expect(await main(['fetch', 'mnist'], io2)).toBe(1);
    expect(io2.text()).toMatch(/Unknown dataset "mnist"/);
  });

  it('import of a folder without dataset files says so', async () => {
    const io = captureIo({ ITRA_DATA_CACHE: tmp() });
    expect(await main(['import', tmp()], io)).toBe(1);
    expect(io.text()).toMatch(/no official dataset files found/);
  });
});

describe.skipIf(!hasShared)(
  hasShared
    ? 'data CLI with the shared datasets'
    : `data CLI with the shared datasets: SKIPPED, ${SHARED} not found`,
  () => {
    let cache: string;
    let imported: Awaited<ReturnType<typeof cli>>;
    beforeAll(async () => {
      cache = tmp();
      imported = await cli(['import', '../shared/datasets'], { ITRA_DATA_CACHE: cache });
    });

    it('import ../shared/datasets validates and copies all three datasets', async () => {
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(imported.stdout).toContain('Imported 8 file(s)');
      expect(imported.stdout).toMatch(
        /train-images-idx3-ubyte\.gz: 60,000 images 28x28; MD5 of decompressed bytes ok/,
      );
      expect(imported.stdout).toMatch(
        /t10k-images-idx3-ubyte\.gz: 10,000 images 28x28; official MD5 ok/,
      );
      expect(imported.stdout).toMatch(
        /cifar-10-binary\.tar\.gz: 10,000 train \+ 10,000 test images; no checksum applies/,
      );
      expect(imported.stdout).toMatch(/Kuzushiji-MNIST: still missing train-images-idx3-ubyte\.gz/);
      const manifest = JSON.parse(
        fs.readFileSync(path.join(cache, 'fmnist', 'manifest.json'), 'utf8'),
      );
      expect(manifest['train-images-idx3-ubyte.gz']).toMatchObject({
        verified: 'content',
        bytes: 26421856,
      });
    });

    it('the imported cache parses', async () => {
      const f = await parseDatasetFiles({
        id: 'fmnist',
        files: await readDatasetDir('fmnist', path.join(cache, 'fmnist')),
      });
      expect([f.split, f.train.count, f.test.count]).toEqual(['official', 60000, 10000]);
      const k = await parseDatasetFiles({
        id: 'kmnist',
        files: await readDatasetDir('kmnist', path.join(cache, 'kmnist')),
        carve: true,
      });
      expect([k.split, k.train.count, k.test.count]).toEqual(['carved', 8000, 2000]);
      const c = await parseDatasetFiles({
        id: 'cifar10',
        files: await readDatasetDir('cifar10', path.join(cache, 'cifar10')),
      });
      expect([c.train.count, c.test.count, c.train.channels]).toEqual([10000, 10000, 3]);
    });

    it('list shows the cached files and how they were verified', async () => {
      const io = captureIo({ ITRA_DATA_CACHE: cache });
      expect(await main(['list'], io)).toBe(0);
      const text = io.text();
      expect(text).toMatch(/t10k-images-idx3-ubyte\.gz\s+3\.0 MB\s+official/);
      expect(text).toMatch(/train-images-idx3-ubyte\.gz\s+26\.4 MB\s+content/);
      expect(text).toMatch(/missing: train-images-idx3-ubyte\.gz/);
    });

    it('fetch does not download what import already verified (offline is fine then)', async () => {
      const io = captureIo({ ITRA_DATA_CACHE: cache, ITRA_DATA_BASE_URL: OFFLINE });
      expect(await main(['fetch', 'fmnist'], io)).toBe(0);
      expect(io.text()).toMatch(
        /train-images-idx3-ubyte\.gz already cached as train-images-idx3-ubyte\.gz \(MD5 of decompressed bytes ok\)/,
      );
      expect(io.text()).not.toContain(OFFLINE);
    });

    it('import rejects a damaged file and keeps the good ones', async () => {
      const src = tmp();
      const dir = path.join(src, 'kmnist');
      fs.mkdirSync(dir);
      fs.copyFileSync(
        path.join(SHARED, 'kmnist', 't10k-labels-idx1-ubyte.gz'),
        path.join(dir, 't10k-labels-idx1-ubyte.gz'),
      );
      const img = fs.readFileSync(path.join(SHARED, 'kmnist', 't10k-images-idx3-ubyte.gz'));
      fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), img.subarray(0, 1_000_000));
      const io = captureIo({ ITRA_DATA_CACHE: tmp() });
      expect(await main(['import', src], io)).toBe(1);
      expect(io.text()).toMatch(
        /✗ .*t10k-images-idx3-ubyte\.gz: t10k-images-idx3-ubyte\.gz ends before its gzip stream/,
      );
      expect(io.text()).toMatch(/✓ t10k-labels-idx1-ubyte\.gz: 10,000 labels; official MD5 ok/);
    });

    it('fetch downloads from a (local) publisher, resumes a .part with Range, checks the MD5', async () => {
      const ranges: (string | undefined)[] = [];
      const server = http.createServer((req, res) => {
        ranges.push(req.headers.range);
        const f = path.join(SHARED, 'kmnist', path.basename(req.url ?? ''));
        if (!fs.existsSync(f)) {
          res.statusCode = 404;
          return res.end();
        }
        const body = fs.readFileSync(f);
        const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
        if (m) {
          const start = Number(m[1]);
          res.writeHead(206, {
            'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
            'Content-Length': body.length - start,
          });
          return res.end(body.subarray(start));
        }
        res.writeHead(200, { 'Content-Length': body.length });
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      try {
        const root = tmp();
        const env = { ITRA_DATA_CACHE: root, ITRA_DATA_BASE_URL: base };
        // A kept half-download is resumed, not restarted.
        const whole = fs.readFileSync(path.join(SHARED, 'kmnist', 't10k-images-idx3-ubyte.gz'));
        fs.mkdirSync(path.join(root, 'kmnist'), { recursive: true });
        fs.writeFileSync(
          path.join(root, 'kmnist', 't10k-images-idx3-ubyte.gz.part'),
          whole.subarray(0, 1_234_567),
        );
        const io = captureIo(env);
        expect(await main(['fetch', 'kmnist'], io)).toBe(1); // no train images on this "publisher"
        const text = io.text();
        expect(text).toContain(`${base}train-images-idx3-ubyte.gz: HTTP 404`);
        expect(text).toMatch(/100% {2}3\.0 MB \/ 3\.0 MB/);
        expect(ranges).toContain('bytes=1234567-');
        expect(
          Buffer.compare(
            fs.readFileSync(path.join(root, 'kmnist', 't10k-images-idx3-ubyte.gz')),
            whole,
          ),
        ).toBe(0);
        const manifest = JSON.parse(
          fs.readFileSync(path.join(root, 'kmnist', 'manifest.json'), 'utf8'),
        );
        expect(Object.keys(manifest).sort()).toEqual([
          't10k-images-idx3-ubyte.gz',
          't10k-labels-idx1-ubyte.gz',
          'train-labels-idx1-ubyte.gz',
        ]);
        // Second run: nothing to download for the cached files.
        const io2 = captureIo(env);
        await main(['fetch', 'kmnist'], io2);
        expect(io2.text()).toMatch(
          /t10k-images-idx3-ubyte\.gz already cached as t10k-images-idx3-ubyte\.gz \(official MD5 ok\)/,
        );

        // A kept .part with one byte changed is resumed, fails the MD5 check, and is deleted.
        const root2 = path.join(root, 'kmnist');
        fs.rmSync(path.join(root2, 't10k-images-idx3-ubyte.gz'));
        const bad = Buffer.from(whole.subarray(0, 2_000_000));
        bad[1000] ^= 1;
        fs.writeFileSync(path.join(root2, 't10k-images-idx3-ubyte.gz.part'), bad);
        const e2 = await fetchDatasetFile('kmnist', 't10k-images-idx3-ubyte.gz', {
          root,
          env,
        }).catch((e) => e);
        expect(e2.code).toBe('checksum');
        expect(e2.message).toMatch(
          /failed the checksum check: MD5 [0-9a-f]{32}, expected 5c965bf0a639b31b8f53240b1b52f4d7/,
        );
        expect(fs.existsSync(path.join(root2, 't10k-images-idx3-ubyte.gz'))).toBe(false);
        expect(fs.existsSync(path.join(root2, 't10k-images-idx3-ubyte.gz.part'))).toBe(false);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  },
);
