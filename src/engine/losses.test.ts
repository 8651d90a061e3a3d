/**
 * Cross-entropy (a customGrad with the gradient written out) against tfjs's own
 * softmaxCrossEntropy and its autodiff, for one-hot and label-smoothed targets; the baselines'
 * helpers on hand-checked numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { centerLoss, crossEntropy, smoothTargets, updatedCenters } from './losses';

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-6;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / scale;
}

describe('crossEntropy', () => {
  for (const smoothing of [0, 0.1]) {
    it(`value and gradient equal tf.losses.softmaxCrossEntropy's (label smoothing ${smoothing})`, () => {
      const before = tf.memory().numTensors;
      const [ours, ref] = tf.tidy(() => {
        const logits = tf.randomNormal([7, 5], 0, 3, 'float32', 3) as tf.Tensor2D;
        const labels = tf.tensor1d([0, 4, 2, 2, 1, 3, 0], 'int32');
        const onehot = tf.cast(tf.oneHot(labels, 5), 'float32') as tf.Tensor2D;
        const targets = smoothing ? smoothTargets(onehot, smoothing) : onehot;
        const mine = tf.valueAndGrad((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, targets))(
          logits,
        );
        const theirs = tf.valueAndGrad((z: tf.Tensor) =>
          tf.losses.softmaxCrossEntropy(onehot, z, undefined, smoothing),
        )(logits);
        return [
          [mine.value, mine.grad],
          [theirs.value, theirs.grad],
        ];
      });
      expect(maxRelErr(ours[0]!.dataSync(), ref[0]!.dataSync())).toBeLessThan(1e-5);
      expect(maxRelErr(ours[1]!.dataSync(), ref[1]!.dataSync())).toBeLessThan(1e-5);
      tf.dispose([...ours, ...ref]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('is finite for large logits (shifted by the row maximum)', () => {
    const logits = tf.tensor2d([[1000, 0, -1000]]);
    const ce = crossEntropy(logits, tf.tensor2d([[0, 1, 0]]));
    expect(ce.dataSync()[0]).toBeCloseTo(1000, 3);
  });
});

describe('baselines', () => {
  it('label smoothing: (1 − ε)·onehot + ε/K', () => {
    const t = smoothTargets(tf.tensor2d([[0, 1, 0, 0]]), 0.2);
    expect(Array.from(t.dataSync())).toEqual([0.05, 0.85, 0.05, 0.05].map(Math.fround));
  });

  it('center loss and the center update', () => {
    const h = tf.tensor2d([
      [1, 0],
      [3, 0],
      [0, 2],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const centers = tf.tensor2d([
      [2, 0],
      [0, 0],
    ]);
    // ½ · mean(1, 1, 4) = 1.
    expect(centerLoss(h, y, centers).dataSync()[0]).toBeCloseTo(1, 6);
    // class 0: Σ(c − h) = 0 → unchanged; class 1: c − α·(0 − 2)/(1 + 1) = [0, 0.5] at α = 0.5.
    expect(Array.from(updatedCenters(centers, h, y, 0.5).dataSync())).toEqual([2, 0, 0, 0.5]);
  });
});
