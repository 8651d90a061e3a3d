/**
 * `ItraUpperTriangleMedian`: max(floor, median of the strict upper triangle of a square matrix)
 * — the median-heuristic bandwidth σ of the spec — as one kernel per backend.
 *
 * Why a kernel of our own: tfjs's `topk` is its only sort, and for the 8,128 pairs of a 64 + 64
 * batch it is a bitonic network of many dispatches on WebGPU, a comparator sort of (value,
 * index) pairs on cpu and a gather plus five small ops around it everywhere. Here: a
 * typed-array quickselect where tensors live in CPU memory (cpu, wasm) and a one-workgroup bitonic
 * sort in WGSL (webgpu, two dispatches). WebGL has no kernel: the caller (`bandwidth` in
 * matching.ts) uses `topk` there. The op has no gradient: it runs inside the forward function
 * of a customGrad (the matching loss, or `medianBandwidth`), which the tape does not record.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type CpuBackendLike,
  defineKernel,
  hasKernel,
  type KernelArgs,
  runKernel,
  type TensorInfo,
  type WasmBackendLike,
  type WebGpuBackendLike,
} from './registry';

export const UPPER_TRIANGLE_MEDIAN = 'ItraUpperTriangleMedian';

/** Median of the strict upper triangle of the row-major n×n `values` (mean of the middle two). */
export function upperTriangleMedian(values: ArrayLike<number>, n: number): number {
  const pairs = (n * (n - 1)) / 2;
  if (pairs === 0) return Number.NaN;
  const v = new Float32Array(pairs);
  let k = 0;
  let hasNaN = false;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = values[i * n + j]!;
      if (Number.isNaN(x)) hasNaN = true;
      v[k++] = x;
    }
  }
  const mid = pairs >> 1;
  // A NaN goes to the end of a sort; selection would need the same rule: sort then.
  if (hasNaN) v.sort();
  else selectNth(v, mid);
  if (pairs % 2 === 1) return v[mid]!;
  // After selection v[0..mid) holds the smaller values: the lower middle is their maximum.
  let below = v[0]!;
  if (!hasNaN) for (let t = 1; t < mid; t++) below = Math.max(below, v[t]!);
  else below = v[mid - 1]!;
  return (below + v[mid]!) / 2;
}

/**
 * Rearranges `v` (no NaN) so that v[k] is the value a sort would put there, smaller or equal
 * values before it, larger or equal after (Hoare's quickselect, median-of-three pivots): O(n)
 * on average, against O(n log n) for the sort.
 */
