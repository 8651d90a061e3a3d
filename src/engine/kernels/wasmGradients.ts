/**
 * Kernels that let the tfjs WebAssembly backend train this project's CNNs, fast: tfjs-wasm runs
 * the forward pass through XNNPACK, but kernels that backprop needs are missing, wrong or slow.
 * Each checked against the cpu backend in wasmGradients.test.ts; the figures, the tfjs-wasm
 * quirks behind each one and the ops checked with nothing to register are in
 * bench/PERFORMANCE.md ("Kernel notes").
 *
 * - Conv2DBackpropFilter (missing): one XNNPACK convolution with x as [Cin, H, W, N] and dy as
 *   the filter, then a transpose; for 1-3 input channels a patch matrix and one XNNPACK product.
 * - Conv2DBackpropInput (replaced: naive loop): a full convolution of the stride-dilated dy
 *   with the rotated filter through XNNPACK; wide explicit pads and NCHW go to wasm's own.
 * - MaxPoolGrad (replaced: wrong for windows ≤ 0): JS loop over the heap, the cpu rule; the
 *   models' 2x2 pool by the forward output, without branches (gradientLoops.ts).
 * - UnsortedSegmentSum (missing: gather's gradient): JS loop, float64 sums.
 * - BatchMatMul (replaced when transposed: naive loop): transpose first, then XNNPACK.
 * - Identity (replaced: copies; see identity() below).
 * - Tile (replaced: slow): block copies on the heap.
 *
 * registerEngineKernels() must run after '@tensorflow/tfjs-backend-wasm' registered its
 * kernels (importing the package does), so that ours replace them.
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {
  isDisjoint2x2Pool,
  maxPool2x2GradientWrite,
  maxPoolGradInfo,
  maxPoolGradientInto,
} from './gradientLoops';
import { attrsOf, defineKernel, type KernelArgs, type KernelImpl } from './registry';
import { conv2DBackpropFilter, conv2DBackpropInput } from './wasmConvGradients';
import { input, release, runNative, runWasm } from './wasmOps';

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const b = backend as BackendWasm;
  const x = input(inputs, 'a');
  const y = input(inputs, 'b');
  const { transposeA, transposeB } = attrsOf<tf.BatchMatMulAttrs>(attrs);
  const batchOf = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape.slice(0, -2));
  // wasm uses XNNPACK only for a plain 2-D product; with a transpose it runs a naive loop
  // (~2 GFLOP/s), which the backward pass of every dense layer hits. Transposing the operand
  // first (a copy, O(size)) sends it to XNNPACK.
  if ((!transposeA && !transposeB) || batchOf(x) !== 1 || batchOf(y) !== 1) {
    return runNative('BatchMatMul', args);
  }
  const swapLast = (t: tf.TensorInfo) => {
    const perm = t.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
    return runWasm('Transpose', b, { x: t }, { perm });
  };
  const xT = transposeA ? swapLast(x) : x;
  const yT = transposeB ? swapLast(y) : y;
  const out = runNative('BatchMatMul', {
    inputs: { a: xT, b: yT },
    backend,
    attrs: { ...attrs, transposeA: false, transposeB: false },
  });
  if (transposeA) release(b, xT);
  if (transposeB) release(b, yT);
  return out;
}

/**
 * Tile (batch-norm's input gradient tiles 1/σ to x's shape): wasm's kernel costs ~100 ns per
 * output element (~100 ms per batch-norm layer of a 64x32x32x16 batch). Block copies on the
 * heap instead: each axis repeats the block below it with copyWithin.
 */
