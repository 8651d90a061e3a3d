/**
 * A small CNN's loss gradient on wasm (the engine's kernels) against the cpu backend, end to
 * end, and the memory a training loop of gradient steps leaves behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, MODEL_TOL, onBoth, randn, size } from '../../../test/cpuWasmCompare';
import { setupNodeBackend } from '../nodeBackend';

beforeAll(async () => {
  await setupNodeBackend('wasm');
});

/**
 * conv3x3(8)-relu-maxpool-conv3x3(16)-relu-maxpool-dense(32)-relu-dense(10). With batch norm
 * (conv-BN-relu-pool) the conv biases are left out: BN cancels them, so their gradient is
 * round-off on both backends and has no relative error to compare.
 */
function cnnLoss(w: tf.Tensor[], x: tf.Tensor4D, labels: tf.Tensor2D, bn: boolean): tf.Scalar {
  type T = tf.Tensor | undefined;
  const [c1, b1, c2, b2, d1, e1, d2, e2, g1, h1, g2, h2]: T[] = bn
    ? [w[0], undefined, w[1], undefined, ...w.slice(2)]
    : w;
  const block = (h: tf.Tensor4D, k: T, b: T, g: T, beta: T): tf.Tensor4D => {
    let y: tf.Tensor4D = tf.conv2d(h, k as tf.Tensor4D, 1, 'same');
    if (b) y = tf.add(y, b);
    if (g && beta) {
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      y = tf.batchNorm(y, mean, variance, beta, g, 1e-5) as tf.Tensor4D;
    }
    return tf.maxPool(tf.relu(y), 2, 2, 'valid');
  };
  let h = block(x, c1, b1, g1, h1);
  h = block(h, c2, b2, g2, h2);
  const z = tf.relu(tf.add(tf.matMul(tf.reshape(h, [x.shape[0], -1]), d1 as tf.Tensor2D), e1!));
  const logits = tf.add(tf.matMul(z as tf.Tensor2D, d2 as tf.Tensor2D), e2!);
  return tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0.1) as tf.Scalar;
}

const CNN_SHAPES = [
  [3, 3, 1, 8],
  [8],
  [3, 3, 8, 16],
  [16],
  [7 * 7 * 16, 32],
  [32],
  [32, 10],
  [10],
  [8],
  [8],
  [16],
  [16],
];

/** Weights in cnnLoss's order; with `bn`, no conv biases and BN's γ, β appended. */
function cnnInputs(batch: number, bn: boolean) {
  const all = CNN_SHAPES.map((s, i) =>
    tf.mul(randn(s, 100 + i), s.length > 1 ? Math.sqrt(2 / size(s.slice(0, -1))) : 0.1),
  );
  const w = bn ? all.filter((_, i) => i !== 1 && i !== 3) : all.slice(0, 8);
  tf.dispose(all.filter((t) => !w.includes(t)));
  const x = randn([batch, 28, 28, 1], 200) as tf.Tensor4D;
  const labels = tf.oneHot(
    tf.slice(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 7], 'int32'), 0, batch),
    10,
  );
  return { w, x, labels: labels as tf.Tensor2D };
}

describe('small CNN end to end', () => {
  for (const bn of [false, true]) {
    it(`loss gradient w.r.t. all ${bn ? 10 : 8} weights matches cpu${bn ? ' (batch norm)' : ''}`, async () => {
      const r = await onBoth(() => {
        const { w, x, labels } = cnnInputs(12, bn);
        const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) =>
          cnnLoss(ws, x, labels, bn),
        )(w);
        return [value, ...grads];
      });
      expectClose(r, MODEL_TOL);
    });
  }
});

describe('memory', () => {
  it('50 gradient steps leave no tensors and no wasm heap growth', async () => {
    await tf.setBackend('wasm');
    const { w, x, labels } = cnnInputs(8, true);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) =>
          cnnLoss(ws, x, labels, true),
        )(w);
        // Touch the results so that nothing is skipped.
        return tf.add(value, tf.addN(grads.map((g) => tf.sum(g))));
      });
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 3; i++) step().dispose();
    const before = tf.memory();
    const heapBefore = heap();
    for (let i = 0; i < 50; i++) step().dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    // The heap may grow once to a high-water mark but must not creep step after step.
    expect(heap() - heapBefore).toBeLessThanOrEqual(4 * 2 ** 20);
    tf.dispose([...w, x, labels]);
  });
});
