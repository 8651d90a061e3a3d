/**
 * The matching loss's three heavy steps as one kernel each (matching.ts uses them on the cpu
 * backend and on CPU-emulated WebGPU; wasm, WebGL and real GPUs keep the composite of tfjs ops):
 *
 * - `ItraPairwiseSqDist`: D_ij = Σ_f (h_if − h_jf)², n×n. Differences, not ‖a‖² + ‖b‖² − 2a·b:
 *   exactly 0 on the diagonal, exactly symmetric, ≥ 0, and no cancellation.
 * - `ItraClassMmd2`: with K = exp(D·(−1/σ)) and row i of class cls_i (S1 = rows < m1), per
 *   class the estimator's MMD² from the same-class kernel sums s11, s22 (diagonal included),
 *   s12: biased s11/n² + s22/m² − 2·s12/(nm), unbiased (s11 − n)/(n(n−1)) + (s22 − m)/(m(m−1))
 *   − 2·s12/(nm), every normaliser at least 1 (matchingPlan.ts's conventions). The sums are
 *   ~n² while MMD² is their small difference: on cpu they stay in float64 until MMD² (as
 *   float32 sums, as in the composite, they lose ~1e-3 of MMD² on the golden collapsed case).
 * - `ItraMatchingGradient`: ∂L/∂h_i = Σ_j S_ij (h_i − h_j) with S_ij = K_ij·w(i, j), where for
 *   a same-class pair w = 2·coef[c] (both in S1), 2·coef[C + c] (both in S2), coef[2C + c]
 *   (one in each), and 0 across classes: the composite's (rowsum(sym)·h − sym·h) with
 *   sym = twoG + twoGᵀ, written per pair (coef is its 3C vector w3, the scalar factors in it).
 *
 * Why: the composite is ~30 kernels on 128×128 matrices per step (four matrix products, a
 * transpose, five reductions, broadcasts); one kernel each, evaluating K on same-class pairs
 * only, is several times faster on cpu and emulated WebGPU (bench/PERFORMANCE.md, "Kernel
 * notes"). wasm and WebGL keep the composite (wasm: see the registration below).
 * Class indices travel as float32 (exact for any class count here).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  classMmd2Loop,
  matchingGradientLoop,
  type PairAttrs,
  pairwiseSqDistLoop,
} from './matchingLoops';
import {
  ClassMmd2Program,
  type FlatProgram,
  MatchingGradientProgram,
  PairwiseSqDistProgram,
} from './matchingPrograms';
import { onEmulatedWebGpu } from './programChoices';
import {
  type CpuBackendLike,
  defineKernel,
  hasKernel,
  type KernelArgs,
  runKernel,
  type TensorInfo,
  type WebGpuBackendLike,
} from './registry';

export const PAIRWISE_SQ_DIST = 'ItraPairwiseSqDist';
export const CLASS_MMD2 = 'ItraClassMmd2';
export const MATCHING_GRADIENT = 'ItraMatchingGradient';

function inMemory(
  compute: (
    read: (name: string) => tf.TypedArray,
    args: KernelArgs,
  ) => {
    shape: number[];
    values: Float32Array;
  },
) {
  return (args: KernelArgs): TensorInfo => {
    const b = args.backend as CpuBackendLike;
    const read = (name: string) => {
      const t = args.inputs[name];
      if (!t) throw new Error(`missing kernel input '${name}'`);
      return b.readSync(t.dataId);
    };
    const { shape, values } = compute(read, args);
    return b.makeTensorInfo(shape, 'float32', values);
  };
}

const pairAttrs = (attrs: tf.NamedAttrMap | undefined): PairAttrs & { unbiased: boolean } => ({
  m1: attrs?.m1 as number,
  numClasses: attrs?.numClasses as number,
  unbiased: attrs?.unbiased === true,
});

const onCpu = {
  [PAIRWISE_SQ_DIST]: inMemory((read, { inputs }) => {
    const [n, dim] = inputs.h!.shape as [number, number];
    return { shape: [n, n], values: pairwiseSqDistLoop(read('h'), n, dim) };
  }),
  [CLASS_MMD2]: inMemory((read, { attrs }) => {
    const a = pairAttrs(attrs);
    return {
      shape: [a.numClasses],
      values: classMmd2Loop(read('d'), read('sigma')[0]!, read('cls'), a),
    };
  }),
  [MATCHING_GRADIENT]: inMemory((read, { inputs, attrs }) => {
    const [n, dim] = inputs.h!.shape as [number, number];
    const values = matchingGradientLoop(
      read('h'),
      dim,
      read('d'),
      read('sigma')[0]!,
      read('cls'),
      read('coef'),
      pairAttrs(attrs),
    );
    return { shape: [n, dim], values };
  }),
};

function onWebGpu(
  make: (inputs: TensorInfo[], a: PairAttrs & { unbiased: boolean }) => FlatProgram,
  names: string[],
) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const a = pairAttrs(attrs);
    const ins = names.map((name) => inputs[name]!);
    const i32 = (v: number) => ({ type: 'int32', data: [v ?? 0] });
    return (backend as WebGpuBackendLike).runWebGPUProgram(make(ins, a), ins, 'float32', [
      i32(a.m1),
      i32(a.numClasses),
    ]);
  };
}

const onGpu = {
  [PAIRWISE_SQ_DIST]: onWebGpu(
    ([h]) => new PairwiseSqDistProgram([h!.shape[0]!, h!.shape[0]!]),
    ['h'],
  ),
  [CLASS_MMD2]: onWebGpu(
    (_, a) => new ClassMmd2Program([a.numClasses], a.unbiased),
    ['d', 'sigma', 'cls'],
  ),
  [MATCHING_GRADIENT]: onWebGpu(
    ([h]) => new MatchingGradientProgram(h!.shape),
    ['h', 'd', 'sigma', 'cls', 'coef'],
  ),
};

// Not on wasm: there the composite's products run on XNNPACK, faster than these loops.
export const MATCHING_KERNELS = ([PAIRWISE_SQ_DIST, CLASS_MMD2, MATCHING_GRADIENT] as const).map(
  (name) => defineKernel(name, { cpu: onCpu[name], webgpu: onGpu[name] }),
);

// ---------------------------------------------------------------- ops

/**
 * Whether the active backend runs the matching loss through these kernels: cpu, and WebGPU on
 * a CPU-emulated adapter (the class sums run 3C invocations, each over its class's pairs: fine
 * for SwiftShader's few threads, a poor fit for a real GPU, where tfjs's products stay; not
 * measured there).
 */
export function hasMatchingKernels(): boolean {
  const backend = tf.getBackend();
  if (backend === 'webgpu' && !onEmulatedWebGpu()) return false;
  return hasKernel(MATCHING_GRADIENT, backend);
}

const run = runKernel;
export function pairwiseSqDistKernel(h: tf.Tensor2D): tf.Tensor2D {
  return run(PAIRWISE_SQ_DIST, { h });
}

/** Per-class MMD² (C) of the estimator, from D and σ (classes that are not kept included). */
export function classMmd2(
  d: tf.Tensor2D,
  sigma: tf.Scalar,
  cls: tf.Tensor1D,
  attrs: PairAttrs & { unbiased: boolean },
): tf.Tensor1D {
  return run(CLASS_MMD2, { d, sigma, cls }, attrs);
}

export function matchingGradient(
  h: tf.Tensor2D,
  d: tf.Tensor2D,
  sigma: tf.Scalar,
  cls: tf.Tensor1D,
  coef: tf.Tensor1D,
  attrs: PairAttrs,
): tf.Tensor2D {
  return run(MATCHING_GRADIENT, { h, d, sigma, cls, coef }, attrs);
}
