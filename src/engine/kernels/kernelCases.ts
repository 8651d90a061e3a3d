/**
 * One table of kernel cases, run by the unit tests on cpu and wasm (kernelCases.test.ts,
 * median.test.ts, filterGradient.test.ts; the whole model and the optimizer's guard in
 * modelCases.ts) and by the browser page on webgl and webgpu (e2e/pages/kernels.ts, also
 * Node's Dawn WebGPU through test/nodeWebGpu.test.ts). No DOM and no node: imports, so that
 * vitest and the Vite dev page load the same file. Inputs come from the project's seeded
 * generator, so every backend sees the same values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { matchingLossOf } from '../matching';
import { channelSum } from './channelSum';
import { runKernel } from './registry';
import { reluBackward } from './reluBackward';
import { selectByFlag, sgdCandidate, sgdVelocity } from './sgdUpdate';

/** The median bandwidth of `values` as [rows, dim] features; reference: upperTriangleMedian. */
export interface MedianCase {
  name: string;
  rows: number;
  dim: number;
  values: number[];
}

export function medianCases(): MedianCase[] {
  const rng = new Rng(7);
  const rand = (rows: number, dim: number, scale = 1) =>
    Array.from({ length: rows * dim }, () => (rng.next() - 0.5) * scale);
  const c = (name: string, rows: number, dim: number, scale = 1): MedianCase => ({
    name,
    rows,
    dim,
    values: rand(rows, dim, scale),
  });
  return [
    c('n=2 (one pair)', 2, 3),
    c('n=3 (odd count of pairs)', 3, 4),
    c('n=3, dim 2', 3, 2),
    c('n=4 (even count)', 4, 2),
    c('n=4, dim 5', 4, 5),
    c('n=17', 17, 5, 10),
    c('n=17, dim 4', 17, 4),
    c('n=64', 64, 16),
    // Integer points on a line: many equal distances (ties across the middle).
    { name: 'ties', rows: 12, dim: 1, values: Array.from({ length: 12 }, (_, i) => i % 4) },
    { name: 'all equal (σ at its floor)', rows: 8, dim: 3, values: Array(24).fill(0.5) },
    { name: 'all equal, 6 × 3', rows: 6, dim: 3, values: Array(18).fill(0.25) },
    c('n=128 (a 64 + 64 batch)', 128, 64, 0.1),
    c('n=128, dim 8', 128, 8),
    c('n=200 (uneven power of two)', 200, 8),
  ];
}

/**
 * An elementwise kernel case with exact expected values (exact in float32 on every backend):
 * a number is compared as String (NaN and ±∞ included, −0 read as 0); 'non-finite' accepts NaN
 * or ±∞ (wasm's and the GPUs' average pools may turn a NaN into −∞: both refuse the step).
 */
export interface ExactCase {
  name: string;
  /** Builds its inputs and runs the kernel; call inside tf.tidy. */
  run: () => tf.Tensor;
  want: Array<number | 'non-finite'>;
}

const inf = Number.POSITIVE_INFINITY;
/** The flag as the optimizer makes it: a Select from a bool. */
const flag = (on: boolean) =>
  tf.where(tf.scalar(on, 'bool'), tf.scalar(1), tf.scalar(0)) as tf.Scalar;
const sgdInputs = () => ({
  p: tf.tensor1d([1, 2, 3, 4, 5]),
  v: tf.tensor1d([0.5, -0.5, 1, 0, 2]),
  g: tf.tensor1d([1, 1, -2, 0.25, 0.5]),
});
/**
 * A bias gradient [N=2, H=2, W=2, C=3]: channel 0 the integers 1…8 (sum 36, exact through an
 * average of 4 and a product by 4), channel 1 a NaN among them, channel 2 a +∞.
 */
const biasGradient = () =>
  tf.tensor4d(
    Array.from({ length: 24 }, (_, i) => {
      const [pixel, c] = [Math.floor(i / 3), i % 3];
      if (c === 1 && pixel === 5) return Number.NaN;
      if (c === 2 && pixel === 2) return inf;
      return pixel + 1;
    }),
    [2, 2, 2, 3],
  );

