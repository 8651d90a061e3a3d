/**
 * The engine's ReLU backward and channel sum on cpu (where they are our kernels) against
 * tfjs's ops: dy·step(y) including NaN and ±∞ in dy or y, and the sum over leading axes. On
 * wasm neither is registered (tfjs's ops run: checked); the channel sum there is a product with
 * per-image average pools (checked against a float64 sum). WebGL and WebGPU run the ReLU backward
 * inside e2e/kernels.spec.ts (whole-model gradients against cpu, and NaN/∞ cases).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { CHANNEL_SUM, channelSum } from './channelSum';
import { RELU_BACKWARD, reluBackward } from './reluBackward';

function uniform(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => 2 * rng.next() - 1),
    shape,
  );
}

/** Values with −0 as 0 (tfjs's product gives −0 where a negative dy is masked). */
const plain = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v + 0);

describe('ReLU backward and channel sum on cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('are our kernels on cpu only, tfjs ops on wasm', async () => {
    expect(tf.getKernel(RELU_BACKWARD, 'cpu')).toBeDefined();
    expect(tf.getKernel(CHANNEL_SUM, 'cpu')).toBeDefined();
    expect(tf.getKernel(RELU_BACKWARD, 'wasm')).toBeUndefined();
    expect(tf.getKernel(CHANNEL_SUM, 'wasm')).toBeUndefined();
  });

  it.each([[[7]], [[4, 6, 6, 8]], [[33, 10]]])('ReLU backward equals dy·step(y) on %j', (shape) => {
    tf.tidy(() => {
      const dy = uniform(shape, 1);
      const y = tf.relu(uniform(shape, 2));
      expect(plain(reluBackward(dy, y))).toEqual(plain(tf.mul(dy, tf.step(y))));
    });
  });

  it('ReLU backward: NaN and ±∞ where dy·step(y) has them', () => {
    tf.tidy(() => {
      const inf = Number.POSITIVE_INFINITY;
      const dy = tf.tensor1d([2, 3, Number.NaN, inf, -inf, Number.NaN, 5, 6]);
      const y = tf.tensor1d([1, 0, 0, 0, 1, 1, -1, Number.NaN]);
      const got = plain(reluBackward(dy, y));
      const want = plain(tf.mul(dy, tf.step(y)));
      expect(got.map(String)).toEqual(want.map(String));
      expect(got.map(String)).toEqual(['2', '0', 'NaN', 'NaN', '-Infinity', 'NaN', '0', 'NaN']);
    });
  });

  it.each([[[5, 3]], [[4, 7, 7, 16]], [[9]]])(
    'channel sum equals tf.sum over leading axes on %j',
    (shape) => {
      tf.tidy(() => {
        const x = uniform(shape, 3);
        const want = tf.sum(
          x,
          Array.from({ length: shape.length - 1 }, (_, i) => i),
        );
        const got = channelSum(x);
        expect(got.shape).toEqual(want.shape);
        const [g, w] = [got.dataSync(), want.dataSync()];
        for (let i = 0; i < w.length; i++) expect(g[i]).toBeCloseTo(w[i]!, 4);
      });
    },
  );
});

describe('channel sum on wasm (per-image average pools)', () => {
  it.each([[[64, 28, 28, 32]], [[5, 3]], [[3, 4, 4, 7]], [[9]]])(
    'equals the cpu sum over leading axes on %j',
    async (shape) => {
      expect(tf.getBackend()).toBe('wasm');
      const values = uniform(shape, 4);
      const got = channelSum(values);
      const data = await values.data();
      const c = shape[shape.length - 1]!;
      const want = new Float64Array(c);
      for (let i = 0; i < data.length; i++) want[i % c]! += data[i]!;
      expect(got.shape).toEqual([c]);
      const g = await got.data();
      // float32 accumulation over up to 50,176 values in [-1, 1] (measured: ≤ 3e-4).
      for (let i = 0; i < c; i++) expect(Math.abs(g[i]! - want[i]!)).toBeLessThan(2e-3);
      tf.dispose([values, got]);
    },
  );

  it('pools a rank-4 gradient before summing it', async () => {
    const x = uniform([4, 6, 6, 8], 5);
    const { kernels } = await tf.profile(() => channelSum(x));
    expect(kernels.map((k) => k.name)).toContain('AvgPool');
    // The only Sum runs over the 4 per-image means.
    const sums = kernels.filter((k) => k.name === 'Sum');
    expect(sums.map((k) => k.inputShapes[0])).toEqual([[4, 1, 1, 8]]);
    x.dispose();
  });

  it('keeps a NaN or ∞ channel non-finite (what the step guard reads)', async () => {
    const x = tf.tensor4d(
      [1, 2, 3, Number.NaN, 5, 6, 7, 8, Number.POSITIVE_INFINITY],
      [1, 3, 1, 3],
    );
    const [nan, finite, inf] = Array.from(await channelSum(x).data());
    // XNNPACK's average pool clamps a NaN to -∞ (wasm's Sum would give NaN): both refuse the step.
    expect(Number.isFinite(nan)).toBe(false);
    expect(finite).toBe(15);
    expect(inf).toBe(Number.POSITIVE_INFINITY);
    x.dispose();
  });
});
