/**
 * The shared model cases (modelCases.ts) on the backends Node has (cpu, wasm): the tiny CNN's
 * loss, every parameter's gradient and the loss after one guarded SGD step against the cpu run,
 * and the optimizer's guard to its exact values. The browser page (e2e/pages/kernels.ts) runs
 * the same cases on webgl and webgpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { clearMatchingCache } from '../matching';
import { relativeError } from './kernelCases';
import { guardMismatches, guardOutputs, wholeModelOutputs } from './modelCases';

let cpuModel: Record<string, number[]> | null = null;

for (const backend of ['cpu', 'wasm'] as const)
  describe(`model cases on ${backend}`, () => {
    afterAll(async () => {
      clearMatchingCache();
      await tf.setBackend('wasm');
    });

    it('the tiny CNN: loss, gradients and the loss after one guarded step agree with the cpu run', async () => {
      await tf.setBackend('cpu');
      cpuModel ??= await wholeModelOutputs();
      clearMatchingCache();
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const got = await wholeModelOutputs();
      clearMatchingCache();
      expect(tf.memory().numTensors, 'tensors left').toBe(before);
      // The reference is sound: finite, and the step moved the loss.
      for (const [key, v] of Object.entries(cpuModel))
        expect(v.every(Number.isFinite), key).toBe(true);
      expect(cpuModel['loss after one step']![0]).not.toBe(cpuModel.loss![0]);
      expect(Object.keys(got)).toEqual(Object.keys(cpuModel));
      for (const [key, want] of Object.entries(cpuModel)) {
        expect(relativeError(got[key]!, want), `${key} vs cpu`).toBeLessThan(1e-3);
      }
    });

    it("the optimizer's guard: exact steps while finite, nothing changes after an ∞ gradient", async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      expect(guardMismatches(await guardOutputs())).toEqual([]);
      expect(tf.memory().numTensors, 'tensors left').toBe(before);
    });
  });
