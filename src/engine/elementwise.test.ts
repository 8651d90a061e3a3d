/**
 * The engine's small elementwise and reduction kernels on cpu and wasm against tfjs's ops:
 * the ReLU backward (dy where y > 0; NaN in y passes on) and the channel sum (a bias
 * gradient). WebGL and WebGPU run the ReLU backward inside e2e/kernels.spec.ts's whole-model
 * gradient check; the channel sum is tfjs's Sum there.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
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

for (const backend of ['cpu', 'wasm'] as const)
  describe(`elementwise kernels on ${backend}`, () => {
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    it.each([[[7]], [[4, 6, 6, 8]], [[33, 10]]])(
      'ReLU backward equals dy·step(y) on %j',
      async (shape) => {
        await tf.setBackend(backend);
        // Ours on cpu; tfjs's step and multiply on wasm.
        expect(tf.getKernel(RELU_BACKWARD, backend) !== undefined).toBe(backend === 'cpu');
        tf.tidy(() => {
          const dy = uniform(shape, 1);
          const y = tf.relu(uniform(shape, 2));
          // + 0: tfjs's product gives −0 where dy < 0 is masked; the value is the same.
          const plain = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v + 0);
          expect(plain(reluBackward(dy, y))).toEqual(plain(tf.mul(dy, tf.step(y))));
        });
      },
    );

    it('ReLU backward passes NaN in y on and zeroes y ≤ 0', async () => {
      await tf.setBackend(backend);
      tf.tidy(() => {
        const out = reluBackward(tf.tensor1d([2, 3, 4, 5]), tf.tensor1d([1, 0, -1, Number.NaN]));
        const v = Array.from(out.dataSync());
        expect(v.slice(0, 3)).toEqual([2, 0, 0]);
        expect(v[3]).toBeNaN();
      });
    });

    it.each([[[5, 3]], [[4, 7, 7, 16]], [[9]]])(
      'channel sum equals tf.sum over leading axes on %j',
      async (shape) => {
        await tf.setBackend(backend);
        // Ours on cpu; tfjs's Sum on wasm (the fallback path is tested there).
        expect(tf.getKernel(CHANNEL_SUM, backend) !== undefined).toBe(backend === 'cpu');
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