/** p − 0.5·(0.5v + g); the flag at 0 leaves v and p as they are; dy·step(y) keeps NaN and ±∞. */
export const ELEMENTWISE_CASES: ExactCase[] = [
  {
    name: 'candidate',
    run: () => {
      const { p, v, g } = sgdInputs();
      return sgdCandidate(p, v, g, tf.scalar(0.5), 0.5);
    },
    want: [0.375, 1.625, 3.75, 3.875, 4.25],
  },
  {
    name: 'velocity ok',
    run: () => sgdVelocity(flag(true), sgdInputs().v, sgdInputs().g, 0.5),
    want: [1.25, 0.75, -1.5, 0.25, 1.5],
  },
  {
    name: 'velocity refused',
    run: () => sgdVelocity(flag(false), sgdInputs().v, sgdInputs().g, 0.5),
    want: [0.5, -0.5, 1, 0, 2],
  },
  {
    name: 'select ok',
    run: () => selectByFlag(flag(true), sgdInputs().p, sgdInputs().g),
    want: [1, 2, 3, 4, 5],
  },
  {
    name: 'select refused',
    run: () => selectByFlag(flag(false), sgdInputs().p, sgdInputs().g),
    want: [1, 1, -2, 0.25, 0.5],
  },
  {
    name: 'relu backward',
    run: () =>
      reluBackward(tf.tensor1d([2, 3, Number.NaN, inf, -inf, 6]), tf.tensor1d([1, 0, 0, 0, 1, -1])),
    want: [2, 0, Number.NaN, Number.NaN, -inf, 0],
  },
  { name: 'channel sum', run: () => channelSum(biasGradient()), want: [36, 'non-finite', inf] },
];

/** Where `got` differs from an exact case's `want` (null when it agrees). */
export function exactMismatch(got: ArrayLike<number>, want: ExactCase['want']): string | null {
  const g = Array.from(got, (x) => x + 0);
  const ok =
    g.length === want.length &&
    want.every((w, i) =>
      w === 'non-finite' ? !Number.isFinite(g[i]!) : String(g[i]) === String(w),
    );
  return ok ? null : `got [${g.join(', ')}], want [${want.join(', ')}]`;
}

/**
 * Match_c, σ and both gradients on a 24 + 20 batch with 5 classes (class 4 only in S1), both
 * estimators. Compared against the cpu backend's run (relative error below 1e-3).
 */
export async function matchingOutputs(): Promise<Record<string, number[]>> {
  const rng = new Rng(11);
  const r = () => rng.next();
  const h1 = tf.tensor2d(Array.from({ length: 24 * 6 }, r), [24, 6]);
  const h2 = tf.tensor2d(Array.from({ length: 20 * 6 }, r), [20, 6]);
  const l1 = Array.from({ length: 24 }, (_, i) => i % 5);
  const l2 = Array.from({ length: 20 }, (_, i) => (i * 3) % 4);
  const out: Record<string, number[]> = {};
  for (const estimator of ['biased', 'unbiased'] as const) {
    let sigma: tf.Tensor | null = null;
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => {
      const m = matchingLossOf(a as tf.Tensor2D, b as tf.Tensor2D, l1, l2, 5, estimator);
      sigma = tf.keep(m.sigma);
      return m.match;
    })([h1, h2]);
    out[`${estimator} sigma`] = Array.from(await sigma!.data());
    out[`${estimator} match`] = Array.from(await value.data());
    out[`${estimator} dH1`] = Array.from(await grads[0]!.data());
    out[`${estimator} dH2`] = Array.from(await grads[1]!.data());
    tf.dispose([value, ...grads, sigma!]);
  }
  tf.dispose([h1, h2]);
  return out;
}

/** The worst error of `got` against `want` relative to want's largest magnitude. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst / scale;
}

/**
 * The filter gradient of a 'same', stride-1 convolution with `cout` filters of size × size over
 * x; reference: tfjs's Conv2DBackpropFilter (the cpu backend's in the unit test, the same
 * backend's on the page). Values uniform in [-1, 1) from the case's seed.
 */
export interface FilterGradientCase {
  name: string;
  xShape: [number, number, number, number];
  cout: number;
  size: number;
  seed: number;
}

export const FILTER_GRADIENT_CASES: FilterGradientCase[] = [
  { name: '1 → 4, size 3', xShape: [2, 6, 6, 1], cout: 4, size: 3, seed: 1 },
  { name: '8 → 16, size 3', xShape: [3, 7, 5, 8], cout: 16, size: 3, seed: 2 },
  { name: '3 → 2, size 5', xShape: [2, 5, 5, 3], cout: 2, size: 5, seed: 3 },
  { name: '2 → 3, size 2', xShape: [1, 4, 4, 2], cout: 3, size: 2, seed: 4 },
  // The tiny CNN's sizes, across both backends' per-tap thresholds (filterGradient.ts).
  { name: 'first layer, 1 input channel', xShape: [4, 14, 14, 1], cout: 16, size: 3, seed: 5 },
  { name: '8 input channels', xShape: [4, 14, 14, 8], cout: 16, size: 3, seed: 6 },
  { name: '32 input channels', xShape: [4, 14, 14, 32], cout: 16, size: 3, seed: 7 },
];