function selectNth(v: Float32Array, k: number): void {
  let lo = 0;
  let hi = v.length - 1;
  while (hi > lo) {
    const m = (lo + hi) >> 1;
    // Median of three to v[m], then use it as the pivot.
    if (v[m]! < v[lo]!) swap(v, m, lo);
    if (v[hi]! < v[lo]!) swap(v, hi, lo);
    if (v[hi]! < v[m]!) swap(v, hi, m);
    const pivot = v[m]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) {
        swap(v, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(v: Float32Array, a: number, b: number): void {
  const t = v[a]!;
  v[a] = v[b]!;
  v[b] = t;
}

/** The cpu and wasm backends both keep tensor data in CPU memory. */
type InMemoryBackend = Partial<CpuBackendLike & WasmBackendLike> & Pick<CpuBackendLike, 'readSync'>;

function medianInMemory({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x!;
  const b = backend as InMemoryBackend;
  const floor = (attrs?.floor as number) ?? 0;
  const out = Float32Array.of(
    Math.max(floor, upperTriangleMedian(b.readSync(x.dataId), x.shape[0]!)),
  );
  if (b.makeTensorInfo) return b.makeTensorInfo([], 'float32', out);
  return b.makeOutput!([], 'float32', undefined, out); // wasm: written to its heap
}

/**
 * Bitonic sort in one workgroup of 256 invocations: copy the upper triangle into the output
 * (padded with +∞ to a power of two L), then log₂L·(log₂L + 1)/2 compare-exchange phases
 * separated by storage barriers. One dispatch. One workgroup does every phase, so the work per
 * invocation grows as L·log²L/256: `hasMedianKernel` sends more than 2^18 pairs (a batch of
 * more than ~724 rows in all) to topk instead.
 */
class SortUpperTriangleProgram {
  variableNames = ['x'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number] = [1, 1, 1];
  workgroupSize: [number, number, number] = [256, 1, 1];

  constructor(n: number) {
    const pairs = Math.max(1, (n * (n - 1)) / 2);
    this.outputShape = [2 ** Math.ceil(Math.log2(pairs))];
    // n and the padded length reach the shader as uniforms: one pipeline for every n.
    this.shaderKey = 'itraSortUpperTriangle';
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        let tid = i32(localIndex);
        let n = uniforms.xShape.x;
        let len = uniforms.outShape;
        let pairs = n * (n - 1) / 2;
        for (var e = tid; e < n * n; e = e + 256) {
          let i = e / n;
          let j = e - i * n;
          if (j > i) {
            result[i * n - (i * (i + 1)) / 2 + (j - i - 1)] = x[e];
          }
        }
        for (var t = pairs + tid; t < len; t = t + 256) {
          result[t] = uniforms.INFINITY;
        }
        storageBarrier();
        for (var k = 2; k <= len; k = k * 2) {
          for (var j = k / 2; j > 0; j = j / 2) {
            for (var t = tid; t < len; t = t + 256) {
              let p = t ^ j;
              if (p > t) {
                let a = result[t];
                let b = result[p];
                if ((a > b) == ((t & k) == 0)) {
                  result[t] = b;
                  result[p] = a;
                }
              }
            }
            storageBarrier();
          }
        }
      }
    `;
  }
}

/** The middle value(s) of the sorted pairs, floored: one invocation. */
class MiddleValueProgram {
  variableNames = ['x'];
  outputShape = [1];
  shaderKey = 'itraMiddleValue';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number] = [1, 1, 1];
  workgroupSize: [number, number, number] = [1, 1, 1];
  uniforms = 'pairs : i32, floor : f32,';

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index == 0) {
          let mid = uniforms.pairs / 2;
          var v = x[mid];
          if (uniforms.pairs % 2 == 0) {
            v = 0.5 * (x[mid - 1] + x[mid]);
          }
          result[0] = max(v, uniforms.floor);
        }
      }
    `;
  }
}

function medianOnWebGpu({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x!;
  const b = backend as WebGpuBackendLike;
  const n = x.shape[0]!;
  const sorted = b.runWebGPUProgram(new SortUpperTriangleProgram(n), [x], 'float32');
  const middle = b.runWebGPUProgram(new MiddleValueProgram(), [sorted], 'float32', [
    { type: 'int32', data: [(n * (n - 1)) / 2] },
    { type: 'float32', data: [(attrs?.floor as number) ?? 0] },
  ]);
  b.disposeData(sorted.dataId);
  return { dataId: middle.dataId, shape: [], dtype: 'float32' };
}

export const medianKernel = defineKernel(UPPER_TRIANGLE_MEDIAN, {
  cpu: medianInMemory,
  wasm: medianInMemory,
  webgpu: medianOnWebGpu,
});

/** Pairs above which the one-workgroup WGSL sort hands over to topk (~724 rows). */
export const WEBGPU_MAX_PAIRS = 2 ** 18;

/** Whether the current backend has the kernel for an n×n matrix (webgl never does). */
export function hasMedianKernel(n: number): boolean {
  const backend = tf.getBackend();
  if (backend === 'webgpu' && (n * (n - 1)) / 2 > WEBGPU_MAX_PAIRS) return false;
  return hasKernel(UPPER_TRIANGLE_MEDIAN, backend);
}

/** max(floor, median of the strict upper triangle of the square `d`): a scalar, no gradient. */
export function upperTriangleMedianKernel(d: tf.Tensor2D, floor: number): tf.Scalar {
  if (d.shape[0] < 2) return tf.scalar(floor); // no pair: nothing to take a median of
  return runKernel(UPPER_TRIANGLE_MEDIAN, { x: d }, { floor });
}
