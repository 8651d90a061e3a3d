/**
 * What every kernel of ours shares: the arguments tfjs passes a kernel, the parts of each
 * backend our kernels call, `defineKernel` (one name, one function per backend) and the one
 * registration loop, `registerKernels`. Defining a kernel registers nothing: the backend setup
 * (src/worker/backend.ts, nodeBackend.ts) calls registerEngineKernels() once, explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';

export type KernelBackend = 'cpu' | 'wasm' | 'webgl' | 'webgpu';
export type TensorInfo = tf.TensorInfo;
export type Values = ArrayLike<number>;

/** What tfjs passes a kernel function. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}
export type KernelImpl = (args: KernelArgs) => TensorInfo;

/** What our kernels call on the pure-JS cpu backend. */
export interface CpuBackendLike {
  readSync(dataId: unknown): tf.TypedArray;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): TensorInfo;
}
/** What our kernels call on tfjs-wasm's backend (tensor data on the wasm heap). */
export interface WasmBackendLike {
  readSync(dataId: unknown): tf.TypedArray;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    offset?: number,
    values?: tf.TypedArray,
  ): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tf.TypedArray;
}
/** What our kernels call on tfjs-webgl's backend. */
export interface WebGlBackendLike {
  runWebGLProgram(
    program: object,
    inputs: TensorInfo[],
    dtype: tf.DataType,
    customUniformValues?: number[][],
  ): TensorInfo;
}
/** What our kernels call on tfjs-webgpu's backend. */
export interface WebGpuBackendLike {
  runWebGPUProgram(
    program: object,
    inputs: TensorInfo[],
    dtype: tf.DataType,
    uniforms?: Array<{ type: string; data: number[] }>,
  ): TensorInfo;
  disposeData(dataId: unknown): void;
}

/** A kernel: its name and its function on each backend that has one. */
export interface KernelDefinition {
  name: string;
  backends: Partial<Record<KernelBackend, KernelImpl>>;
}

export function defineKernel(
  name: string,
  backends: Partial<Record<KernelBackend, KernelImpl>>,
): KernelDefinition {
  return { name, backends };
}

/** tfjs's kernels that ours replaced, by backend and name, for the cases ours hand back. */
const replaced = new Map<string, tf.KernelFunc>();

/**
 * Registers each definition on each of its backends. Idempotent. A kernel of tfjs's of the same
 * name is replaced (registerKernel would only warn and keep it): its setup and dispose steps
 * stay (they bind the native function), and `nativeKernel` still reaches it.
 */
export function registerKernels(definitions: readonly KernelDefinition[]): void {
  for (const { name, backends } of definitions) {
    for (const [backendName, impl] of Object.entries(backends)) {
      const kernelFunc = impl as unknown as tf.KernelFunc;
      const existing = tf.getKernel(name, backendName);
      if (existing?.kernelFunc === kernelFunc) continue;
      if (existing != null) {
        replaced.set(`${backendName}/${name}`, existing.kernelFunc);
        tf.unregisterKernel(name, backendName);
      }
      tf.registerKernel({
        kernelName: name,
        backendName,
        kernelFunc,
        setupFunc: existing?.setupFunc,
        disposeFunc: existing?.disposeFunc,
      });
    }
  }
}

/** Whether `backend` (default: the active one) has a kernel called `name`. */
export function hasKernel(name: string, backend: string = tf.getBackend()): boolean {
  return tf.getKernel(name, backend) !== undefined;
}

/** tfjs's own kernel that ours replaced on `backend`, if any. */
export function nativeKernel(name: string, backend: string): tf.KernelFunc | undefined {
  return replaced.get(`${backend}/${name}`);
}

/** A kernel's attributes as the interface tfjs declares for them (e.g. tf.TileAttrs). */
export function attrsOf<T>(attrs: tf.NamedAttrMap | undefined): T {
  return attrs as unknown as T;
}

/** Runs kernel `name` on the active backend (inputs are tensors; the caller owns the result). */
export function runKernel<T extends tf.Tensor>(
  name: string,
  inputs: tf.NamedTensorMap,
  attrs: object = {},
): T {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as T;
}
