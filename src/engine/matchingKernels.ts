/**
 * The matching loss's three heavy steps as one kernel each (matching.ts uses them where they
 * are registered: cpu and webgpu; wasm and WebGL keep the composite of tfjs ops):
 *
 * - `ItraPairwiseSqDist`: D_ij = Σ_f (h_if − h_jf)², n×n. Differences, not ‖a‖² + ‖b‖² − 2a·b:
 *   exactly 0 on the diagonal, exactly symmetric, ≥ 0, and no cancellation.
 * - `ItraClassKernelSums`: with K = exp(D·(−1/σ)) and row i of class cls_i, the 3C per-class
 *   sums [Σ_{S1×S1} K | Σ_{S2×S2} K | Σ_{S1×S2} K] over same-class pairs (S1 = rows < m1),
 *   diagonal included: what colsum(mask ⊙ K·z) gives in the composite (matchingPlan.ts).
 * - `ItraMatchingGradient`: ∂L/∂h_i = Σ_j S_ij (h_i − h_j) with S_ij = K_ij·w(i, j), where for
 *   a same-class pair w = 2·coef[c] (both in S1), 2·coef[C + c] (both in S2), coef[2C + c]
 *   (one in each), and 0 across classes: the composite's (rowsum(sym)·h − sym·h) with
 *   sym = twoG + twoGᵀ, written per pair (coef is its 3C vector w3, the scalar factors in it).
 *
 * Why: the composite is ~30 kernels on 128×128 matrices per step (four matrix products, a
 * transpose, five reductions, broadcasts); on CPU-emulated WebGPU they cost ~90 ms of a 1.6 s
 * `tiny` ITRA-c step, on the cpu backend 13 ms (tfjs's cpu broadcasts and products; the loops
 * here: 1.8 ms, evaluating K on same-class pairs only). Registered for cpu and webgpu; wasm
 * and WebGL keep the composite (wasm: see the registration below).
 * Class indices travel as float32 (exact for any class count here).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGpuBackendLike } from './elementwiseKernels';

export const PAIRWISE_SQ_DIST = 'ItraPairwiseSqDist';
export const CLASS_KERNEL_SUMS = 'ItraClassKernelSums';
export const MATCHING_GRADIENT = 'ItraMatchingGradient';

type TensorInfo = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Values = ArrayLike<number>;
interface PairAttrs {
  m1: number;
  numClasses: number;
}

// ---------------------------------------------------------------- loops (cpu, wasm)

export function pairwiseSqDistLoop(h: Values, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let acc = 0;
      for (let f = 0; f < dim; f++) {
        const t = h[i * dim + f]! - h[j * dim + f]!;
        acc += t * t;
      }
      out[i * n + j] = acc;
      out[j * n + i] = acc;
    }
  }
  return out;
}

/** K_ij as the composite computes it: exp(D_ij · fround(−1/σ)), rounded to float32. */
const kernelValue = (dij: number, negInv: number) =>
  Math.fround(Math.exp(Math.fround(dij * negInv)));

export function classKernelSumsLoop(
  d: Values,
  sigma: number,
  cls: Values,
  { m1, numClasses: c }: PairAttrs,
): Float32Array {
  const n = cls.length;
  const negInv = Math.fround(-1 / sigma);
  const acc = new Float64Array(3 * c);
  // Same-class pairs only (about 1/C of them): K is evaluated where it is summed.
  for (let i = 0; i < n; i++) {
    const ci = cls[i]!;
    const first = i < m1;
    for (let j = first ? 0 : m1; j < n; j++) {
      if (cls[j] !== ci) continue;
      const block = first ? (j < m1 ? 0 : 2) : 1;
      acc[block * c + ci]! += kernelValue(d[i * n + j]!, negInv);
    }
  }
  return Float32Array.from(acc);
}

export function matchingGradientLoop(
  h: Values,
  dim: number,
  d: Values,
  sigma: number,
  cls: Values,
  coef: Values,
  { m1, numClasses: c }: PairAttrs,
): Float32Array {
  const n = cls.length;
  const negInv = Math.fround(-1 / sigma);
  const out = new Float32Array(n * dim);
  const acc = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const ci = cls[i]!;
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i || cls[j] !== ci) continue;
      const first = (i < m1 ? 1 : 0) + (j < m1 ? 1 : 0);
      const w = first === 2 ? 2 * coef[ci]! : first === 0 ? 2 * coef[c + ci]! : coef[2 * c + ci]!;
      const sij = w * kernelValue(d[i * n + j]!, negInv);
      for (let f = 0; f < dim; f++) acc[f]! += sij * (h[i * dim + f]! - h[j * dim + f]!);
    }
    for (let f = 0; f < dim; f++) out[i * dim + f] = acc[f]!;
  }
  return out;
}

/** What the cpu and wasm backends offer a kernel (both keep tensor data in CPU memory). */
interface InMemoryBackend {
  readSync(dataId: unknown): tf.TypedArray;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): TensorInfo;
  makeOutput?(
    shape: number[],
    dtype: tf.DataType,
    offset?: number,
    values?: tf.TypedArray,
  ): TensorInfo;
}

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
    const b = args.backend as InMemoryBackend;
    const read = (name: string) => {
      const t = args.inputs[name];
      if (!t) throw new Error(`missing kernel input '${name}'`);
      return b.readSync(t.dataId);
    };
    const { shape, values } = compute(read, args);
    if (b.makeTensorInfo) return b.makeTensorInfo(shape, 'float32', values);
    return b.makeOutput!(shape, 'float32', undefined, values); // wasm: written to its heap
  };
}

