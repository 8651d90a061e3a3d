import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetMiddleware } from '../../server/datasetServer.ts';
import { memoryCache } from './browserCache.ts';
import { loadDataset } from './browserFetch.ts';
import { DatasetError } from './errors.ts';
import { type DownloadProgress, fetchDatasetFile } from './fileDownload.ts';
import { parseDatasetFiles } from './parse.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = path.resolve(repoRoot, '../shared/datasets');
const hasShared = fs.existsSync(path.join(SHARED, 'kmnist'));

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function errOf(p: Promise<unknown>): Promise<DatasetError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  throw new Error('expected a DatasetError');
}

// Nothing listens on port 9 (discard): the "publisher" is unreachable, instantly.
const OFFLINE = 'http://127.0.0.1:9/';

describe.skipIf(!hasShared)(
  hasShared
    ? 'app endpoint and browser download'
    : `app endpoint and browser download: SKIPPED, ${SHARED} not found`,
  () => {
    const kmnist = (f: string) => new Uint8Array(fs.readFileSync(path.join(SHARED, 'kmnist', f)));
    let tmp: string;
    let app: Awaited<ReturnType<typeof serve>>;
    const requests: { url: string; range?: string }[] = [];

    beforeAll(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-data-'));
      fs.mkdirSync(path.join(tmp, 'kmnist'));
      for (const f of fs.readdirSync(path.join(SHARED, 'kmnist'))) {
        fs.copyFileSync(path.join(SHARED, 'kmnist', f), path.join(tmp, 'kmnist', f));
      }
      const mw = createDatasetMiddleware({ root: tmp, env: { ITRA_DATA_BASE_URL: OFFLINE } });
      app = await serve((req, res) => {
        requests.push({ url: req.url ?? '', range: req.headers.range });
        mw(req, res, () => {
          res.statusCode = 404;
          res.end('not here');
        });
      });
    });
    afterAll(async () => {
      await app?.close();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('lists what the server has and what is missing', async () => {
      const res = await fetch(`${app.url}data/kmnist/`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.files.map((f: { name: string }) => f.name).sort()).toEqual([
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
      ]);
      expect(body.missing).toEqual(['train-images-idx3-ubyte.gz']);
      const all = await (await fetch(`${app.url}data/`)).json();
      expect(all.datasets.map((d: { id: string }) => d.id)).toEqual([
        'kmnist',
        'fmnist',
        'cifar10',
      ]);
    });

    it('serves byte ranges, HEAD, and refuses names that are not official files', async () => {
      const whole = kmnist('t10k-labels-idx1-ubyte.gz');
      const u = `${app.url}data/kmnist/t10k-labels-idx1-ubyte.gz`;
      const part = await fetch(u, { headers: { Range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
      expect(
        Buffer.compare(new Uint8Array(await part.arrayBuffer()), whole.subarray(100, 200)),
      ).toBe(0);
      const tail = await fetch(u, { headers: { Range: 'bytes=5000-' } });
      expect(new Uint8Array(await tail.arrayBuffer()).length).toBe(whole.length - 5000);
      expect((await fetch(u, { headers: { Range: `bytes=${whole.length}-` } })).status).toBe(416);
      const head = await fetch(u, { method: 'HEAD' });
      expect([
        head.status,
        head.headers.get('content-length'),
        head.headers.get('accept-ranges'),
      ]).toEqual([200, String(whole.length), 'bytes']);
      expect(head.headers.get('content-encoding')).toBeNull();
      expect((await fetch(`${app.url}data/kmnist/manifest.json`)).status).toBe(404);
      expect((await fetch(`${app.url}data/kmnist/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      expect((await fetch(`${app.url}data/mnist/`)).status).toBe(404);
    });

    it('answers 502 with {error, url, hint} when the publisher cannot be reached', async () => {
      const res = await fetch(`${app.url}data/kmnist/train-images-idx3-ubyte.gz`);
      expect(res.status).toBe(502);
      const body = await res.json();
      expect(body.url).toBe(`${OFFLINE}train-images-idx3-ubyte.gz`);
      expect(body.error).toContain(`${OFFLINE}train-images-idx3-ubyte.gz`);
      expect(body.hint).toMatch(/npm run data -- import <dir>.*Open files…/);
    });

    it('loadDataset: KMNIST from the app endpoint, carved; then from the browser cache', async () => {
      const cache = memoryCache();
      const progress: DownloadProgress[] = [];
      const warnings: string[] = [];
      const loaded = await loadDataset('kmnist', {
        appBase: app.url,
        cache,
        onProgress: (p) => progress.push(p),
        onWarning: (w) => warnings.push(w),
      });
      expect(loaded.carve).toBe(true);
      expect(loaded.missing).toEqual(['train-images-idx3-ubyte.gz']);
      expect(Object.keys(loaded.files).sort()).toEqual([
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
      ]);
      expect(loaded.sources['t10k-images-idx3-ubyte.gz']).toBe(
        `${app.url}data/kmnist/t10k-images-idx3-ubyte.gz`,
      );
      expect(warnings.join('\n')).toContain(`${OFFLINE}train-images-idx3-ubyte.gz`);
      const images = progress.filter(
        (p) => p.file === 't10k-images-idx3-ubyte.gz' && p.phase === 'download',
      );
      expect(images.at(-1)).toMatchObject({
        loaded: 3041136,
        total: 3041136,
        percent: 100,
        fileCount: 4,
      });
      expect(images.every((p, i) => i === 0 || p.loaded >= images[i - 1].loaded)).toBe(true);

      const splits = await parseDatasetFiles(loaded);
      expect([splits.split, splits.train.count, splits.test.count]).toEqual(['carved', 8000, 2000]);

      expect((await cache.list('kmnist')).map((m) => [m.name, m.bytes, m.verified]).sort()).toEqual(
        [
          ['t10k-images-idx3-ubyte.gz', 3041136, 'official'],
          ['t10k-labels-idx1-ubyte.gz', 5120, 'official'],
          ['train-labels-idx1-ubyte.gz', 29497, 'official'],
        ],
      );
      requests.length = 0;
      const again = await loadDataset('kmnist', { appBase: app.url, cache });
      expect(again.sources['t10k-images-idx3-ubyte.gz']).toBe('cache');
      expect(requests.some((r) => r.url.includes('t10k'))).toBe(false);
    });

    it('loadDataset fails with a network error naming the URLs and the two ways out', async () => {
      const e = await errOf(
        loadDataset('cifar10', {
          appBase: app.url,
          cache: memoryCache(),
          browserUrls: () => [`${OFFLINE}cifar-10-binary.tar.gz`],
        }),
      );
      expect(e.code).toBe('network');
      expect(e.urls).toEqual([
        `${OFFLINE}cifar-10-binary.tar.gz`,
        `${app.url}data/cifar10/cifar-10-binary.tar.gz`,
      ]);
      expect(e.message).toContain(`${OFFLINE}cifar-10-binary.tar.gz`);
      expect(e.message).toContain(`${app.url}data/cifar10/cifar-10-binary.tar.gz: HTTP 502`);
      expect(e.message).toContain('npm run data -- import <dir>');
      expect(e.message).toContain('Open files…');
    });

    it('resumes a cut download with a Range request, and keeps the part on cancel', async () => {
      const whole = kmnist('t10k-images-idx3-ubyte.gz');
      let cutNext = true;
      const seen: (string | undefined)[] = [];
      const flaky = await serve((req, res) => {
        seen.push(req.headers.range);
        const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
        const start = m ? Number(m[1]) : 0;
        res.writeHead(m ? 206 : 200, {
          'Content-Length': whole.length - start,
          'Accept-Ranges': 'bytes',
          ETag: '"v1"',
          ...(m ? { 'Content-Range': `bytes ${start}-${whole.length - 1}/${whole.length}` } : {}),
        });
        if (cutNext) {
          cutNext = false;
          res.write(whole.subarray(0, 1_000_000), () => setTimeout(() => res.destroy(), 20));
        } else {
          res.end(whole.subarray(start));
        }
      });
      try {
        const cache = memoryCache();
        const url = `${flaky.url}t10k-images-idx3-ubyte.gz`;
        const first = await errOf(
          fetchDatasetFile('kmnist', 't10k-images-idx3-ubyte.gz', [url], { cache }),
        );
        expect(first.code).toBe('network');
        expect(first.message).toMatch(/kept for resume/);
        const part = await cache.getPartial('kmnist/t10k-images-idx3-ubyte.gz');
        expect(part?.data.byteLength).toBe(1_000_000);

        const got = await fetchDatasetFile('kmnist', 't10k-images-idx3-ubyte.gz', [url], { cache });
        expect(seen).toEqual([undefined, 'bytes=1000000-']);
        expect(got.verification.status).toBe('official');
        expect(Buffer.compare(new Uint8Array(got.data), whole)).toBe(0);
        expect(await cache.getPartial('kmnist/t10k-images-idx3-ubyte.gz')).toBeUndefined();

        // Cancel mid-way: 'aborted', and the bytes so far are kept.
        cutNext = false;
        const ctl = new AbortController();
        const cancelled = await errOf(
          fetchDatasetFile('kmnist', 't10k-images-idx3-ubyte.gz', [url], {
            cache,
            signal: ctl.signal,
            onProgress: (p) => {
              if (p.loaded > 0) ctl.abort();
            },
          }),
        );
        expect(cancelled.code).toBe('aborted');
      } finally {
        await flaky.close();
      }
    });

    it('rejects a file with one changed byte by checksum, trying the next URL', async () => {
      const raw = new Uint8Array(zlib.gunzipSync(kmnist('t10k-labels-idx1-ubyte.gz')));
      raw[8 + 42] = (raw[8 + 42] + 1) % 10;
      const tampered = zlib.gzipSync(raw);
      const bad = await serve((_req, res) => res.end(tampered));
      try {
        const name = 't10k-labels-idx1-ubyte.gz';
        const e = await errOf(
          fetchDatasetFile('kmnist', name, [`${bad.url}${name}`], { cache: memoryCache() }),
        );
        expect(e.code).toBe('checksum');
        expect(e.message).toMatch(/t10k-labels-idx1-ubyte\.gz failed the checksum check/);
        const ok = await fetchDatasetFile(
          'kmnist',
          name,
          [`${bad.url}${name}`, `${app.url}data/kmnist/${name}`],
          {
            cache: memoryCache(),
          },
        );
        expect(ok.url).toBe(`${app.url}data/kmnist/${name}`);
      } finally {
        await bad.close();
      }
    });

    it('the app endpoint downloads a missing file from the publisher, checks its MD5 and caches it', async () => {
      const publisher = await serve((req, res) => {
        const f = path.join(SHARED, 'kmnist', path.basename(req.url ?? ''));
        if (!fs.existsSync(f)) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.end(fs.readFileSync(f));
      });
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-data-'));
      const mw = createDatasetMiddleware({ root, env: { ITRA_DATA_BASE_URL: publisher.url } });
      const server = await serve((req, res) => mw(req, res, () => res.end()));
      try {
        const res = await fetch(`${server.url}data/kmnist/t10k-labels-idx1-ubyte.gz`);
        expect(res.status).toBe(200);
        expect(
          Buffer.compare(
            new Uint8Array(await res.arrayBuffer()),
            kmnist('t10k-labels-idx1-ubyte.gz'),
          ),
        ).toBe(0);
        const manifest = JSON.parse(
          fs.readFileSync(path.join(root, 'kmnist', 'manifest.json'), 'utf8'),
        );
        expect(manifest['t10k-labels-idx1-ubyte.gz']).toMatchObject({
          verified: 'official',
          md5: '7320c461ea6c1c855c0b718fb2a4b134',
          source: `${publisher.url}t10k-labels-idx1-ubyte.gz`,
        });
        // The publisher has no train images: 502 naming the URL.
        const miss = await fetch(`${server.url}data/kmnist/train-images-idx3-ubyte.gz`);
        expect(miss.status).toBe(502);
        expect((await miss.json()).error).toContain('HTTP 404');
      } finally {
        await server.close();
        await publisher.close();
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  },
);
