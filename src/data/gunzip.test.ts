import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { gunzip, isGzip, maybeGunzip } from './gunzip';

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
    expect(same(await gunzip(gz, 'x.gz'), raw)).toBe(true);
    expect(same(await maybeGunzip(gz), raw)).toBe(true);
    expect(await maybeGunzip(raw)).toBe(raw);
  });

  it('handles concatenated gzip members (trailer size is then only the last member)', async () => {
    const a = payload(70_000);
    const b = payload(1_000);
    const gz = new Uint8Array(Buffer.concat([zlib.gzipSync(a), zlib.gzipSync(b)]));
    const out = await gunzip(gz);
    expect(out.length).toBe(71_000);
    expect(same(out.subarray(0, 70_000), a) && same(out.subarray(70_000), b)).toBe(true);
  });

  it('rejects a corrupt stream with bad-gzip naming the file', async () => {
    const gz = new Uint8Array(zlib.gzipSync(payload(100_000)));
    gz[gz.length >> 1] ^= 0xff;
    const err = await gunzip(gz, 'train-images-idx3-ubyte.gz').catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('bad-gzip');
    expect(err.message).toMatch(/^train-images-idx3-ubyte\.gz .*damaged/);
  });

  it('rejects a cut stream at several offsets as incomplete', async () => {
    const gz = new Uint8Array(zlib.gzipSync(payload(100_000)));
    for (const cut of [2, 10, 17, 100, gz.length >> 1, gz.length - 4, gz.length - 1]) {
      const err = await gunzip(gz.subarray(0, cut), 'f.gz').catch((e) => e);
      expect(err, `cut at ${cut}`).toBeInstanceOf(DatasetError);
      expect(err.code).toBe('bad-gzip');
      expect(err.message).toMatch(/cut short|incomplete/);
    }
  });

  it('rejects non-gzip input when gzip is required', async () => {
    await expect(gunzip(new Uint8Array([0, 0, 8, 3]), 'f')).rejects.toMatchObject({
      code: 'bad-gzip',
    });
  });
});
