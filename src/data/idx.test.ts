import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.ts';
import { parseIdxImages, parseIdxLabels, parseIdxPair } from './idx.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = path.resolve(repoRoot, '../shared/datasets');
const hasShared = fs.existsSync(path.join(SHARED, 'kmnist'));

function idxImages(
  count: number,
  h: number,
  w: number,
  fill = (i: number) => i & 0xff,
): Uint8Array {
  const b = new Uint8Array(16 + count * h * w);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x803);
  v.setUint32(4, count);
  v.setUint32(8, h);
  v.setUint32(12, w);
  for (let i = 16; i < b.length; i++) b[i] = fill(i - 16);
  return b;
}

function idxLabels(labels: number[]): Uint8Array {
  const b = new Uint8Array(8 + labels.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x801);
  v.setUint32(4, labels.length);
  b.set(labels, 8);
  return b;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof DatasetError) return e.code;
    throw e;
  }
  return undefined;
}

const pairOpts = { imagesFile: 'imgs', labelsFile: 'lbls', height: 2, width: 3, numClasses: 10 };

describe('IDX parser (synthetic files)', () => {
  it('parses images and labels into an ImageSet with its own buffers', () => {
    const imgs = idxImages(4, 2, 3);
    const set = parseIdxPair(imgs, idxLabels([0, 9, 3, 3]), pairOpts);
    expect(set).toMatchObject({ count: 4, height: 2, width: 3, channels: 1 });
    expect([...set.labels]).toEqual([0, 9, 3, 3]);
    expect([...set.images.subarray(0, 7)]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(set.images.byteOffset).toBe(0);
    expect(set.images.buffer).not.toBe(imgs.buffer);
  });

  it('names a labels file given as images (and vice versa) as swapped', () => {
    const imgs = idxImages(4, 2, 3);
    const lbls = idxLabels([1, 2, 3, 4]);
    expect(() =>
      parseIdxPair(lbls, imgs, { ...pairOpts, imagesFile: 'a-labels', labelsFile: 'b-images' }),
    ).toThrow(
      /a-labels is an IDX labels file \(magic 0x00000801\), but it was given as the images file\. The images and labels files look swapped/,
    );
    expect(codeOf(() => parseIdxPair(lbls, imgs, pairOpts))).toBe('wrong-slot');
    expect(codeOf(() => parseIdxLabels(imgs, { file: 'x', numClasses: 10 }))).toBe('wrong-slot');
  });

  it('rejects flipped magic, still-gzipped bytes and short headers', () => {
    const imgs = idxImages(4, 2, 3);
    for (const [byte, bit] of [
      [0, 0x80],
      [2, 0x01],
      [3, 0x04],
    ]) {
      const bad = imgs.slice();
      bad[byte] ^= bit;
      expect(
        codeOf(() => parseIdxImages(bad, { file: 'x' })),
        `byte ${byte}`,
      ).toBe('bad-magic');
    }
    const gz = new Uint8Array(zlib.gzipSync(imgs));
    expect(() => parseIdxImages(gz, { file: 'x.gz' })).toThrow(/still gzip-compressed/);
    expect(codeOf(() => parseIdxImages(imgs.subarray(0, 3), { file: 'x' }))).toBe('truncated');
    expect(codeOf(() => parseIdxImages(imgs.subarray(0, 12), { file: 'x' }))).toBe('truncated');
    expect(
      codeOf(() => parseIdxLabels(idxLabels([1]).subarray(0, 6), { file: 'x', numClasses: 10 })),
    ).toBe('truncated');
  });

  it('checks the image size against the dataset', () => {
    const err = (() => {
      try {
        parseIdxImages(idxImages(2, 32, 32), {
          file: 'imgs',
          height: 28,
          width: 28,
          datasetName: 'Fashion-MNIST',
        });
      } catch (e) {
        return e as DatasetError;
      }
    })();
    expect(err?.code).toBe('bad-dims');
    expect(err?.message).toBe(
      'imgs holds 32x32 images, but Fashion-MNIST images are 28x28. Is it a file from another dataset?',
    );
  });

  it('compares the declared count with the bytes present', () => {
    const imgs = idxImages(5, 2, 3);
    expect(() => parseIdxImages(imgs.subarray(0, imgs.length - 1), { file: 'imgs' })).toThrow(
      'imgs is truncated: its header declares 5 images (46 bytes) but the file has 45 bytes (4 whole images). Download it again.',
    );
    const longer = new Uint8Array(imgs.length + 3);
    longer.set(imgs);
    expect(codeOf(() => parseIdxImages(longer, { file: 'imgs' }))).toBe('trailing-data');
    const lbl = idxLabels([1, 2, 3]);
    expect(codeOf(() => parseIdxLabels(lbl.subarray(0, 10), { file: 'l', numClasses: 10 }))).toBe(
      'truncated',
    );
    expect(codeOf(() => parseIdxImages(idxImages(0, 2, 3), { file: 'imgs' }))).toBe('empty');
  });

  it('rejects a label out of range, naming index and value', () => {
    expect(() =>
      parseIdxLabels(idxLabels([0, 1, 10, 2]), { file: 'lbls', numClasses: 10 }),
    ).toThrow('lbls: label 10 at index 2 is out of range (classes are 0..9).');
    expect(codeOf(() => parseIdxLabels(idxLabels([255]), { file: 'l', numClasses: 10 }))).toBe(
      'label-range',
    );
  });

  it('rejects images and labels of different counts', () => {
    expect(() => parseIdxPair(idxImages(4, 2, 3), idxLabels([1, 2, 3]), pairOpts)).toThrow(
      'imgs has 4 images but lbls has 3 labels. They do not belong together (train and test files mixed up?).',
    );
  });
});

describe.skipIf(!hasShared)(
  hasShared
    ? 'IDX parser (real KMNIST files)'
    : `IDX parser (real files): SKIPPED, ${SHARED} not found`,
  () => {
    const raw = (f: string) =>
      new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(SHARED, 'kmnist', f))));
    const images = raw('t10k-images-idx3-ubyte.gz');
    const labels = raw('t10k-labels-idx1-ubyte.gz');
    const opts = { imagesFile: 'i', labelsFile: 'l', height: 28, width: 28, numClasses: 10 };

    it('parses the KMNIST test split: 10,000 images 28x28, 1,000 per class', () => {
      const set = parseIdxPair(images, labels, opts);
      expect(set).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1 });
      expect(set.images.length).toBe(10000 * 784);
      const hist = new Array(10).fill(0);
      for (const l of set.labels) hist[l]++;
      expect(hist).toEqual(new Array(10).fill(1000));
    });

    it('rejects the real files cut at several offsets with the right code', () => {
      const cases: [number, string][] = [
        [2, 'truncated'],
        [15, 'truncated'],
        [16, 'truncated'],
        [16 + 784 * 5000 + 17, 'truncated'],
        [images.length - 1, 'truncated'],
      ];
      for (const [cut, code] of cases) {
        expect(
          codeOf(() => parseIdxImages(images.subarray(0, cut), { file: 'i' })),
          `images cut at ${cut}`,
        ).toBe(code);
      }
      for (const cut of [3, 7, 8, 5000, labels.length - 1]) {
        expect(
          codeOf(() => parseIdxLabels(labels.subarray(0, cut), { file: 'l', numClasses: 10 })),
          `labels cut at ${cut}`,
        ).toBe('truncated');
      }
    });

    it('rejects the real files swapped, with flipped magic, with a label out of range and mismatched', () => {
      expect(codeOf(() => parseIdxPair(labels, images, opts))).toBe('wrong-slot');
      const flipped = images.slice();
      flipped[3] = 0x02;
      expect(codeOf(() => parseIdxPair(flipped, labels, opts))).toBe('bad-magic');
      const badLabel = labels.slice();
      badLabel[8 + 1234] = 10;
      expect(() => parseIdxPair(images, badLabel, opts)).toThrow(
        /label 10 at index 1,234 is out of range/,
      );
      const trainLabels = raw('train-labels-idx1-ubyte.gz');
      expect(() => parseIdxPair(images, trainLabels, opts)).toThrow(
        /has 10,000 images but l has 60,000 labels/,
      );
      expect(codeOf(() => parseIdxPair(images, labels, { ...opts, height: 32, width: 32 }))).toBe(
        'bad-dims',
      );
    });
  },
);
