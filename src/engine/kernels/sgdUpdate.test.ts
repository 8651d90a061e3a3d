/**
 * The guarded SGD kernels on cpu and wasm equal tfjs's own ops bit for bit (same float32
 * rounding after every operation), for the flag at 1 and at 0, over several shapes. WebGL and
 * WebGPU run them in e2e/kernels.spec.ts (a guarded step on the tiny CNN against cpu, and the
 * guard's finite / infinite steps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { selectByFlag, sgdCandidate, sgdVelocity } from './sgdUpdate';

const values = (t: tf.Tensor) => Array.from(t.dataSync());

function uniform(shape: number[], seed: number, scale: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale),
    shape,
  );
}

for (const backend of ['cpu', 'wasm'] as const)
  describe(`SGD kernels on ${backend}`, () => {
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    it.each([[[7]], [[3, 3, 2, 4]], [[25, 13]], [[]]])('equal tfjs ops on %j', async (shape) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const p = uniform(shape, 1, 3);
        const v = uniform(shape, 2, 0.7);
        const g = uniform(shape, 3, 11);
        const lr = tf.scalar(0.037);
        const mu = 0.9;
        const vNew = tf.add(tf.mul(mu, v), g);
        const want = tf.sub(p, tf.mul(lr, vNew));
        expect(sgdCandidate(p, v, g, lr, mu).shape).toEqual(shape);
        expect(values(sgdCandidate(p, v, g, lr, mu))).toEqual(values(want));
        const [yes, no] = [tf.scalar(1), tf.scalar(0)];
        expect(values(sgdVelocity(yes, v, g, mu))).toEqual(values(vNew));
        expect(values(sgdVelocity(no, v, g, mu))).toEqual(values(v));
        expect(values(selectByFlag(yes, p, g))).toEqual(values(p));
        expect(values(selectByFlag(no, p, g))).toEqual(values(g));
        expect(selectByFlag(no, p, g).shape).toEqual(shape);
      });
      expect(tf.memory().numTensors).toBe(before);
    });

    it('carry NaN and ∞ into the candidate (for the probe to see)', async () => {
      await tf.setBackend(backend);
      tf.tidy(() => {
        const p = tf.tensor1d([1, 2, 3]);
        const v = tf.zeros([3]);
        const g = tf.tensor1d([Number.NaN, Number.POSITIVE_INFINITY, 1]);
        const c = values(sgdCandidate(p, v, g, tf.scalar(0.5), 0.9));
        expect(c[0]).toBeNaN();
        expect(c[1]).toBe(Number.NEGATIVE_INFINITY);
        expect(c[2]).toBe(2.5);
      });
    });
  });
