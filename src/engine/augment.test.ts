/**
 * Augmentation: exact crops and flips, seeded draws, the same images for both twin sides, and
 * test images left alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../test/synthetic';
import type { ImageSet } from '../data/dataset';
import { Rng } from '../util/rng';
import { type AugmentDraw, drawAugmentation } from './augment';
import { BatchSampler, disposeBatch, EvalSet, imagesToTensor } from './batches';
import { DEFAULT_CONFIG, type TrainConfig } from './config';
import { TrainingSession } from './session';

const data = syntheticDataset(200, 100);

/** Two h×w×c images whose pixels are all different (1 + index, mod 250). */
function rampSet(h: number, w: number, c: number): ImageSet {
  const images = Uint8Array.from({ length: 2 * h * w * c }, (_, i) => 1 + (i % 250));
  return { images, labels: Uint8Array.of(0, 1), count: 2, height: h, width: w, channels: c };
}

/** Reference crop from the raw pixels: out[y][x] = padded[y + dy][x' + dx], x' mirrored when flipped. */
function referenceCrop(set: ImageSet, draw: AugmentDraw): number[] {
  const { height: h, width: w, channels: c } = set;
  const out: number[] = [];
  for (let n = 0; n < set.count; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) {
          const sx = (draw.flip[n] ? w - 1 - x : x) + draw.dx[n]! - draw.padding;
          const sy = y + draw.dy[n]! - draw.padding;
          const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
          out.push(inside ? set.images[((n * h + sy) * w + sx) * c + k]! : 0);
        }
  return out;
}

describe('augmented images', () => {
  const draws: Array<[string, AugmentDraw, number]> = [
    [
      'centred, no flip (the identity)',
      { padding: 2, dy: Int32Array.of(2, 2), dx: Int32Array.of(2, 2), flip: Uint8Array.of(0, 0) },
      1,
    ],
    [
      'corners',
      { padding: 2, dy: Int32Array.of(0, 4), dx: Int32Array.of(4, 0), flip: Uint8Array.of(0, 0) },
      1,
    ],
    [
      'flipped, shifted',
      { padding: 2, dy: Int32Array.of(1, 3), dx: Int32Array.of(0, 2), flip: Uint8Array.of(1, 1) },
      1,
    ],
    [
      'padding 4 on 3 channels',
      { padding: 4, dy: Int32Array.of(8, 0), dx: Int32Array.of(3, 5), flip: Uint8Array.of(1, 0) },
      3,
    ],
  ];
  for (const [what, draw, c] of draws) {
    it(`${what}: keep the size and move whole pixels exactly`, () => {
      const set = rampSet(6, 5, c);
      const x = imagesToTensor(set, [0, 1], draw);
      expect(x.shape).toEqual([2, 6, 5, c]);
      const got = Array.from(x.dataSync(), (v) => Math.round(v * 255));
      expect(got).toEqual(referenceCrop(set, draw));
      x.dispose();
    });
  }

  it('the identity crop gives exactly the unaugmented batch', () => {
    const set = rampSet(6, 5, 3);
    const id: AugmentDraw = {
      padding: 3,
      dy: Int32Array.of(3, 3),
      dx: Int32Array.of(3, 3),
      flip: Uint8Array.of(0, 0),
    };
    const a = imagesToTensor(set, [1, 0], id);
    const b = imagesToTensor(set, [1, 0]);
    expect(a.dataSync()).toEqual(b.dataSync());
    tf.dispose([a, b]);
  });
});

describe('augmented batches', () => {
  const aug = { augment: { padding: 2, flip: true } };

  it('are fixed by the seed and differ from the raw images', async () => {
    const a = new BatchSampler(data.train, 10, 8, 8, 5, aug).next();
    const b = new BatchSampler(data.train, 10, 8, 8, 5, aug).next();
    const raw = new BatchSampler(data.train, 10, 8, 8, 5).next();
    expect(await a.x1.data()).toEqual(await b.x1.data());
    expect(await a.x2.data()).toEqual(await b.x2.data());
    // Same images (the batch streams do not depend on augmentation), moved.
    expect(Array.from(a.labels1)).toEqual(Array.from(raw.labels1));
    expect(await a.x1.data()).not.toEqual(await raw.x1.data());
    for (const batch of [a, b, raw]) disposeBatch(batch);
  });

  it('draw flips only when asked, and the same number of draws either way', () => {
    const on = drawAugmentation(new Rng(1), 200, { padding: 2, flip: true });
    const off = drawAugmentation(new Rng(1), 200, { padding: 2, flip: false });
    expect(on.flip.some((f) => f === 1)).toBe(true);
    expect(off.flip.every((f) => f === 0)).toBe(true);
    expect(Array.from(off.dy)).toEqual(Array.from(on.dy));
    expect(Math.max(...on.dx)).toBeLessThanOrEqual(4);
  });

  it('the eval set holds the raw test images', async () => {
    const evalSet = new EvalSet(data.test, 10, 100, 1);
    const all = imagesToTensor(
      data.test,
      Int32Array.from({ length: 100 }, (_, i) => i),
    );
    expect(await evalSet.batches[0]!.x.data()).toEqual(await all.data());
    all.dispose();
    evalSet.dispose();
  });

  it('both twin sides train on the identical augmented images', async () => {
    const cfg: TrainConfig = {
      ...DEFAULT_CONFIG,
      dataset: 'kmnist',
      model: 'tiny',
      method: 'vanilla',
      batchSize: 16,
      batchSize2: 16,
      evalEvery: 4,
      evalSize: 100,
      maxSteps: 8,
      augment: true,
      cropPadding: 2,
      flip: true,
    };
    const session = new TrainingSession({
      runIds: ['a', 'b'],
      names: ['A', 'B'],
      config: cfg,
      twinB: { method: 'vanilla' },
      data,
      environment: { backend: 'wasm', runtime: 'test', tfjsVersion: tf.version_core },
      yieldToHost: () => Promise.resolve(),
    });
    const [a, b] = await session.run();
    session.dispose();
    const strip = (r: typeof a) => r!.points.map((p) => [p.testCE, p.trainCE, p.intraDist]);
    expect(strip(b)).toEqual(strip(a));
    expect(a!.points).toHaveLength(2);
  });
});
