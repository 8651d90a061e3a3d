/**
 * A small synthetic dataset for engine behaviour tests that must not depend on ../shared:
 * 28x28x1 images whose class k is a bright bar at a class-specific position, plus noise.
 * Learnable in a few steps, so tests can see training make progress.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DatasetSplits, ImageSet } from '../src/data/dataset';
import { Rng } from '../src/util/rng';

function makeSet(count: number, numClasses: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const h = 28;
  const w = 28;
  const images = new Uint8Array(count * h * w);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const y = i % numClasses;
    labels[i] = y;
    const base = i * h * w;
    for (let p = 0; p < h * w; p++) images[base + p] = Math.floor(rng.next() * 60);
    const row = 2 + y * 2;
    for (let c = 4; c < 24; c++) {
      images[base + row * w + c] = 255;
      images[base + (row + 1) * w + c] = 230;
    }
  }
  return { images, labels, count, height: h, width: w, channels: 1 };
}

export function syntheticDataset(
  trainCount = 400,
  testCount = 200,
  numClasses = 10,
): DatasetSplits {
  return {
    id: 'kmnist',
    numClasses,
    train: makeSet(trainCount, numClasses, 11),
    test: makeSet(testCount, numClasses, 12),
    split: 'official',
  };
}

/**
 * Writes a synthetic dataset as the official IDX files of `id` (gzipped, official names) in
 * `dir`, for tests of the command-line tools that read a data folder.
 */
export function writeSyntheticIdx(dir: string, data: DatasetSplits): void {
  const idx = (magic: number, dims: number[], body: Uint8Array) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return gzipSync(Buffer.concat([head, Buffer.from(body)]));
  };
  const write = (prefix: string, set: ImageSet) => {
    writeFileSync(
      join(dir, `${prefix}-images-idx3-ubyte.gz`),
      idx(0x803, [set.count, set.height, set.width], set.images),
    );
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), idx(0x801, [set.count], set.labels));
  };
  write('train', data.train);
  write('t10k', data.test);
}
