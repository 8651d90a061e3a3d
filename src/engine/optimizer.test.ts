/**
 * The guarded optimizer: exact SGD-momentum updates while finite; a non-finite loss, gradient
 * or result changes nothing and drops the health flag for good; large finite values are not
 * mistaken for divergence.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedOptimizer } from './optimizer';

function setup(kind: 'sgd' | 'adam' = 'sgd', init: number[][] = [[1, 2, 3], [4]], weightDecay = 0) {
  const params = init.map((v, i) =>
    tf.variable(tf.tensor1d(v), true, `opt-test-${kind}-${i}-${Math.random()}`),
  );
  const opt = new GuardedOptimizer(kind, params, 0.5, 0.9, weightDecay);
  const values = () => params.map((p) => Array.from(p.dataSync()));
  const step = (grads: number[][], loss = 1) =>
    tf.tidy(() =>
      opt.apply(
        grads.map((g) => tf.tensor1d(g)),
        tf.scalar(loss),
      ),
    );
  const health = () => [opt.healthy.dataSync()[0], opt.finiteSteps.dataSync()[0]];
  const dispose = () => {
    opt.dispose();
    tf.dispose(params);
  };
  return { params, opt, values, step, health, dispose };
}

for (const backend of ['wasm', 'cpu'] as const)
  describe(`GuardedOptimizer on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    it('applies v ← μv + g, p ← p − lr·v while everything is finite', () => {
      const t = setup();
      t.step([[1, 0, -1], [2]]);
      expect(t.values()).toEqual([[0.5, 2, 3.5], [3]]);
      t.step([[1, 0, -1], [2]]); // v = 0.9·g + g = 1.9·g
      expect(t.values()[0]!.map((x) => Math.round(x * 1e5) / 1e5)).toEqual([-0.45, 2, 4.45]);
      expect(t.health()).toEqual([1, 2]);
      t.dispose();
    });

    const rounded = (xs: number[][]) => xs.map((r) => r.map((x) => Math.round(x * 1e5) / 1e5));

    it('weight decay on SGD is PyTorch’s coupled form: g ← g + wd·p before the momentum', () => {
      const t = setup('sgd', [[1, 2, 3], [4]], 0.1);
      t.step([[1, 0, -1], [2]]); // g' = [1.1, 0.2, -0.7], [2.4]; p − 0.5·g'
      expect(rounded(t.values())).toEqual([[0.45, 1.9, 3.35], [2.8]]);
      // g'' = g + 0.1·p = [1.045, 0.19, -0.665], [2.28]; v = 0.9·g' + g''; p − 0.5·v
      t.step([[1, 0, -1], [2]]);
      expect(rounded(t.values())).toEqual([[-0.5675, 1.715, 3.9975], [0.58]]);
      t.dispose();
    });

    it('weight decay changes live, and 0 gives the plain update', () => {
      const t = setup('sgd', [[1, 2, 3], [4]], 0.1);
      t.opt.setWeightDecay(0);
      t.step([[1, 0, -1], [2]]);
      expect(t.values()).toEqual([[0.5, 2, 3.5], [3]]);
      t.dispose();
    });

    it('weight decay on Adam is decoupled (AdamW): p ← p − lr·wd·p − lr·m̂/(√v̂ + ε)', () => {
      const t = setup('adam', [[1, 2, 3], [4]], 0.1);
      // First step: m̂ = g, v̂ = g², so the Adam step is lr·sign(g) (0 where g = 0).
      t.step([[1, 0, -1], [2]]);
      expect(rounded(t.values())).toEqual([[0.45, 1.9, 3.35], [3.3]]);
      t.dispose();
    });

    for (const [what, grads, loss] of [
      ['an infinite gradient entry', [[1, Number.POSITIVE_INFINITY, 0], [0]], 1],
      ['a NaN in the second tensor only', [[0, 0, 0], [Number.NaN]], 1],
      ['a NaN loss', [[1, 1, 1], [1]], Number.NaN],
    ] as const) {
      it(`${what}: nothing changes, the flag drops, later steps are refused too`, () => {
        const t = setup();
        t.step([[1, 1, 1], [1]]);
        const before = t.values();
        t.step(grads as unknown as number[][], loss);
        expect(t.values()).toEqual(before);
        expect(t.health()).toEqual([0, 1]);
        t.step([[1, 1, 1], [1]]);
        expect(t.values()).toEqual(before);
        expect(t.health()).toEqual([0, 1]);
        t.dispose();
      });
    }

    it('an update that overflows float32 counts as divergence', () => {
      const t = setup('sgd', [[3e38], [0]]);
      t.step([[-1e38], [0]]); // 3e38 + 0.5·1e38 is beyond float32's 3.4e38: ∞
      expect(t.health()[0]).toBe(0);
      expect(t.values()[0]).toEqual([Math.fround(3e38)]);
      t.dispose();
    });

    it('large finite values whose sum would overflow are not divergence (each value ×0 first)', () => {
      const t = setup('sgd', [[3e38, 3e38, 3e38], [0]]);
      t.step([[0, 0, 0], [0]]);
      expect(t.health()).toEqual([1, 1]);
      t.dispose();
    });

    it('Adam: an infinite gradient changes nothing', () => {
      const t = setup('adam');
      t.step([[1, 1, 1], [1]]);
      const before = t.values();
      t.step([[Number.POSITIVE_INFINITY, 0, 0], [0]]);
      expect(t.values()).toEqual(before);
      expect(t.health()).toEqual([0, 1]);
      t.dispose();
    });

    it('leaves no tensor behind', () => {
      const t = setup();
      t.step([[1, 1, 1], [1]]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) t.step([[1, 1, 1], [1]]);
      expect(tf.memory().numTensors).toBe(before);
      t.dispose();
    });
  });
