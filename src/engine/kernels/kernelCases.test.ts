/**
 * The shared kernel-case table (kernelCases.ts) on the backends Node has (cpu, wasm): the
 * elementwise kernels' exact values and Match_c with its gradients against the cpu run. The
 * browser page (e2e/pages/kernels.ts) runs the same table on webgl and webgpu; the median cases
 * run in median.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { clearMatchingCache } from '../matching';
import { ELEMENTWISE_CASES, exactMismatch, matchingOutputs, relativeError } from './kernelCases';

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
  });
