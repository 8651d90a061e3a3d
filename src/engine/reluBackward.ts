/**
 * `ItraReluBackward` (dy, y) → dy where y > 0, else 0: the gradient through a ReLU whose
 * output y was saved, as one elementwise program (elementwiseKernels.ts) instead of tfjs's two
 * full-size kernels, step(y) then a multiply (cpu, webgl, webgpu; wasm keeps those two). Used by the fused conv and dense layers'
 * gradients (models.ts). A NaN in y passes NaN on, as step(NaN)·dy does, so a diverging step
 * still reaches the guard as non-finite.
 */
import * as tf from '@tensorflow/tfjs';
import { registerElementwiseKernel } from './elementwiseKernels';

export const RELU_BACKWARD = 'ItraReluBackward';

registerElementwiseKernel({
  name: RELU_BACKWARD,
  inputs: ['dy', 'y'],
  shapeFrom: 'dy',
  // Not wasm: its SIMD step and multiply take ~3 ms for the `small` CNN's ReLUs, a JS loop
  // over the heap ~9 ms.
  backends: ['cpu', 'webgl', 'webgpu'],
  loop(n, [dy, y], out) {
    for (let i = 0; i < n; i++) {
      const v = y![i]!;
      out[i] = v > 0 ? dy![i]! : v <= 0 ? 0 : Number.NaN;
    }
  },
  // isnan: tfjs's shader helpers (comparisons with NaN are not reliable in shaders).
  glsl: `
    float v = getYAtOutCoords();
    setOutput(isnan(v) ? v : (v > 0.0 ? getDyAtOutCoords() : 0.0));`,
  wgsl: `
    let v = y[index];
    if (isnan(v)) {
      result[index] = v;
    } else if (v > 0.0) {
      result[index] = dy[index];
    } else {
      result[index] = 0.0;
    }`,
});

/** dy · [y > 0] for the saved output y of a ReLU (NaN where y is NaN). */
export const reluBackward = <T extends tf.Tensor>(dy: T, y: T): T =>
  (tf.getKernel(RELU_BACKWARD, tf.getBackend())
    ? tf.engine().runKernel(RELU_BACKWARD, { dy, y })
    : tf.mul(dy, tf.step(y))) as T;
