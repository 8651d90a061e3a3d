/**
 * Kernels that let the tfjs WebAssembly backend (4.22) train this project's CNNs, fast.
 *
 * `@tensorflow/tfjs-backend-wasm` runs the forward pass through XNNPACK, far faster than the
 * pure-JS cpu backend, but kernels that backprop needs are missing, wrong or very slow.
 * Registered here for backend 'wasm' (all checked against the cpu backend in
 * wasmGradients.test.ts; timings: Node 20, batch 64, one thread):
 *
 * - Conv2DBackpropFilter (missing: conv2d's filter gradient). It is itself a convolution:
 *   with x as [Cin, H, W, N] (channels as batch) and dy as a filter [OH, OW, N, Cout], one
 *   XNNPACK conv (stride 1, dilation = the forward stride, the forward conv's pads made
 *   explicit) gives [Cin, FH, FW, Cout], transposed to [FH, FW, Cin, Cout]. wasm's Transpose,
 *   Conv2D and Slice kernels. ~2x the forward conv's time (XNNPACK repacks dy as weights).
 * - Conv2DBackpropInput (replaced: wasm's is a naive C++ loop, 10x slower at stride 1). A
 *   full convolution of dy (dilated by the stride with zeros: Reshape + PadV2) with the
 *   180°-rotated filter (Reverse + Transpose) through XNNPACK Conv2D, then Slice. At stride 2
 *   it multiplies zeros (~4x the forward's time, still ~2.5x faster than wasm's). Explicit
 *   pads wider than the filter, and NCHW, go to wasm's own kernel.
 * - MaxPoolGrad (replaced: wrong). wasm's kernel starts each window's running max at FLT_MIN
 *   (the smallest positive float) instead of -inf, so a window whose values are all ≤ 0 sends
 *   its gradient to the wrong element, and ties go to the last maximum. JS loop over the wasm
 *   heap with the cpu backend's rule (first strict maximum; NaN/-inf-only windows get none):
 *   ~10 ms per 1.6M input elements.
 * - UnsortedSegmentSum (missing: gather's gradient). JS loop over the heap, float64 sums;
 *   out-of-range ids are dropped, as on cpu.
 * - BatchMatMul (replaced when transposed: slow). wasm uses XNNPACK only for an untransposed
 *   2-D product and a naive loop (~2 GFLOP/s) otherwise, which every dense layer's backward
 *   pass hits (dW = xᵀ·dy, dx = dy·Wᵀ). The operand is transposed first (wasm Transpose), then
 *   wasm's own kernel runs on XNNPACK: the `small` CNN's dense backward went from ~100 to ~9 ms.
 *   Batched (rank > 2, batch > 1) products still go to wasm's kernel as they are.
 * - Identity (replaced: copies; see identity() below).
 * - Tile (replaced: slow). batch norm's input gradient tiles 1/σ to x's shape; wasm's kernel
 *   costs ~100 ns per output element (~0.6 s of a 1.4 s ResNet step). Block copies on the
 *   heap (TypedArray.set/copyWithin) instead: ~free.
 *
 * Checked on wasm, nothing to register (gradients equal cpu's to ≤ 3e-7 relative): relu (its
 * gradient uses Step, which wasm has), relu6, leakyRelu, elu, sigmoid, tanh, fused matMul,
 * add/sub/mul/div with broadcasting, exp, log, sqrt, rsqrt, pow, square, abs, neg, logSoftmax,
 * softmax, softmax cross-entropy with label smoothing, logSumExp, sum/mean/max/min, moments,
 * batchNorm (FusedBatchNorm; its gradient is composite in core), concat, slice, stack/unstack,
 * split, pad, clipByValue, maximum/minimum, where, transpose, reshape, expandDims, squeeze,
 * cast, oneHot, avgPool/AvgPoolGrad, topk inside a tf.customGrad with a zero gradient. Sum
 * over leading axes was tried in JS and is slower than wasm's own kernel: left alone.
 * Not registered (unused here): depthwise conv gradients, Einsum, FFT/complex, ragged ops.
 * wasm's MaxPoolWithArgmax has the FLT_MIN bug too (forward values): unused here.
 * tfjs core bug on every backend: squaredDifference's gradient ignores broadcasting.
 *
 * registerEngineKernels() must run after '@tensorflow/tfjs-backend-wasm' registered its
 * kernels (importing the package does), so that ours replace them.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { maxPoolGradInfo, maxPoolGradientInto } from './gradientLoops';
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
  dxv.fill(0);
  maxPoolGradientInto(info, b.typedArrayFromHeap(x), b.typedArrayFromHeap(dy), dxv);
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
