/**
 * The median-bandwidth kernel on the backends Node has (wasm, cpu): the exact median of the
 * strict upper triangle, the same as tfjs's topk path, the floor, and no gradient leak.
 * (The WGSL version runs in real Chromium: e2e/kernels.spec.ts.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { clearMatchingCache, medianBandwidth, pairwiseSqDist, SIGMA_FLOOR } from '../matching';
import { medianCases } from './kernelCases';
import {
  hasMedianKernel,
  UPPER_TRIANGLE_MEDIAN,
  upperTriangleMedian,
  upperTriangleMedianKernel,
} from './median';

/** The reference: topk over the gathered upper triangle, as the engine did before the kernel. */
function topkMedian(d: tf.Tensor2D): number {
  const n = d.shape[0];
  const idx: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) idx.push(i * n + j);
  const pairs = idx.length;
  return tf.tidy(() => {
    const v = tf.gather(tf.reshape(d, [-1]), tf.tensor1d(idx, 'int32'));
    const k = Math.floor(pairs / 2) + 1;
    const { values } = tf.topk(v, k, true);
    const top = values.dataSync();
    return pairs % 2 === 1 ? top[k - 1]! : Math.fround((top[k - 2]! + top[k - 1]!) / 2);
  });
}

describe('upperTriangleMedian (the CPU reference)', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    // 3×3: pairs (0,1)=5 (0,2)=1 (1,2)=3 → 3.   4×4: 6 pairs 1..6 → 3.5.
    expect(upperTriangleMedian([0, 5, 1, 9, 0, 3, 9, 9, 0], 3)).toBe(3);
    const m4 = [0, 6, 2, 4, 0, 0, 1, 5, 0, 0, 0, 3, 0, 0, 0, 0];
    expect(upperTriangleMedian(m4, 4)).toBe(3.5);
  });
  it('ignores the diagonal and the lower triangle', () => {
    expect(upperTriangleMedian([100, 2, -7, 100], 2)).toBe(2);
  });
  it('selects what a full sort gives: random sizes, many ties, a NaN', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(rand() * 40);
      // Few distinct values in some trials (ties), float32 values in others.
      const levels = trial % 3 === 0 ? 3 : 0;
      const m = Array.from({ length: n * n }, () =>
        levels ? Math.floor(rand() * levels) : Math.fround(rand() * 10 - 5),
      );
      if (trial % 17 === 0) m[1] = Number.NaN; // (0, 1): in the upper triangle
      const pairs: number[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push(m[i * n + j]!);
      const sorted = Float32Array.from(pairs).sort();
      const mid = pairs.length >> 1;
      const want = pairs.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      expect(upperTriangleMedian(m, n)).toBe(want);
    }
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`${UPPER_TRIANGLE_MEDIAN} on ${backend}`, () => {
    afterAll(async () => {
      clearMatchingCache();
      await tf.setBackend('wasm');
    });

    it('is registered and gives the same σ as topk, ties and odd/even counts included', async () => {
      await tf.setBackend(backend);
      expect(hasMedianKernel(128)).toBe(true);
      // The shared table (kernelCases.ts; the browser page runs it on webgl and webgpu).
      for (const c of medianCases()) {
        const h = tf.tensor2d(c.values, [c.rows, c.dim]);
        const d = pairwiseSqDist(h);
        const s = medianBandwidth(d);
        expect(s.shape).toEqual([]);
        const want = Math.fround(Math.max(SIGMA_FLOOR, topkMedian(d)));
        expect(s.dataSync()[0], c.name).toBe(want);
        // The CPU reference the page compares against gives the same.
        const ref = Math.fround(Math.max(SIGMA_FLOOR, upperTriangleMedian(d.dataSync(), c.rows)));
        expect(ref, c.name).toBe(want);
        tf.dispose([h, d, s]);
      }
    });

    it('floors σ at 1e-6 when the features are all equal', async () => {
      await tf.setBackend(backend);
      const h = tf.fill([6, 3], 0.25) as tf.Tensor2D;
      const d = pairwiseSqDist(h);
      const s = medianBandwidth(d);
      expect(s.dataSync()[0]).toBe(Math.fround(SIGMA_FLOOR));
      tf.dispose([h, d, s]);
    });

    it('a matrix with no pair (n < 2) gives the floor', async () => {
      await tf.setBackend(backend);
      const one = tf.zeros([1, 1]) as tf.Tensor2D;
      const s = upperTriangleMedianKernel(one, SIGMA_FLOOR);
      expect(s.dataSync()[0]).toBe(Math.fround(SIGMA_FLOOR));
      tf.dispose([one, s]);
    });

    it('leaves no tensor behind', async () => {
      await tf.setBackend(backend);
      const h = tf.randomNormal([20, 4]) as tf.Tensor2D;
      const d = pairwiseSqDist(h);
      tf.dispose(medianBandwidth(d));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) tf.dispose(medianBandwidth(d));
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([h, d]);
    });
  });
}
