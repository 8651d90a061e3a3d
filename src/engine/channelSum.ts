/**
 * `ItraChannelSum`: the sum of a tensor over every axis but the last, [..., C] → [C] — a bias's
 * gradient. On the cpu backend one pass over the rows, summing in float64; elsewhere tfjs's Sum.
 *
 * Why: tfjs's cpu Sum over leading axes is a transpose then a reduction, ~30 ms of a `tiny`
 * step for the engine's bias gradients. (On wasm the same JS loop over the heap was no faster
 * than wasm's own Sum: not registered there.)
 */
import * as tf from '@tensorflow/tfjs';

export const CHANNEL_SUM = 'ItraChannelSum';

type TensorInfo = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** Column sums of the row-major rows × channels `x`, in float64. */
export function channelSums(x: ArrayLike<number>, channels: number): Float32Array {
  const acc = new Float64Array(channels);
  const n = x.length;
  for (let at = 0; at < n; at += channels) {
    for (let c = 0; c < channels; c++) acc[c]! += x[at + c]!;
  }
  return Float32Array.from(acc);
}

interface CpuBackendLike {
  readSync(dataId: unknown): tf.TypedArray;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): TensorInfo;
}
const channelsOf = (x: TensorInfo) => x.shape[x.shape.length - 1] ?? 1;

function onCpu({ inputs, backend }: KernelArgs): TensorInfo {
  const b = backend as CpuBackendLike;
  const x = inputs.x!;
  const c = channelsOf(x);
  return b.makeTensorInfo([c], 'float32', channelSums(b.readSync(x.dataId), c));
}

if (!tf.getKernel(CHANNEL_SUM, 'cpu')) {
  tf.registerKernel({
    kernelName: CHANNEL_SUM,
    backendName: 'cpu',
    kernelFunc: onCpu as unknown as tf.KernelFunc,
  });
}

/** Σ over every axis but the last: [..., C] → [C]. */
export function channelSum(x: tf.Tensor): tf.Tensor1D {
  if (x.rank < 1) throw new Error('channelSum: a tensor of rank ≥ 1 expected');
  if (tf.getKernel(CHANNEL_SUM, tf.getBackend())) {
    return tf.engine().runKernel(CHANNEL_SUM, { x }) as tf.Tensor1D;
  }
  return tf.sum(
    x,
    Array.from({ length: x.rank - 1 }, (_, i) => i),
  ) as tf.Tensor1D;
}
