import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from './errors.ts';
import { gunzip, isGzip, maybeGunzip } from './gunzip.ts';

// Deep-equal on big typed arrays is slow in vitest; compare bytes directly.
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

const payload = (n: number) => {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 7 + (i >> 9)) & 0xff;
  return a;
};

describe('gunzip', () => {
  it('decompresses gzip and passes other bytes through', async () => {
    const raw = payload(300_000);
    const gz = new Uint8Array(zlib.gzipSync(raw));
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(same(await gunzip(gz, 'x.gz', 1e6), raw)).toBe(true);
    expect(same(await maybeGunzip(gz, 'x.gz', 1e6), raw)).toBe(true);
    expect(await maybeGunzip(raw, 'x', 1e6)).toBe(raw);
  });

  it('handles concatenated gzip members (trailer size is then only the last member)', async () => {
    const a = payload(70_000);
    const b = payload(1_000);
    const gz = new Uint8Array(Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b)]));
    const out = await gunzip(gz, 'x.gz', 71_000);
    expect(out.length).toBe(71_000);
    expect(same(out.subarray(0, 70_000), a) && same(out.subarray(70_000), b)).toBe(true);
  });

  it('rejects a corrupt stream with bad-gzip naming the file', async () => {
    const gz = new Uint8Array(zlib.gzipSync(payload(100_000)));
    gz[gz.length >> 1] ^= 0xff;
    const err = await gunzip(gz, 'train-images-idx3-ubyte.gz', 1e6).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('bad-gzip');
    expect(err.message).toMatch(/^train-images-idx3-ubyte\.gz .*damaged/);
  });

  it('rejects a cut stream at several offsets as incomplete', async () => {
    const gz = new Uint8Array(zlib.gzipSync(payload(100_000)));
    for (const cut of [2, 10, 17, 100, gz.length >> 1, gz.length - 4, gz.length - 1]) {
      const err = await gunzip(gz.subarray(0, cut), 'f.gz', 1e6).catch((e) => e);
      expect(err, `cut at ${cut}`).toBeInstanceOf(DatasetError);
      expect(err.code).toBe('bad-gzip');
      expect(err.message).toMatch(/cut short|incomplete/);
    }
  });

  it('rejects non-gzip input when gzip is required', async () => {
    await expect(gunzip(new Uint8Array([0, 0, 8, 3]), 'f', 1e6)).rejects.toMatchObject({
      code: 'bad-gzip',
    });
  });
});

describe('gunzip output bound', () => {
  it('stops exactly past maxBytes, naming the file and both sizes', async () => {
    const raw = payload(200_000);
    const gz = new Uint8Array(zlib.gzipSync(raw));
    expect((await gunzip(gz, 'a.gz', 200_000)).length).toBe(200_000);
    const err = await gunzip(gz, 't10k-labels-idx1-ubyte.gz', 10_008).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('too-large');
    expect(err.message).toMatch(
      /^t10k-labels-idx1-ubyte\.gz decompresses to more than 10\.0 kB .*stopped after [\d.]+ kB from a [\d.]+ kB file/,
    );
  });

  // A 1 GiB bomb (about 1 MB of gzip) whose trailer lies that it holds a train-images file.
  // Before the bound the whole GiB was inflated (~1.15 GB resident); now reading stops at
  // the 47 MB an official train-images file holds. Measured in a child process.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-bomb-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  it('a gzip bomb costs at most the bound in memory (peak RSS measured in a child)', async () => {
    const bomb = path.join(dir, 'bomb.gz');
    const gz = zlib.createGzip({ level: 1 });
    const out = fs.createWriteStream(bomb);
    gz.pipe(out);
    const zeros = Buffer.alloc(64 << 20);
    for (let i = 0; i < 16; i++) {
      if (!gz.write(zeros)) await new Promise<void>((r) => gz.once('drain', () => r()));
    }
    gz.end();
    await new Promise<void>((r) => out.on('close', () => r()));
    const file = fs.readFileSync(bomb);
    file.writeUInt32LE(47_040_016, file.length - 4); // the lying trailer
    fs.writeFileSync(bomb, file);
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          path.join(root, 'node_modules/tsx/dist/cli.mjs'),
          path.join(root, 'test/children/gunzipPeak.ts'),
          bomb,
          'train-images-idx3-ubyte.gz',
          String(47_040_016),
        ],
        { timeout: 60_000, maxBuffer: 1 << 20 },
        (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const r = JSON.parse(child) as {
      before: number;
      after: number;
      error?: { code: string; message: string };
    };
    expect(r.error?.code).toBe('too-large');
    expect(r.error?.message).toMatch(
      /train-images-idx3-ubyte\.gz decompresses to more than 47\.0 MB/,
    );
    // Stated bound: the 47 MB of output plus 100 MB for the stream's buffers and the input.
    const grew = r.after - r.before;
    console.log(`gzip bomb: peak RSS grew ${(grew / 1e6).toFixed(0)} MB (bound 147 MB)`);
    expect(grew).toBeLessThan(147e6);
  });
});
