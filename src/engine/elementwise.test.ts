/**
 * The engine's ReLU backward and channel sum on cpu (where they are our kernels) against
 * tfjs's ops: dy·step(y) including NaN and ±∞ in dy or y, and the sum over leading axes. On
 * wasm neither is registered (tfjs's ops run: checked). WebGL and WebGPU run the ReLU backward
 * inside e2e/kernels.spec.ts (whole-model gradients against cpu, and NaN/∞ cases).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_SUM, channelSum } from './channelSum';
import { RELU_BACKWARD, reluBackward } from './reluBackward';
import { Rng } from './rng';

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
