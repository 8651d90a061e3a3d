/**
 * The shared kernel-case table (kernelCases.ts) on the backends Node has (cpu, wasm): the
 * elementwise kernels' exact values, Match_c with its gradients against the cpu run, and the
 * direct-convolution cases (the kernel is WebGPU's: here tfjs's unfused ops stand in for it,
 * which checks the cases and their NaN-aware comparison). The browser page
 * (e2e/pages/kernels.ts) runs the same table on webgl and webgpu; the median cases run in
 * median.test.ts, the filter gradient in filterGradient.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { clearMatchingCache } from '../matching';
import { DIRECT_CONV2D } from './directConv';
import {
  DIRECT_CONV_CASES,
  directConvErrors,
  ELEMENTWISE_CASES,
  exactMismatch,
  matchingOutputs,
  relativeError,
} from './kernelCases';
import { hasKernel } from './registry';

let cpuMatching: Record<string, number[]> | null = null;

for (const backend of ['cpu', 'wasm'] as const)
  describe(`kernel cases on ${backend}`, () => {
    afterAll(async () => {
      clearMatchingCache();
      await tf.setBackend('wasm');
    });

    it.each(ELEMENTWISE_CASES.map((c) => [c.name, c] as const))('%s: exact', async (_, c) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const out = tf.tidy(c.run);
      expect(exactMismatch(await out.data(), c.want)).toBeNull();
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('Match_c, σ and gradients agree with the cpu run', async () => {
      await tf.setBackend('cpu');
      cpuMatching ??= await matchingOutputs();
      await tf.setBackend(backend);
      const got = await matchingOutputs();
      // A class present in S1 only gets zero gradient rows.
      const dH1 = got['biased dH1']!;
      for (let row = 4; row < 24; row += 5)
        for (let k = 0; k < 6; k++) expect(Math.abs(dH1[row * 6 + k]!)).toBe(0);
      for (const [key, want] of Object.entries(cpuMatching)) {
        expect(relativeError(got[key]!, want), key).toBeLessThan(1e-3);
      }
    });

    it('direct convolution cases: conv2d + bias (+ ReLU) agrees with FusedConv2D, NaN kept', async () => {
      await tf.setBackend(backend);
      expect(hasKernel(DIRECT_CONV2D), 'the direct convolution is WebGPU only').toBe(false);
      const before = tf.memory().numTensors;
      const errors = await directConvErrors((i, a) =>
        tf.tidy(() => {
          const y = tf.add(tf.conv2d(i.x, i.filter, a.strides, a.pad), i.bias);
          return a.activation === 'relu' ? tf.relu(y) : y;
        }),
      );
      expect(errors.map((e) => e.name)).toEqual(DIRECT_CONV_CASES.map((c) => c.name));
      for (const e of errors) expect(e.error, e.name).toBeLessThan(1e-5);
      expect(tf.memory().numTensors, 'tensors left').toBe(before);
    });
  });
