/**
 * How our wasm kernels call tfjs-wasm's own: a kernel of its by name, the one ours replaced
 * (for the cases ours hand back), and freeing intermediate results.
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, nativeKernel } from './registry';

export type Shape4 = [number, number, number, number];

/** Runs one of wasm's own kernels; the caller owns (and must dispose) the result. */
export function runWasm(
  kernelName: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (kernel == null) throw new Error(`wasm backend has no '${kernelName}' kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

export function release(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function input(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`missing kernel input '${name}'`);
  return t;
}

/** Runs wasm's own kernel `name`, which ours replaced (registry.ts keeps it). */
export function runNative(name: string, args: KernelArgs): tf.TensorInfo {
  const kernelFunc = nativeKernel(name, 'wasm');
  if (kernelFunc == null) throw new Error(`wasm backend has no native '${name}' kernel`);
  return kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}
