/**
 * Gradient kernels of our own for tfjs's pure-JS cpu backend, used by the engine's layers
 * (models.ts) instead of tfjs's kernels of the same job:
 *
 * - `ItraConv2DBackpropFilter`: tfjs's cpu Conv2DBackpropFilter reads every operand through
 *   TensorBuffer.get, most of a `tiny` step (bench/PERFORMANCE.md, "Kernel notes"). Ours is a
 *   flat typed-array loop.
 * - `ItraMaxPoolGrad`: the same for MaxPoolGrad (buffer.get per window element, and a second
 *   pass to find each window's maximum).
 *
 * They are registered under names of their own rather than over tfjs's, so that code that
 * does not ask for them (tf.layers, model.fit, the bench's peer) runs tfjs's kernels as before.
 * Both give tfjs's results for finite values (gradientLoops.ts; checked against the stock
 * kernels in cpuGradients.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  conv2DFilterGradient,
  filterGradInfo,
  isDisjoint2x2Pool,
  maxPool2x2GradientWrite,
  maxPoolGradInfo,
  maxPoolGradientInto,
} from './gradientLoops';
import { type CpuBackendLike, defineKernel, hasKernel, type KernelArgs } from './registry';

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as CpuBackendLike;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const info = filterGradInfo(x.shape, attrs);
  const dw = conv2DFilterGradient(info, b.readSync(x.dataId), b.readSync(dy.dataId));
  const { filterHeight, filterWidth, inChannels, outChannels } = info;
  return b.makeTensorInfo([filterHeight, filterWidth, inChannels, outChannels], 'float32', dw);
}

function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as CpuBackendLike;
  const {
    dy,
    input: x,
    output: y,
  } = inputs as Record<string, tf.TensorInfo | undefined> & {
    dy: tf.TensorInfo;
    input: tf.TensorInfo;
  };
  const info = maxPoolGradInfo(x.shape, attrs);
  const dx = new Float32Array(x.shape.reduce((a, c) => a * c, 1));
  const [xv, dyv] = [b.readSync(x.dataId), b.readSync(dy.dataId)];
  if (y != null && isDisjoint2x2Pool(info)) {
    maxPool2x2GradientWrite(info, xv, b.readSync(y.dataId), dyv, dx);
  } else maxPoolGradientInto(info, xv, dyv, dx);
  return b.makeTensorInfo(x.shape, 'float32', dx);
}

const OURS = {
  [tf.Conv2DBackpropFilter]: { name: 'ItraConv2DBackpropFilter', kernelFunc: conv2DBackpropFilter },
  [tf.MaxPoolGrad]: { name: 'ItraMaxPoolGrad', kernelFunc: maxPoolGrad },
} as const;

export const CPU_GRADIENT_KERNELS = Object.values(OURS).map(({ name, kernelFunc }) =>
  defineKernel(name, { cpu: kernelFunc }),
);

/**
 * The kernel the engine runs for `tfjsName` on the active backend: ours where registered (cpu),
 * tfjs's otherwise. Same inputs and attributes either way.
 */
export function gradientKernel(tfjsName: typeof tf.Conv2DBackpropFilter | typeof tf.MaxPoolGrad) {
  const ours = OURS[tfjsName].name;
  return hasKernel(ours) ? ours : tfjsName;
}