const pairAttrs = (attrs: tf.NamedAttrMap | undefined): PairAttrs => ({
  m1: attrs?.m1 as number,
  numClasses: attrs?.numClasses as number,
});

const onCpu = {
  [PAIRWISE_SQ_DIST]: inMemory((read, { inputs }) => {
    const [n, dim] = inputs.h!.shape as [number, number];
    return { shape: [n, n], values: pairwiseSqDistLoop(read('h'), n, dim) };
  }),
  [CLASS_KERNEL_SUMS]: inMemory((read, { attrs }) => {
    const a = pairAttrs(attrs);
    return {
      shape: [3 * a.numClasses],
      values: classKernelSumsLoop(read('d'), read('sigma')[0]!, read('cls'), a),
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

// ---------------------------------------------------------------- WGSL (webgpu)

/** One invocation per output element, flat dispatch (as directConv.ts). */
abstract class FlatProgram {
  abstract variableNames: string[];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = 'm1 : i32, classes : i32,';
  abstract shaderKey: string;

  constructor(outShape: number[]) {
    this.outputShape = outShape;
    this.dispatchLayout = { x: outShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(outShape) / 64), 1, 1];
  }
  abstract getUserCode(): string;
}

class PairwiseSqDistProgram extends FlatProgram {
  variableNames = ['h'];
  shaderKey = 'itraPairwiseSqDist';
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let n = uniforms.hShape[0];
          let dim = uniforms.hShape[1];
          let i = index / n;
          let j = index - i * n;
          var acc = 0.0;
          for (var f = 0; f < dim; f = f + 1) {
            let t = h[i * dim + f] - h[j * dim + f];
            acc = acc + t * t;
          }
          result[index] = acc;
        }
      }
    `;
  }
}

class ClassKernelSumsProgram extends FlatProgram {
  variableNames = ['d', 'sigma', 'cls'];
  shaderKey = 'itraClassKernelSums';
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let n = uniforms.dShape[0];
          let block = index / uniforms.classes;
          let c = f32(index - block * uniforms.classes);
          let negInv = -1.0 / sigma[0];
          // block 0: S1×S1, 1: S2×S2, 2: S1×S2.
          let iLo = select(0, uniforms.m1, block == 1);
          let iHi = select(uniforms.m1, n, block == 1);
          let jLo = select(0, uniforms.m1, block >= 1);
          let jHi = select(uniforms.m1, n, block >= 1);
          var acc = 0.0;
          for (var i = iLo; i < iHi; i = i + 1) {
            if (cls[i] != c) { continue; }
            for (var j = jLo; j < jHi; j = j + 1) {
              if (cls[j] == c) { acc = acc + exp(d[i * n + j] * negInv); }
            }
          }
          result[index] = acc;
        }
      }
    `;
  }
}

class MatchingGradientProgram extends FlatProgram {
  variableNames = ['h', 'd', 'sigma', 'cls', 'coef'];
  shaderKey = 'itraMatchingGradient';
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let n = uniforms.hShape[0];
          let dim = uniforms.hShape[1];
          let i = index / dim;
          let f = index - i * dim;
          let negInv = -1.0 / sigma[0];
          let ci = cls[i];
          let c = i32(ci);
          let iFirst = i < uniforms.m1;
          let hi = h[index];
          var acc = 0.0;
          for (var j = 0; j < n; j = j + 1) {
            if (cls[j] != ci) { continue; }
            let jFirst = j < uniforms.m1;
            var w = coef[2 * uniforms.classes + c];
            if (iFirst && jFirst) { w = 2.0 * coef[c]; }
            if (!iFirst && !jFirst) { w = 2.0 * coef[uniforms.classes + c]; }
            acc = acc + w * exp(d[i * n + j] * negInv) * (hi - h[j * dim + f]);
          }
          result[index] = acc;
        }
      }
    `;
  }
}

function onWebGpu(make: (inputs: TensorInfo[], a: PairAttrs) => FlatProgram, names: string[]) {
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
  [CLASS_KERNEL_SUMS]: onWebGpu(
    (_, a) => new ClassKernelSumsProgram([3 * a.numClasses]),
    ['d', 'sigma', 'cls'],
  ),
  [MATCHING_GRADIENT]: onWebGpu(
    ([h]) => new MatchingGradientProgram(h!.shape),
    ['h', 'd', 'sigma', 'cls', 'coef'],
  ),
};

// Not on wasm: there the composite's products run on XNNPACK and the whole loss took 1.5 ms
// against 1.9 ms for these loops (Node, 64 + 64 rows of 32 features).
for (const [backendName, kernels] of [
  ['cpu', onCpu],
  ['webgpu', onGpu],
] as const) {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (!tf.getKernel(kernelName, backendName)) {
      tf.registerKernel({
        kernelName,
        backendName,
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
    }
  }
}

// ---------------------------------------------------------------- ops

/** Whether the active backend runs the matching loss through these kernels (not WebGL). */
export function hasMatchingKernels(): boolean {
  return tf.getKernel(MATCHING_GRADIENT, tf.getBackend()) !== undefined;
}

const run = <T extends tf.Tensor>(name: string, inputs: tf.NamedTensorMap, attrs = {}) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as T;

export function pairwiseSqDistKernel(h: tf.Tensor2D): tf.Tensor2D {
  return run(PAIRWISE_SQ_DIST, { h });
}

export function classKernelSums(
  d: tf.Tensor2D,
  sigma: tf.Scalar,
  cls: tf.Tensor1D,
  attrs: PairAttrs,
): tf.Tensor1D {
  return run(CLASS_KERNEL_SUMS, { d, sigma, cls }, attrs);
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
