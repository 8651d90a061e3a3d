import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { Md5, md5 } from './md5';
import { verifyDatasetFile } from './parse';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = path.resolve(repoRoot, '../shared/datasets');
const hasShared = fs.existsSync(path.join(SHARED, 'kmnist'));

const te = new TextEncoder();

describe('md5', () => {
  it('matches the RFC 1321 test suite', () => {
    const vectors: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      [
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
        'd174ab98d277d9f5a5611c2c9f419d9f',
      ],
      [
        '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
        '57edf4a22be3c955ac49da2e2107b67a',
      ],
    ];
    for (const [input, want] of vectors) expect(md5(te.encode(input)), input).toBe(want);
  });

  it('gives the same digest fed in any chunking, aligned or not, as node:crypto', () => {
    let seed = 1;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 65_537, 1_000_003]) {
      const buf = new Uint8Array(size + 3);
      for (let i = 0; i < buf.length; i++) buf[i] = rnd() & 0xff;
      const data = buf.subarray(3); // unaligned view
      const want = createHash('md5').update(data).digest('hex');
      expect(md5(data), `size ${size}`).toBe(want);
      expect(md5(data.slice().buffer), `ArrayBuffer ${size}`).toBe(want);
      const h = new Md5();
      for (let o = 0; o < size; ) {
        const n = Math.min(size - o, 1 + (rnd() % 200));
        h.update(data.subarray(o, o + n));
        o += n;
      }
      expect(h.digest(), `chunked ${size}`).toBe(want);
    }
  });

  it('changes with any one-byte change', () => {
    const data = te.encode('The quick brown fox jumps over the lazy dog');
    const base = md5(data);
    for (let i = 0; i < data.length; i++) {
      const copy = data.slice();
      copy[i] ^= 1;
      expect(md5(copy)).not.toBe(base);
    }
  });

  it('cannot be updated after digest', () => {
    const h = new Md5().update(te.encode('x'));
    expect(h.digest()).toBe(h.digest());
    expect(() => h.update(te.encode('y'))).toThrow(/after digest/);
  });
});

describe.skipIf(!hasShared)(
  hasShared
    ? 'checksum check on real files'
    : `checksum check on real files: SKIPPED, ${SHARED} not found`,
  () => {
    const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(SHARED, f)));

    it('accepts the official KMNIST file and rejects it with one byte changed', async () => {
      const gz = read('kmnist/t10k-labels-idx1-ubyte.gz');
      expect(
        await verifyDatasetFile('kmnist', 't10k-labels-idx1-ubyte.gz', gz, { strict: true }),
      ).toEqual({
        status: 'official',
        md5: '7320c461ea6c1c855c0b718fb2a4b134',
      });
      // Byte 4 is the gzip MTIME: the file still decompresses, only the checksum can tell.
      const touched = gz.slice();
      touched[4] ^= 1;
      const strict = verifyDatasetFile('kmnist', 't10k-labels-idx1-ubyte.gz', touched, {
        strict: true,
      });
      await expect(strict).rejects.toMatchObject({ code: 'checksum' });
      await expect(strict).rejects.toThrow(/t10k-labels-idx1-ubyte\.gz failed the checksum check/);
      // Non-strict falls back to the MD5 of the content, which is unchanged.
      expect((await verifyDatasetFile('kmnist', 't10k-labels-idx1-ubyte.gz', touched)).status).toBe(
        'content',
      );
    });

    it('rejects a decompressed file with one label changed (and recompressed)', async () => {
      const raw = new Uint8Array(zlib.gunzipSync(read('fashion-mnist/t10k-labels-idx1-ubyte.gz')));
      expect((await verifyDatasetFile('fmnist', 't10k-labels-idx1-ubyte', raw)).status).toBe(
        'content',
      );
      const changed = raw.slice();
      changed[500] = (changed[500] + 1) % 10; // still a valid label: only the checksum catches it
      const err = await verifyDatasetFile('fmnist', 't10k-labels-idx1-ubyte', changed).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(DatasetError);
      expect(err.code).toBe('checksum');
      const regz = new Uint8Array(zlib.gzipSync(changed));
      await expect(
        verifyDatasetFile('fmnist', 't10k-labels-idx1-ubyte.gz', regz),
      ).rejects.toMatchObject({
        code: 'checksum',
      });
    });
  },
);
