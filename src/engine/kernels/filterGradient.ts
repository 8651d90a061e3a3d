/**
 * The filter gradient of the engine's convolutions (3x3, stride 1, 'same', NHWC; convBias in
 * models.ts). For each filter tap (a, b) it is one matrix product,
 *
 *   dL/dW[a, b, :, :] = X_abᵀ · dY,   X_ab = the padded input shifted by (a, b), [N·H·W, Cin],
 *
 * nine products of [Cin × N·H·W]·[N·H·W × Cout] instead of tfjs's Conv2DBackpropFilter program.
 *
 * Why: on CPU-emulated GPUs (SwiftShader), tfjs's WebGL and WebGPU filter-gradient programs run
 * one invocation per filter element, each looping over all N·H·W pixels: the `small` CNN's
 * 32→64 layer (batch 64) took 3.7 s on WebGL, 3.0 s on WebGPU, most of a step. As nine matrix
 * products it takes 0.5 s on WebGL and 0.9 s on WebGPU. For few input channels tfjs's program
 * stays faster (WebGL: Cin = 1; WebGPU: Cin = 1 and 8, where nine thin products do not pay):
 * measured thresholds below. Real GPUs and the cpu/wasm backends keep their kernels (not
 * measured on a real GPU; cpu and wasm have their own, cpuGradients.ts and wasmGradients.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gradientKernel } from './cpuGradients';
import { onEmulatedWebGl, onEmulatedWebGpu } from './programChoices';
import { runKernel } from './registry';

/** Fewest input channels for which the per-tap products beat tfjs's program (measured). */
const TAPS_FROM_CHANNELS = { webgl: 8, webgpu: 32 } as const;

/** Whether `convFilterGradient` uses the per-tap products for this many input channels here. */
export function filterGradientByTaps(inChannels: number): boolean {
  if (onEmulatedWebGl()) return inChannels >= TAPS_FROM_CHANNELS.webgl;
  if (onEmulatedWebGpu()) return inChannels >= TAPS_FROM_CHANNELS.webgpu;
  return false;
}

/** dL/dW as nine products, one per tap (any backend: the unit tests run it on cpu). */
export function tapFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, cin] = x.shape;
    const cout = dy.shape[3];
    const rows = n * h * w;
    const before = Math.floor((size - 1) / 2);
    const after = size - 1 - before;
    const padded = tf.pad(x, [
      [0, 0],
      [before, after],
      [before, after],
      [0, 0],
    ]);
    const dy2 = tf.reshape(dy, [rows, cout]);
    const taps: tf.Tensor2D[] = [];
    for (let a = 0; a < size; a++) {
      for (let b = 0; b < size; b++) {
        const tap = tf.slice(padded, [0, a, b, 0], [n, h, w, cin]);
        taps.push(tf.matMul(tf.reshape(tap, [rows, cin]), dy2, true, false));
        tap.dispose(); // one shifted copy alive at a time (nine: ~58 MB at 64×28×28×32)
      }
    }
    return tf.reshape(tf.stack(taps), [size, size, cin, cout]) as tf.Tensor4D;
  });
}

/** dL/dW of the engine's 3x3 stride-1 'same' convolution, by the faster route here. */
export function convFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
): tf.Tensor4D {
  const [fh, fw, cin] = filterShape;
  if (fh === fw && filterGradientByTaps(cin)) return tapFilterGradient(x, dy, fh);
  return runKernel<tf.Tensor4D>(
    gradientKernel(tf.Conv2DBackpropFilter),
    { x, dy },
    {
      strides: [1, 1],
      pad: 'same',
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
      filterShape,
    },
  );
}
