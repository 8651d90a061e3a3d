import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CIFAR_RECORD, cifarBatchesFromTar, concatImageSets, parseCifarBatch } from './cifar.ts';
import { DatasetError } from './errors.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = path.resolve(repoRoot, '../shared/datasets');
const ARCHIVE = path.join(SHARED, 'cifar10', 'cifar-10-binary.tar.gz');
const hasShared = fs.existsSync(ARCHIVE);

/** Records whose pixel values encode (record, channel, position) so the layout can be checked. */
function records(labels: number[]): Uint8Array {
  const b = new Uint8Array(labels.length * CIFAR_RECORD);
  labels.forEach((l, r) => {
    const o = r * CIFAR_RECORD;
    b[o] = l;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) b[o + 1 + c * 1024 + p] = (r * 50 + c * 80 + p) & 0xff;
    }
  });
  return b;
}

function errOf(f: () => unknown): DatasetError | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  return undefined;
}

describe('CIFAR-10 batches (synthetic)', () => {
  it('converts CHW planes to NHWC', () => {
    const set = parseCifarBatch(records([3, 9]), 'b.bin');
    expect(set).toMatchObject({ count: 2, height: 32, width: 32, channels: 3 });
    expect([...set.labels]).toEqual([3, 9]);
    for (const [r, p] of [
      [0, 0],
      [0, 33],
      [1, 1023],
    ]) {
      for (let c = 0; c < 3; c++) {
        expect(set.images[r * 3072 + p * 3 + c]).toBe((r * 50 + c * 80 + p) & 0xff);
      }
    }
  });

  it('rejects a size that is not a whole number of records', () => {
    const b = records([1, 2]);
    const e = errOf(() => parseCifarBatch(b.subarray(0, b.length - 100), 'data_batch_1.bin'));
    expect(e?.code).toBe('bad-record-length');
    expect(e?.message).toMatch(
      /^data_batch_1\.bin is 6,046 bytes, not a whole number of 3,073-byte/,
    );
    // CIFAR-100 records (coarse + fine label) are one byte longer: say so.
    const c100 = new Uint8Array(3074 * 3);
    expect(errOf(() => parseCifarBatch(c100, 'train.bin'))?.message).toMatch(/fits CIFAR-100/);
    expect(errOf(() => parseCifarBatch(new Uint8Array(0), 'e.bin'))?.code).toBe('empty');
  });

  it('rejects a label out of range', () => {
    const e = errOf(() => parseCifarBatch(records([1, 10]), 'test_batch.bin'));
    expect(e?.code).toBe('label-range');
    expect(e?.message).toBe(
      'test_batch.bin: record 1 has label 10, out of range (classes are 0..9).',
    );
  });

  it('concatenates batches in order', () => {
    const all = concatImageSets([
      parseCifarBatch(records([1]), 'a'),
      parseCifarBatch(records([2, 3]), 'b'),
    ]);
    expect(all.count).toBe(3);
    expect([...all.labels]).toEqual([1, 2, 3]);
    expect(all.images.length).toBe(3 * 3072);
  });
});

describe.skipIf(!hasShared)(
  hasShared
    ? 'CIFAR-10 (real subset archive)'
    : `CIFAR-10 (real subset archive): SKIPPED, ${ARCHIVE} not found`,
  () => {
    const tar = new Uint8Array(zlib.gunzipSync(fs.readFileSync(ARCHIVE)));
    const batches = cifarBatchesFromTar(tar, 'cifar-10-binary.tar.gz');

    it('holds data_batch_1 and test_batch with the expected class histograms', () => {
      expect([...batches.keys()].sort()).toEqual(['data_batch_1.bin', 'test_batch.bin']);
      // The shared README says 1,000 per class for data_batch_1, but the file is not balanced
      // (Python's tarfile reads the same counts); test_batch is exactly 1,000 per class.
      const want: Record<string, number[]> = {
        'data_batch_1.bin': [1009, 964, 952, 1035, 1027, 1017, 1044, 974, 998, 980],
        'test_batch.bin': new Array(10).fill(1000),
      };
      for (const [name, hist] of Object.entries(want)) {
        const set = parseCifarBatch(batches.get(name)!, name);
        expect(set).toMatchObject({ count: 10000, height: 32, width: 32, channels: 3 });
        const got = new Array(10).fill(0);
        for (const l of set.labels) got[l]++;
        expect(got, name).toEqual(hist);
      }
    });

    it('puts each record’s R, G, B planes into interleaved pixels', () => {
      const raw = batches.get('test_batch.bin')!;
      const set = parseCifarBatch(raw, 'test_batch.bin');
      for (const r of [0, 4321, 9999]) {
        for (const p of [0, 517, 1023]) {
          for (let c = 0; c < 3; c++) {
            expect(set.images[r * 3072 + p * 3 + c]).toBe(raw[r * CIFAR_RECORD + 1 + c * 1024 + p]);
          }
        }
      }
    });

    it('rejects a real batch cut mid-record, and one with a label changed out of range', () => {
      const raw = batches.get('data_batch_1.bin')!;
      for (const cut of [1, 3072, 3074, CIFAR_RECORD * 5000 + 17, raw.length - 1]) {
        expect(
          errOf(() => parseCifarBatch(raw.subarray(0, cut), 'data_batch_1.bin'))?.code,
          `cut ${cut}`,
        ).toBe('bad-record-length');
      }
      const bad = raw.slice();
      bad[CIFAR_RECORD * 777] = 200;
      expect(errOf(() => parseCifarBatch(bad, 'data_batch_1.bin'))?.message).toMatch(
        /record 777 has label 200/,
      );
    });

    it('rejects the archive cut short', () => {
      const e = errOf(() =>
        cifarBatchesFromTar(tar.subarray(0, 20_000_000), 'cifar-10-binary.tar'),
      );
      expect(e?.code).toBe('truncated');
    });
  },
);
