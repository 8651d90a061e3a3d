import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSplits, ImageSet } from './dataset.ts';
import { DatasetError } from './errors.ts';
import { readDatasetDir } from './nodeFiles.ts';
import { datasetSamples, parseDatasetFiles } from './parse.ts';
import { DATASETS, matchOfficialName, officialUrls } from './registry.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = path.resolve(repoRoot, '../shared/datasets');
const hasShared = fs.existsSync(path.join(SHARED, 'fashion-mnist'));

const hist = (set: ImageSet, n = 10) => {
  const h = new Array(n).fill(0);
  for (const l of set.labels) h[l]++;
  return h;
};

function idxImages(
  count: number,
  fill: (i: number) => number = (i) => (i * 13) & 0xff,
): Uint8Array {
  const b = new Uint8Array(16 + count * 784);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x803);
  v.setUint32(4, count);
  v.setUint32(8, 28);
  v.setUint32(12, 28);
  for (let i = 16; i < b.length; i++) b[i] = fill(i - 16);
  return b;
}
function idxLabels(labels: number[]): Uint8Array {
  const b = new Uint8Array(8 + labels.length);
  new DataView(b.buffer).setUint32(0, 0x801);
  new DataView(b.buffer).setUint32(4, labels.length);
  b.set(labels, 8);
  return b;
}
const labelsOf = (n: number) => Array.from({ length: n }, (_, i) => i % 10);
const gz = (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b));

async function errOf(p: Promise<unknown>): Promise<DatasetError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DatasetError) return e;
    throw e;
  }
  throw new Error('expected a DatasetError');
}