function tile(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const b = backend as BackendWasm;
  const x = input(inputs, 'x');
  const { reps } = attrsOf<tf.TileAttrs>(attrs);
  if (x.dtype === 'string' || x.shape.length === 0) return runNative('Tile', args);
  const shape = x.shape;
  const rank = shape.length;
  const outShape = shape.map((d, i) => d * reps[i]!);
  const out = b.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const src = b.typedArrayFromHeap(x);
  const dst = b.typedArrayFromHeap(out);
  // Element counts below each axis, in x and in the output.
  const srcInner = tf.util.computeStrides(shape).concat(1);
  const dstInner = tf.util.computeStrides(outShape).concat(1);
  const fill = (axis: number, from: number, to: number): void => {
    const n = shape[axis]!;
    if (axis === rank - 1) {
      if (n === 1) dst.fill(src[from]!, to, to + reps[axis]!);
      else {
        const row = src.subarray(from, from + n);
        for (let k = 0; k < reps[axis]!; k++) dst.set(row, to + k * n);
      }
      return;
    }
    for (let i = 0; i < n; i++)
      fill(axis + 1, from + i * srcInner[axis]!, to + i * dstInner[axis]!);
    const block = n * dstInner[axis]!;
    for (let k = 1; k < reps[axis]!; k++) dst.copyWithin(to + k * block, to, to + block);
  };
  fill(0, 0, 0);
  return out;
}

function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as BackendWasm;
  const dy = input(inputs, 'dy');
  const x = input(inputs, 'input');
  const info = maxPoolGradInfo(x.shape, attrs);
  // makeOutput may grow the wasm memory, which detaches earlier heap views: views after it.
  const dx = b.makeOutput(x.shape, 'float32');
  const dxv = b.typedArrayFromHeap(dx);
  const [xv, dyv] = [b.typedArrayFromHeap(x), b.typedArrayFromHeap(dy)];
  const y = inputs.output;
  if (y != null && isDisjoint2x2Pool(info)) {
    maxPool2x2GradientWrite(info, xv, b.typedArrayFromHeap(y), dyv, dxv);
  } else maxPoolGradientInto(info, xv, dyv, dxv.fill(0));
  return dx;
}

function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as BackendWasm;
  const x = input(inputs, 'x');
  const segmentIds = input(inputs, 'segmentIds');
  const { numSegments } = attrsOf<tf.UnsortedSegmentSumAttrs>(attrs);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(innerShape);
  const count = tf.util.sizeFromShape(segmentIds.shape);
  const out = b.makeOutput([numSegments, ...innerShape], x.dtype);
  const xv = b.typedArrayFromHeap(x);
  const ids = b.typedArrayFromHeap(segmentIds);
  const ov = b.typedArrayFromHeap(out);
  // Accumulate in float64 so that long segments do not lose float32 precision.
  const acc = new Float64Array(numSegments * inner);
  for (let i = 0; i < count; i++) {
    const s = ids[i]!;
    if (!(s >= 0 && s < numSegments)) continue;
    const to = s * inner;
    const from = i * inner;
    for (let j = 0; j < inner; j++) acc[to + j]! += xv[from + j]!;
  }
  ov.set(acc);
  return out;
}

/**
 * Identity (replaced: copies). The gradient tape clones every tensor an op saves for its
 * backward pass; wasm's Identity copies the data (webgl, webgpu and cpu share it), so a
 * training step copied each activation once more (e.g. 3.2 MB for one 128x28x28x8 layer).
 * Shares the data with a reference count instead, as wasm's own Reshape does.
 */
function identity(args: KernelArgs): tf.TensorInfo {
  const b = args.backend as BackendWasm;
  const x = input(args.inputs, 'x');
  if (x.dtype === 'string') return runNative('Identity', args);
  b.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The kernels this module registers for 'wasm', by name. */
export const WASM_GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'UnsortedSegmentSum',
  'BatchMatMul',
  'Tile',
  'Identity',
] as const;

const IMPLS: Record<(typeof WASM_GRADIENT_KERNELS)[number], KernelImpl> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  MaxPoolGrad: maxPoolGrad,
  UnsortedSegmentSum: unsortedSegmentSum,
  BatchMatMul: batchMatMul,
  Tile: tile,
  Identity: identity,
};

/** Replace wasm's kernels of these names (registry.ts keeps its own setup steps). */
export const WASM_KERNELS = WASM_GRADIENT_KERNELS.map((name) =>
  defineKernel(name, { wasm: IMPLS[name] }),
);
