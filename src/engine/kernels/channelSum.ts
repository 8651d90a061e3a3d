/**
 * `ItraChannelSum`: the sum of a tensor over every axis but the last, [..., C] → [C] — a bias's
 * gradient. On the cpu backend one pass over the rows, summing in float64; on wasm and emulated
 * GPUs per-image average pools (below); elsewhere tfjs's Sum.
 *
 * Why: tfjs's Sum over leading axes transposes first, then reduces; a rank-4 [N,H,W,C] sum is
 * faster as a global average pool per image, a sum over the N images and a product by H·W
 * (figures: bench/PERFORMANCE.md, "Kernel notes"). XNNPACK's pool (wasm) turns a NaN into -∞:
 * still non-finite, which is all the step guard asks. Real GPUs keep tfjs's Sum.
 */
import * as tf from '@tensorflow/tfjs-core';
import { onEmulatedWebGl, onEmulatedWebGpu } from './programChoices';
import {
  type CpuBackendLike,
  defineKernel,
  hasKernel,
  type KernelArgs,
  runKernel,
  type TensorInfo,
} from './registry';

export const CHANNEL_SUM = 'ItraChannelSum';

/** Column sums of the row-major rows × channels `x`, in float64. */
export function channelSums(x: ArrayLike<number>, channels: number): Float32Array {
  const acc = new Float64Array(channels);
  const n = x.length;
  for (let at = 0; at < n; at += channels) {
    for (let c = 0; c < channels; c++) acc[c]! += x[at + c]!;
  }
  return Float32Array.from(acc);
}

const channelsOf = (x: TensorInfo) => x.shape[x.shape.length - 1] ?? 1;

function onCpu({ inputs, backend }: KernelArgs): TensorInfo {
  const b = backend as CpuBackendLike;
  const x = inputs.x!;
  const c = channelsOf(x);
  return b.makeTensorInfo([c], 'float32', channelSums(b.readSync(x.dataId), c));
}

export const channelSumKernel = defineKernel(CHANNEL_SUM, { cpu: onCpu });

/** Σ over every axis but the last: [..., C] → [C]. */
export function channelSum(x: tf.Tensor): tf.Tensor1D {
  if (x.rank < 1) throw new Error('channelSum: a tensor of rank ≥ 1 expected');
  if (hasKernel(CHANNEL_SUM)) return runKernel(CHANNEL_SUM, { x });
  if (x.rank === 4 && (tf.getBackend() === 'wasm' || onEmulatedWebGl() || onEmulatedWebGpu())) {
    const [, h, w] = x.shape as [number, number, number, number];
    return tf.tidy(() => {
      const means = tf.avgPool(x as tf.Tensor4D, [h, w], [h, w], 'valid');
      return tf.mul(tf.sum(means, [0, 1, 2]), h * w) as tf.Tensor1D;
    });
  }
  return tf.sum(
    x,
    Array.from({ length: x.rank - 1 }, (_, i) => i),
  ) as tf.Tensor1D;
}