describe('registry', () => {
  it('describes the three datasets', () => {
    expect(DATASETS.kmnist.classNames.join('')).toBe('おきすつなはまやれを');
    expect(DATASETS.kmnist.classRomaji).toEqual([
      'o',
      'ki',
      'su',
      'tsu',
      'na',
      'ha',
      'ma',
      'ya',
      're',
      'wo',
    ]);
    expect(DATASETS.fmnist.classNames[9]).toBe('Ankle boot');
    expect(DATASETS.cifar10.classNames[1]).toBe('automobile');
    for (const d of Object.values(DATASETS)) {
      expect(d.classNames).toHaveLength(d.numClasses);
      for (const f of d.files) expect(f.md5).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(officialUrls('fmnist', 't10k-labels-idx1-ubyte.gz', true)).toEqual([
      'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/t10k-labels-idx1-ubyte.gz',
    ]);
    expect(officialUrls('kmnist', 't10k-labels-idx1-ubyte.gz')).toEqual([
      'http://codh.rois.ac.jp/kmnist/dataset/kmnist/t10k-labels-idx1-ubyte.gz',
    ]);
    expect(officialUrls('kmnist', 'x', true)).toEqual([]);
  });

  it('recognises official names in their usual spellings', () => {
    expect(matchOfficialName('fmnist', 'data/fashion/train-images-idx3-ubyte.gz')?.file.slot).toBe(
      'trainImages',
    );
    expect(matchOfficialName('fmnist', 'T10K-LABELS-IDX1-UBYTE')).toMatchObject({
      compressed: false,
    });
    expect(matchOfficialName('kmnist', 't10k-images.idx3-ubyte')?.file.slot).toBe('testImages');
    expect(matchOfficialName('cifar10', 'cifar-10-batches-bin/data_batch_3.bin')?.batch).toBe(
      'data_batch_3.bin',
    );
    expect(matchOfficialName('cifar10', 'cifar-10-binary.tar.gz')?.compressed).toBe(true);
    expect(matchOfficialName('fmnist', 'readme.md')).toBeUndefined();
  });
});

describe('parseDatasetFiles (synthetic files)', () => {
  const full = () => ({
    'train-images-idx3-ubyte': idxImages(30),
    'train-labels-idx1-ubyte': idxLabels(labelsOf(30)),
    't10k-images-idx3-ubyte.gz': gz(idxImages(20)),
    't10k-labels-idx1-ubyte.gz': gz(idxLabels(labelsOf(20))),
  });

  it('takes .gz and decompressed names alike, ArrayBuffers too', async () => {
    const files: Record<string, Uint8Array | ArrayBuffer> = full();
    files['train-labels-idx1-ubyte'] = (
      files['train-labels-idx1-ubyte'] as Uint8Array
    ).slice().buffer;
    const s = await parseDatasetFiles({ id: 'fmnist', files });
    expect(s).toMatchObject({ id: 'fmnist', numClasses: 10, split: 'official' });
    expect(s.train.count).toBe(30);
    expect(s.test.count).toBe(20);
  });

  it('without carve, a missing split names the files and says it can be carved', async () => {
    const { 'train-images-idx3-ubyte': _i, ...files } = full();
    const e = await errOf(parseDatasetFiles({ id: 'kmnist', files }));
    expect(e.code).toBe('missing-file');
    expect(e.message).toBe(
      'Kuzushiji-MNIST: only the test split is present; missing train-images-idx3-ubyte.gz. Add the missing ' +
        'files, or carve a train/test split from the test split (in the app: "Carve a split"; in code: carve: true).',
    );
    const none = await errOf(
      parseDatasetFiles({ id: 'fmnist', files: { 'train-images-idx3-ubyte': idxImages(3) } }),
    );
    expect(none.message).toMatch(
      /no complete split\. Missing: train-labels-idx1-ubyte\.gz, t10k-images/,
    );
  });

  it('carves deterministically: first 80% / last 20%, or a seeded shuffle', async () => {
    const { 'train-images-idx3-ubyte': _i, 'train-labels-idx1-ubyte': _l, ...files } = full();
    const s = await parseDatasetFiles({ id: 'kmnist', files, carve: true });
    expect(s.split).toBe('carved');
    expect([s.train.count, s.test.count]).toEqual([16, 4]);
    expect([...s.test.labels]).toEqual([6, 7, 8, 9]);
    expect(s.splitNote).toMatch(
      /^Carved from Kuzushiji-MNIST t10k \(20 images\): first 16 → train, last 4 → test\./,
    );
    const a = await parseDatasetFiles({ id: 'kmnist', files, carve: true, seed: 7 });
    const b = await parseDatasetFiles({ id: 'kmnist', files, carve: true, seed: 7 });
    const c = await parseDatasetFiles({ id: 'kmnist', files, carve: true, seed: 8 });
    expect(a.splitNote).toMatch(/seeded shuffle \(seed 7\): 16 → train, 4 → test/);
    expect(Buffer.compare(a.test.images, b.test.images)).toBe(0);
    expect(Buffer.compare(a.test.images, c.test.images)).not.toBe(0);
    // Train and test partition the source.
    expect(a.train.count + a.test.count).toBe(20);
  });

  it('reports each malformed file with its own code', async () => {
    const f = full();
    const swapped = {
      ...f,
      'train-images-idx3-ubyte': f['train-labels-idx1-ubyte'],
      'train-labels-idx1-ubyte': f['train-images-idx3-ubyte'],
    };
    expect((await errOf(parseDatasetFiles({ id: 'fmnist', files: swapped }))).code).toBe(
      'wrong-slot',
    );
    const corrupt = f['t10k-images-idx3-ubyte.gz'].slice();
    corrupt[corrupt.length - 6] ^= 0xff; // CRC
    const e = await errOf(
      parseDatasetFiles({ id: 'fmnist', files: { ...f, 't10k-images-idx3-ubyte.gz': corrupt } }),
    );
    expect([e.code, e.file]).toEqual(['bad-gzip', 't10k-images-idx3-ubyte.gz']);
    const mixed = { ...f, 'train-labels-idx1-ubyte': idxLabels(labelsOf(20)) };
    expect((await errOf(parseDatasetFiles({ id: 'fmnist', files: mixed }))).code).toBe(
      'count-mismatch',
    );
    const bad = idxLabels(labelsOf(20));
    bad[8 + 19] = 11;
    expect(
      (
        await errOf(
          parseDatasetFiles({ id: 'fmnist', files: { ...f, 't10k-labels-idx1-ubyte.gz': bad } }),
        )
      ).code,
    ).toBe('label-range');
    const cut = f['train-images-idx3-ubyte'].subarray(0, 16 + 784 * 10);
    expect(
      (
        await errOf(
          parseDatasetFiles({ id: 'fmnist', files: { ...f, 'train-images-idx3-ubyte': cut } }),
        )
      ).code,
    ).toBe('truncated');
    expect((await errOf(parseDatasetFiles({ id: 'mnist', files: f }))).code).toBe(
      'unknown-dataset',
    );
  });

  it('gives class-major samples, in file order, black where a class runs short', async () => {
    const s = await parseDatasetFiles({ id: 'fmnist', files: full() });
    const smp = datasetSamples(s, 4);
    expect(smp).toMatchObject({ perClass: 4, height: 28, width: 28, channels: 1 });
    expect(smp.images.length).toBe(10 * 4 * 784);
    // Class 3, sample 1 is train image 13 (labels cycle 0..9).
    const img = (k: number) => smp.images.subarray(k * 784, (k + 1) * 784);
    expect(Buffer.compare(img(3 * 4 + 1), s.train.images.subarray(13 * 784, 14 * 784))).toBe(0);
    // Only 3 images of each class exist in 30: the 4th slot stays black.
    expect(img(3 * 4 + 3).every((v) => v === 0)).toBe(true);
  });
});

describe.skipIf(!hasShared)(
  hasShared
    ? 'parseDatasetFiles (real files)'
    : `parseDatasetFiles (real files): SKIPPED, ${SHARED} not found`,
  () => {
    let fmnist: DatasetSplits;
    beforeAll(async () => {
      fmnist = await parseDatasetFiles({
        id: 'fmnist',
        files: await readDatasetDir('fmnist', path.join(SHARED, 'fashion-mnist')),
      });
    });

    it('Fashion-MNIST: 60,000 + 10,000 images 28x28, 6,000 / 1,000 per class', () => {
      expect(fmnist.split).toBe('official');
      expect(fmnist.train).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1 });
      expect(fmnist.test).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1 });
      expect(fmnist.train.images.length).toBe(60000 * 784);
      expect(hist(fmnist.train)).toEqual(new Array(10).fill(6000));
      expect(hist(fmnist.test)).toEqual(new Array(10).fill(1000));
      const smp = datasetSamples(fmnist, 2);
      expect(smp.images.length).toBe(20 * 784);
    });

    it('Fashion-MNIST train images paired with the test labels is a count mismatch', async () => {
      const files = await readDatasetDir('fmnist', path.join(SHARED, 'fashion-mnist'));
      const e = await errOf(
        parseDatasetFiles({
          id: 'fmnist',
          files: { ...files, 'train-labels-idx1-ubyte.gz': files['t10k-labels-idx1-ubyte.gz'] },
        }),
      );
      expect(e.code).toBe('count-mismatch');
      expect(e.message).toMatch(
        /has 60,000 images but train-labels-idx1-ubyte\.gz has 10,000 labels/,
      );
    });

    it('KMNIST: test split only; carved as first 8,000 train, last 2,000 test', async () => {
      const files = await readDatasetDir('kmnist', path.join(SHARED, 'kmnist'));
      expect(Object.keys(files).sort()).toEqual([
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
      ]);
      const e = await errOf(parseDatasetFiles({ id: 'kmnist', files }));
      expect(e.code).toBe('missing-file');
      expect(e.message).toMatch(/missing train-images-idx3-ubyte\.gz.*carve/);
      const s = await parseDatasetFiles({ id: 'kmnist', files, carve: true });
      expect(s.split).toBe('carved');
      expect(s.train).toMatchObject({ count: 8000, height: 28, width: 28, channels: 1 });
      expect(s.test.count).toBe(2000);
      expect(s.splitNote).toBe(
        'Carved from Kuzushiji-MNIST t10k (10,000 images): first 8,000 → train, last 2,000 → test. ' +
          'Official train files absent (train-images-idx3-ubyte.gz).',
      );
      expect(hist(s.train).reduce((a, b) => a + b)).toBe(8000);
      // The whole test split is 1,000 per class; the carve keeps every image exactly once.
      const both = hist(s.train).map((n, i) => n + hist(s.test)[i]);
      expect(both).toEqual(new Array(10).fill(1000));
      const whole = await parseDatasetFiles({
        id: 'kmnist',
        files: { ...files },
        carve: true,
        trainFraction: 0.5,
      });
      expect(whole.test.count).toBe(5000);
      // Carving is plain indexing into the file: train image 0 is file image 0, test image 0
      // is file image 8,000, test image 1,999 is the file's last.
      const raw = zlib.gunzipSync(files['t10k-images-idx3-ubyte.gz']);
      const fileImage = (k: number) => raw.subarray(16 + k * 784, 16 + (k + 1) * 784);
      const carved = (set: ImageSet, k: number) => set.images.subarray(k * 784, (k + 1) * 784);
      expect(Buffer.compare(carved(s.train, 0), fileImage(0))).toBe(0);
      expect(Buffer.compare(carved(s.test, 0), fileImage(8000))).toBe(0);
      expect(Buffer.compare(carved(s.test, 1999), fileImage(9999))).toBe(0);
    });

    it('CIFAR-10 subset: data_batch_1 as train (10,000) and test_batch (10,000), 32x32x3', async () => {
      const files = await readDatasetDir('cifar10', path.join(SHARED, 'cifar10'));
      const s = await parseDatasetFiles({ id: 'cifar10', files });
      expect(s.split).toBe('official');
      expect(s.train).toMatchObject({ count: 10000, height: 32, width: 32, channels: 3 });
      expect(s.test).toMatchObject({ count: 10000, height: 32, width: 32, channels: 3 });
      expect(s.train.images.length).toBe(10000 * 3072);
      expect(s.splitNote).toBe('Train set is data_batch_1.bin only (10,000 of 50,000 images).');
      expect(hist(s.test)).toEqual(new Array(10).fill(1000));
      expect(hist(s.train).reduce((a, b) => a + b)).toBe(10000);
      const cut = files['cifar-10-binary.tar.gz'].subarray(0, 1_000_000);
      expect(
        (
          await errOf(
            parseDatasetFiles({ id: 'cifar10', files: { 'cifar-10-binary.tar.gz': cut } }),
          )
        ).code,
      ).toBe('bad-gzip');
    });
  },
);
