/**
 * Augmentation: exact crops and flips (every backend the unit tests run), seeded draws, the
 * same images for both twin sides, and test images left alone.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../test/synthetic';
import { type AugmentDraw, augmentImages, drawAugmentation } from './augment';
import { BatchSampler, disposeBatch, EvalSet, imagesToTensor } from './batches';
import { DEFAULT_CONFIG, type TrainConfig } from './config';
import { Rng } from './rng';
import { TrainingSession } from './session';

const data = syntheticDataset(200, 100);

/** A 2-image batch of h×w×c with distinct values: v = 1 + index. */
function ramp(h: number, w: number, c: number): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: 2 * h * w * c }, (_, i) => 1 + i),
    [2, h, w, c],
  );
}

/** Reference crop: out[y][x] = padded[y + dy][x' + dx], x' mirrored when flipped. */
function referenceCrop(x: number[][][][], draw: AugmentDraw, p: number): number[][][][] {
  return x.map((img, n) => {
    const h = img.length;
    const w = img[0]!.length;
    return img.map((row, y) =>
      row.map((px, xx) => {
        const sx = (draw.flip[n] ? w - 1 - xx : xx) + draw.dx[n]! - p;
        const sy = y + draw.dy[n]! - p;
        return sy < 0 || sy >= h || sx < 0 || sx >= w ? px.map(() => 0) : img[sy]![sx]!;
      }),
    );
  });
}

for (const backend of ['wasm', 'cpu'] as const)
  describe(`augmentImages on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    const draws: Array<[string, AugmentDraw, number]> = [
      [
        'centred, no flip (the identity)',
        { dy: Int32Array.of(2, 2), dx: Int32Array.of(2, 2), flip: Uint8Array.of(0, 0) },
        2,
      ],
      [
        'corners',
        { dy: Int32Array.of(0, 4), dx: Int32Array.of(4, 0), flip: Uint8Array.of(0, 0) },
        2,
      ],
      [
        'flipped, shifted',
        { dy: Int32Array.of(1, 3), dx: Int32Array.of(0, 2), flip: Uint8Array.of(1, 1) },
        2,
      ],
      [
        'padding 4 on 3 channels',
        { dy: Int32Array.of(8, 0), dx: Int32Array.of(3, 5), flip: Uint8Array.of(1, 0) },
        4,
      ],
    ];
    for (const [what, draw, p] of draws) {
      it(`${what}: keeps the size and moves whole pixels exactly`, () => {
        const c = p === 4 ? 3 : 1;
        const x = ramp(6, 5, c);
        const out = augmentImages(x, draw, p);
        expect(out.shape).toEqual(x.shape);
        expect(out.arraySync()).toEqual(referenceCrop(x.arraySync(), draw, p));
        tf.dispose([x, out]);
      });
    }
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
      environment: { backend: 'wasm', runtime: 'test', tfjsVersion: tf.version.tfjs },
      yieldToHost: () => Promise.resolve(),
    });
    const [a, b] = await session.run();
    session.dispose();
    const strip = (r: typeof a) => r!.points.map((p) => [p.testCE, p.trainCE, p.intraDist]);
    expect(strip(b)).toEqual(strip(a));
    expect(a!.points).toHaveLength(2);
  });
});
