/** The label-only masks and normalisers of the matching loss (built on the CPU). */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposePlan, matchingPlan } from './matchingPlan';

describe('matchingPlan', () => {
  it('pairs rows by class within S1, within S2 and across, with the estimator normalisers', () => {
    // S1 labels [0, 1, 1], S2 labels [1, 2]; C = 3.
    const plan = matchingPlan([0, 1, 1], [1, 2], 3, 'biased');
    const z = plan.z.arraySync();
    const mask = plan.mask.arraySync();
    expect(z).toEqual([
      [1, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1, 0, 0, 1, 0],
      [0, 0, 0, 0, 0, 1, 0, 0, 1],
    ]);
    expect(mask).toEqual([
      [1, 0, 0, 0, 0, 0, 1, 0, 0],
      [0, 1, 0, 0, 0, 0, 0, 1, 0],
      [0, 1, 0, 0, 0, 0, 0, 1, 0],
      [0, 0, 0, 0, 1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 1, 0, 0, 0],
    ]);
    // n = [1, 2, 0], m = [0, 1, 1]: N11 = max(1, n²), N22 = max(1, m²), −N12/2 = −max(1, nm)/2.
    expect(Array.from(plan.norm.dataSync())).toEqual([1, 4, 1, 1, 1, 1, -0.5, -1, -0.5]);
    expect(plan.shift).toBeNull();
    expect(Array.from(plan.kept)).toEqual([0, 1, 0]);
    expect(Array.from(plan.weight.dataSync())).toEqual([0, 1, 0]);
    disposePlan(plan);
  });

  it('unbiased: n(n−1) normalisers, the diagonal removed, classes need two rows on each side', () => {
    const plan = matchingPlan([0, 0, 1, 1, 1], [0, 0, 1, 2], 3, 'unbiased');
    // n = [2, 3, 0], m = [2, 1, 1].
    expect(Array.from(plan.norm.dataSync())).toEqual([2, 6, 1, 2, 1, 1, -2, -1.5, -0.5]);
    expect(Array.from(plan.shift!.dataSync(), (v) => v + 0)).toEqual([
      -2, -3, 0, -2, -1, -1, 0, 0, 0,
    ]);
    expect(Array.from(plan.kept)).toEqual([1, 0, 0]);
    disposePlan(plan);
  });

  it('refuses a label outside the classes, and disposes everything it made', () => {
    const before = tf.memory().numTensors;
    expect(() => matchingPlan([0, 3], [1], 3, 'biased')).toThrow(/Label 3/);
    expect(() => matchingPlan([0, 1.5], [1], 3, 'biased')).toThrow(/Label 1.5/);
    disposePlan(matchingPlan([0, 1], [1, 2], 3, 'unbiased'));
    expect(tf.memory().numTensors).toBe(before);
  });
});
