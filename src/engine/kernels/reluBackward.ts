/**
 * `ItraReluBackward` (dy, y) → dy where y > 0, else 0: the gradient through a ReLU whose
 * output y was saved, as one elementwise program (elementwise.ts) instead of tfjs's two
 * full-size kernels, step(y) then a multiply (cpu, webgl, webgpu; wasm keeps those two). Used
 * by the fused conv and dense layers' gradients (models.ts). Non-finite values come out where dy·step(y) gives them (NaN or ±∞ in
 * dy, NaN in y), so a diverging step still reaches the guard as non-finite.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defineElementwiseKernel } from './elementwise';
import { hasKernel, runKernel } from './registry';

export const RELU_BACKWARD = 'ItraReluBackward';

export const reluBackwardKernel = defineElementwiseKernel({
  name: RELU_BACKWARD,
  inputs: ['dy', 'y'],
  shapeFrom: 'dy',
  // Not wasm: its SIMD step and multiply beat a JS loop over the heap.
  backends: ['cpu', 'webgl', 'webgpu'],
  // As dy·step(y): dy where y > 0; elsewhere dy·0, i.e. 0, or NaN where dy is NaN or ±∞ (or
  // y is NaN), so a non-finite gradient at a switched-off unit still reaches the guard.
  loop(n, [dy, y], out) {
    for (let i = 0; i < n; i++) {
      const v = y![i]!;
      const d = dy![i]!;
      out[i] = v > 0 ? d : v <= 0 ? d * 0 : Number.NaN;
    }
  },
  // isnan, isinf, NAN: tfjs's shader helpers (comparisons with NaN are not reliable in shaders,
  // and a compiler may fold d * 0.0 to 0.0).
  glsl: `
    float v = getYAtOutCoords();
    float d = getDyAtOutCoords();
    if (v > 0.0) {
      setOutput(d);
    } else if (isnan(v) || isnan(d) || isinf(d)) {
      setOutput(NAN);
    } else {
      setOutput(0.0);
    }`,
  wgsl: `
    let v = y[index];
    let d = dy[index];
    if (v > 0.0) {
      result[index] = d;
    } else if (isnan(v) || isnan(d) || isinf(d)) {
      result[index] = uniforms.NAN;
    } else {
      result[index] = 0.0;
    }`,
});

/** dy · step(y) for the saved output y of a ReLU, as one kernel where we have one. */
export const reluBackward = <T extends tf.Tensor>(dy: T, y: T): T =>
  (hasKernel(RELU_BACKWARD) ? runKernel(RELU_BACKWARD, { dy, y }) : tf.mul(dy, tf.step(y))) as T;