/** A case's x, dy and filter shape (the caller disposes x and dy). */
export function filterGradientInputs(c: FilterGradientCase) {
  const rng = new Rng(c.seed);
  const t = (shape: [number, number, number, number]) =>
    tf.tensor4d(
      Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => 2 * rng.next() - 1),
      shape,
    );
  const [n, h, w, cin] = c.xShape;
  const filterShape: [number, number, number, number] = [c.size, c.size, cin, c.cout];
  return { x: t(c.xShape), dy: t([n, h, w, c.cout]), filterShape };
}

/**
 * A convolution with bias and activation as tfjs's FusedConv2D takes it (NHWC, dilation 1),
 * for the engine's direct convolution (directConv.ts, WebGPU only). Values uniform in
 * [-0.5, 0.5) from the case's seed; `nanAt`: an input index set to NaN (the ReLU keeps it).
 */
export interface DirectConvCase {
  name: string;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
  activation: 'relu' | 'linear';
  seed: number;
  nanAt?: number;
}

export const DIRECT_CONV_CASES: DirectConvCase[] = [
  {
    name: 'tiny layer 1',
    xShape: [5, 28, 28, 1],
    wShape: [3, 3, 1, 8],
    stride: 1,
    pad: 'same',
    activation: 'relu',
    seed: 11,
  },
  {
    name: 'tiny layer 2',
    xShape: [5, 14, 14, 8],
    wShape: [3, 3, 8, 16],
    stride: 1,
    pad: 'same',
    activation: 'relu',
    seed: 12,
  },
  {
    name: 'stride 2, valid, odd sizes',
    xShape: [2, 9, 11, 3],
    wShape: [3, 3, 3, 5],
    stride: 2,
    pad: 'valid',
    activation: 'linear',
    seed: 13,
  },
  {
    name: 'stride 2, same',
    xShape: [2, 8, 7, 4],
    wShape: [3, 3, 4, 6],
    stride: 2,
    pad: 'same',
    activation: 'relu',
    seed: 14,
  },
  {
    name: '5x3 filter',
    xShape: [2, 6, 5, 2],
    wShape: [5, 3, 2, 3],
    stride: 1,
    pad: 'same',
    activation: 'linear',
    seed: 15,
  },
  {
    name: 'a NaN input (the ReLU keeps it)',
    xShape: [1, 5, 5, 2],
    wShape: [3, 3, 2, 4],
    stride: 1,
    pad: 'same',
    activation: 'relu',
    seed: 16,
    nanAt: 12,
  },
];

/** A case's FusedConv2D inputs (the caller disposes them) and attributes. */
export function directConvInputs(c: DirectConvCase) {
  const rng = new Rng(c.seed);
  const values = (shape: number[]) =>
    Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.next() - 0.5);
  const xv = values(c.xShape);
  if (c.nanAt !== undefined) xv[c.nanAt] = Number.NaN;
  const inputs = {
    x: tf.tensor4d(xv, c.xShape),
    filter: tf.tensor4d(values(c.wShape), c.wShape),
    bias: tf.tensor1d(values([c.wShape[3]])),
  };
  const attrs = {
    strides: [c.stride, c.stride] as [number, number],
    pad: c.pad,
    dataFormat: 'NHWC' as const,
    dilations: [1, 1] as [number, number],
    activation: c.activation,
  };
  return { inputs, attrs };
}

/**
 * NaN where `want` has NaN and only there (else infinite), otherwise the worst error relative
 * to want's largest finite magnitude.
 */
export function nanAwareError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  const scale = Math.max(1e-6, ...Array.from(want, (v) => (Number.isNaN(v) ? 0 : Math.abs(v))));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]!) || Number.isNaN(got[i]!)) {
      if (Number.isNaN(want[i]!) !== Number.isNaN(got[i]!)) return Number.POSITIVE_INFINITY;
    } else worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale);
  }
  return worst;
}

type DirectConvArgs = ReturnType<typeof directConvInputs>;
/** Every direct-convolution case through `ours` against tfjs's FusedConv2D on this backend. */
export async function directConvErrors(
  ours: (inputs: DirectConvArgs['inputs'], attrs: DirectConvArgs['attrs']) => tf.Tensor,
): Promise<Array<{ name: string; error: number }>> {
  const out = [];
  for (const c of DIRECT_CONV_CASES) {
    const { inputs, attrs } = directConvInputs(c);
    const got = ours(inputs, attrs);
    const want = runKernel(tf.FusedConv2D, inputs, attrs);
    out.push({ name: c.name, error: nanAwareError(await got.data(), await want.data()) });
    tf.dispose([got, want, ...Object.values(inputs)]);
  }
  return out;
}
