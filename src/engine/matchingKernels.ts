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
 * transpose, five reductions, broadcasts); on CPU-emulated WebGPU they cost ~90 ms of a 1.6 s
 * `tiny` ITRA-c step, on the cpu backend 13 ms (tfjs's cpu broadcasts and products; the loops
 * here: 1.8 ms, evaluating K on same-class pairs only). Registered for cpu and webgpu; wasm
 * and WebGL keep the composite (wasm: see the registration below).
 * Class indices travel as float32 (exact for any class count here).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGpuBackendLike } from './elementwiseKernels';
import { onEmulatedWebGpu } from './programChoices';

export const PAIRWISE_SQ_DIST = 'ItraPairwiseSqDist';
export const CLASS_MMD2 = 'ItraClassMmd2';
export const MATCHING_GRADIENT = 'ItraMatchingGradient';

type TensorInfo = tf.TensorInfo;
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Values = ArrayLike<number>;
interface PairAttrs {
  m1: number;
  numClasses: number;
}

// ---------------------------------------------------------------- loops (cpu)

export function pairwiseSqDistLoop(h: Values, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    // The diagonal too: 0, or NaN for a row with a NaN or ±∞, which then reaches the loss
    // (through its class's sums) as in the composite and the WGSL, so that the guard sees it.
    let self = 0;
    for (let f = 0; f < dim; f++) {
      const t = h[i * dim + f]! - h[i * dim + f]!;
      self += t * t;
    }
    out[i * n + i] = self;
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

/** K_ij = exp(D_ij · fround(−1/σ)), kept in float64 (the sums cancel to a small MMD²). */
const kernelValue = (dij: number, negInv: number) => Math.exp(Math.fround(dij * negInv));

export function classMmd2Loop(
  d: Values,
  sigma: number,
  cls: Values,
  { m1, numClasses: c, unbiased }: PairAttrs & { unbiased: boolean },
): Float32Array {
  const n = cls.length;
  const negInv = Math.fround(-1 / sigma);
  // Per class: [s11, s22, s12, n, m]. Same-class pairs only (about 1/C of them).
  const acc = new Float64Array(5 * c);
  for (let i = 0; i < n; i++) {
    const ci = cls[i]!;
    const first = i < m1;
    acc[5 * ci + (first ? 3 : 4)]!++;
    for (let j = first ? 0 : m1; j < n; j++) {
      if (cls[j] !== ci) continue;
      const block = first ? (j < m1 ? 0 : 2) : 1;
      acc[5 * ci + block]! += kernelValue(d[i * n + j]!, negInv);
    }
  }
  const out = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const [s11, s22, s12, n1, n2] = acc.subarray(5 * k, 5 * k + 5) as unknown as number[];
    out[k] = mmd2Of(s11!, s22!, s12!, n1!, n2!, unbiased);
  }
  return out;
}

/** MMD² from a class's kernel sums and counts (the plan's normalisers and shifts). */
function mmd2Of(s11: number, s22: number, s12: number, n: number, m: number, unbiased: boolean) {
  const within = (s: number, k: number) =>
    unbiased ? (s - k) / Math.max(1, k * (k - 1)) : s / Math.max(1, k * k);
  return within(s11, n) + within(s22, m) - (2 * s12) / Math.max(1, n * m);
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

/** What the cpu backend offers a kernel. */
interface CpuBackendLike {
  readSync(dataId: unknown): tf.TypedArray;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): TensorInfo;
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

class ClassMmd2Program extends FlatProgram {
  variableNames = ['d', 'sigma', 'cls'];
  shaderKey: string;
  constructor(
    outShape: number[],
    private readonly unbiased: boolean,
  ) {
    super(outShape);
    this.shaderKey = `itraClassMmd2_${unbiased}`;
  }
  getUserCode(): string {
    const within = (s: string, k: string) =>
      this.unbiased
        ? `(${s} - ${k}) / max(1.0, ${k} * (${k} - 1.0))`
        : `${s} / max(1.0, ${k} * ${k})`;
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let n = uniforms.dShape[0];
          let c = f32(index);
          let negInv = -1.0 / sigma[0];
          var s11 = 0.0;
          var s22 = 0.0;
          var s12 = 0.0;
          var n1 = 0.0;
          var n2 = 0.0;
          for (var i = 0; i < n; i = i + 1) {
            if (cls[i] != c) { continue; }
            let first = i < uniforms.m1;
            if (first) { n1 = n1 + 1.0; } else { n2 = n2 + 1.0; }
            for (var j = select(uniforms.m1, 0, first); j < n; j = j + 1) {
              if (cls[j] != c) { continue; }
              let k = exp(d[i * n + j] * negInv);
              if (!first) { s22 = s22 + k; }
              else if (j < uniforms.m1) { s11 = s11 + k; }
              else { s12 = s12 + k; }
            }
          }
          result[index] = ${within('s11', 'n1')} + ${within('s22', 'n2')} - 2.0 * s12 / max(1.0, n1 * n2);
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

/**
 * Whether the active backend runs the matching loss through these kernels: cpu, and WebGPU on
 * a CPU-emulated adapter (the class sums run 3C invocations, each over its class's pairs: fine
 * for SwiftShader's few threads, a poor fit for a real GPU, where tfjs's products stay; not
 * measured there).
 */
export function hasMatchingKernels(): boolean {
  const backend = tf.getBackend();
  if (backend === 'webgpu' && !onEmulatedWebGpu()) return false;
  return tf.getKernel(MATCHING_GRADIENT, backend) !== undefined;
}

const run = <T extends tf.Tensor>(name: string, inputs: tf.NamedTensorMap, attrs = {}) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as T;

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
