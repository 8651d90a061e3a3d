/**
 * The per-tap filter gradient (filterGradient.ts) against tfjs's stock cpu Conv2DBackpropFilter
 * for the engine's 3x3 'same' convolutions, and where the engine uses it. The GPU backends that
 * use it run it in e2e/kernels.spec.ts (against cpu, and inside the whole model's gradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { convFilterGradient, filterGradientByTaps, tapFilterGradient } from './filterGradient';
import { FILTER_GRADIENT_CASES, filterGradientInputs } from './kernelCases';
import { runKernel } from './registry';

function uniform(shape: number[], seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(
    Float32Array.from({ length: n }, () => 2 * rng.next() - 1),
    shape as [number, number, number, number],
  );
}

describe('per-tap filter gradient', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(FILTER_GRADIENT_CASES.map((c) => [c.name, c] as const))(
    'equals tfjs Conv2DBackpropFilter: %s',
    (_, c) => {
      tf.tidy(() => {
        const { x, dy, filterShape } = filterGradientInputs(c);
        const want = runKernel(
          tf.Conv2DBackpropFilter,
          { x, dy },
          {
            strides: [1, 1],
            pad: 'same',
            dataFormat: 'NHWC',
            filterShape,
          },
        );
        const got = tapFilterGradient(x, dy, c.size);
        expect(got.shape).toEqual(filterShape);
        const [g, w] = [got.dataSync(), want.dataSync()];
        for (let i = 0; i < w.length; i++) expect(g[i]).toBeCloseTo(w[i]!, 4);
      });
    },
  );

  it('carries a NaN in dy to the filter gradient', () => {
    tf.tidy(() => {
      const x = uniform([1, 4, 4, 2], 3);
      const dy = tf.tensor4d(
        Array.from({ length: 32 }, (_, i) => (i === 10 ? Number.NaN : 1)),
        [1, 4, 4, 2],
      );
      const got = tapFilterGradient(x, dy, 3).dataSync();
      expect(Array.from(got).some(Number.isNaN)).toBe(true);
    });
  });

  it('is not used on cpu or wasm (their own kernels run)', async () => {
    expect(filterGradientByTaps(64)).toBe(false);
    const x = uniform([1, 5, 5, 32], 4);
    const dy = uniform([1, 5, 5, 4], 5);
    const { kernelNames } = await tf.profile(() => convFilterGradient(x, dy, [3, 3, 32, 4]));
    expect(kernelNames).not.toContain('BatchMatMul');
    tf.dispose([x, dy]);
    await tf.setBackend('wasm');
    expect(filterGradientByTaps(64)).toBe(false);
    await tf.setBackend('cpu');
  });
});
