/**
 * The engine's cpu gradient kernels give tfjs's stock cpu kernels' results: the filter
 * gradient over strides, pads and channel counts (zeros in x included, which ours skips), and
 * the max-pool gradient with ties, negative-only windows, NaN and -∞.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { gradientKernel } from './cpuGradients';

function uniform(shape: number[], seed: number, zeroFraction = 0): tf.Tensor {
  const rng = new Rng(seed);
  const v = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
    rng.next() < zeroFraction ? 0 : 4 * rng.next() - 2,
  );
  return tf.tensor(v, shape);
}

function run(name: string, inputs: tf.NamedTensorMap, attrs: object): Float32Array {
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

function expectSame(ours: Float32Array, theirs: Float32Array, tol: number) {
  expect(ours.length).toBe(theirs.length);
  let worst = 0;
  const scale = Math.max(1e-6, ...Array.from(theirs, Math.abs));
  for (let i = 0; i < ours.length; i++) {
    if (Number.isNaN(theirs[i]!)) expect(ours[i]).toBeNaN();
    else worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!) / scale);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('cpu gradient kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('are what the engine picks on cpu, and tfjs kernels elsewhere', async () => {
    expect(gradientKernel(tf.Conv2DBackpropFilter)).toBe('ItraConv2DBackpropFilter');
    expect(gradientKernel(tf.MaxPoolGrad)).toBe('ItraMaxPoolGrad');
    await tf.setBackend('wasm');
    expect(gradientKernel(tf.Conv2DBackpropFilter)).toBe(tf.Conv2DBackpropFilter);
    expect(gradientKernel(tf.MaxPoolGrad)).toBe(tf.MaxPoolGrad);
    await tf.setBackend('cpu');
  });

  type Shape4 = [number, number, number, number];
  const convCases: Array<[string, Shape4, Shape4, number, string]> = [
    ['3x3 same, 1→8 (first layer)', [4, 28, 28, 1], [3, 3, 1, 8], 1, 'same'],
    ['3x3 same, 8→16', [3, 14, 14, 8], [3, 3, 8, 16], 1, 'same'],
    ['3x3 valid, stride 2, odd sizes', [2, 9, 11, 3], [3, 3, 3, 5], 2, 'valid'],
    ['3x3 same, stride 2', [2, 8, 7, 4], [3, 3, 4, 6], 2, 'same'],
    ['1x1 stride 2 (a ResNet shortcut)', [2, 8, 8, 4], [1, 1, 4, 8], 2, 'same'],
    ['5x3 same, 2→3', [2, 6, 5, 2], [5, 3, 2, 3], 1, 'same'],
  ];
  it.each(convCases)('Conv2DBackpropFilter: %s', (_label, xShape, wShape, stride, pad) => {
    tf.tidy(() => {
      const x = uniform(xShape, 1, 0.4); // ReLU-like zeros: ours skips them
      const outShape = tf.conv2d(
        x as tf.Tensor4D,
        tf.zeros(wShape) as tf.Tensor4D,
        stride,
        pad as 'same',
      ).shape;
      const dy = uniform([...outShape], 2);
      const attrs = { strides: stride, pad, dataFormat: 'NHWC', filterShape: wShape };
      expectSame(
        run('ItraConv2DBackpropFilter', { x, dy }, attrs),
        run(tf.Conv2DBackpropFilter, { x, dy }, attrs),
        1e-6,
      );
    });
  });

  // Tolerance 0 where windows do not overlap: each dx element then gets one dy value or none.
  const poolCases: Array<[string, () => tf.Tensor4D, number, number, string, number]> = [
    ['2x2/2 valid', () => uniform([3, 28, 28, 8], 3) as tf.Tensor4D, 2, 2, 'valid', 0],
    ['2x2/2 same, odd sizes', () => uniform([2, 7, 9, 3], 4) as tf.Tensor4D, 2, 2, 'same', 0],
    [
      '2x2/1 valid, overlapping',
      () => uniform([2, 6, 7, 3], 8) as tf.Tensor4D,
      2,
      1,
      'valid',
      1e-6,
    ],
    ['3x3/1 same, overlapping', () => uniform([2, 6, 6, 2], 5) as tf.Tensor4D, 3, 1, 'same', 1e-6],
    [
      'ties (ReLU zeros, repeated integers)',
      () => tf.relu(tf.round(tf.mul(uniform([2, 8, 8, 4], 6), 1.5))) as tf.Tensor4D,
      2,
      2,
      'valid',
      0,
    ],
    [
      // Windows (2x2, row-major 4x4): [-3 -1; NaN 2], [-2 -5; 1 NaN], [NaN -∞; -∞ NaN] (sends
      // nothing), [4 4; 4 1] (ties: the first).
      'negative-only windows, NaN and -∞',
      () =>
        tf.tensor4d(
          [
            -3,
            -1,
            -2,
            -5,
            Number.NaN,
            2,
            1,
            Number.NaN,
            Number.NaN,
            -Infinity,
            4,
            4,
            -Infinity,
            Number.NaN,
            4,
            1,
          ],
          [1, 4, 4, 1],
        ),
      2,
      2,
      'valid',
      0,
    ],
  ];
  it.each(poolCases)('MaxPoolGrad: %s', (_label, makeX, k, s, pad, tol) => {
    tf.tidy(() => {
      const x = makeX();
      const attrs = { filterSize: k, strides: s, pad };
      const output = tf.maxPool(x, k, s, pad as 'same');
      const dy = uniform(output.shape, 7);
      const inputs = { dy, input: x, output };
      expectSame(run('ItraMaxPoolGrad', inputs, attrs), run(tf.MaxPoolGrad, inputs, attrs), tol);
    });
  });

  // The 2x2 fast path (gradientLoops.ts) trusts `output` only where it is the window's maximum,
  // and sends a non-finite gradient by the general rule: both against tfjs's kernel, which
  // recomputes each window's maximum from x.
  it.each([
    ['an output that is not the maximum', (y: tf.Tensor4D) => tf.sub(y, 0.25)],
    ['an output from other data', (y: tf.Tensor4D) => tf.reverse(y, 1)],
  ] as const)('MaxPoolGrad 2x2/2 with %s', (_label, wrong) => {
    tf.tidy(() => {
      const x = tf.round(tf.mul(uniform([2, 8, 6, 3], 9), 2)) as tf.Tensor4D; // ties as well
      const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
      const output = wrong(tf.maxPool(x, 2, 2, 'valid')) as tf.Tensor4D;
      const dy = uniform(output.shape, 10);
      const inputs = { dy, input: x, output };
      expectSame(run('ItraMaxPoolGrad', inputs, attrs), run(tf.MaxPoolGrad, inputs, attrs), 0);
    });
  });

  it('MaxPoolGrad 2x2/2 with ±∞ and NaN gradients', () => {
    tf.tidy(() => {
      const x = uniform([1, 4, 4, 2], 11) as tf.Tensor4D;
      const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
      const output = tf.maxPool(x, 2, 2, 'valid');
      const dy = tf.tensor4d(
        [Infinity, 1, -Infinity, 2, Number.NaN, -0, 3, Number.NaN],
        [1, 2, 2, 2],
      );
      const inputs = { dy, input: x, output };
      const ours = Array.from(run('ItraMaxPoolGrad', inputs, attrs));
      const theirs = Array.from(run(tf.MaxPoolGrad, inputs, attrs));
      expect(ours.map(String)).toEqual(theirs.map(String)); // ±∞ and NaN where tfjs has them
    });
  });
});
