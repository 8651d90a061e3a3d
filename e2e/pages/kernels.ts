/**
 * Runs in a real browser page (served from source by the dev server): the median bandwidth and
 * the matching loss with its written-out gradient on each GPU backend (webgpu, webgl), against
 * a CPU reference computed in the same page. Results go to `window.kernelCheck` for the spec.
 * Node runs the same checks on Dawn's WebGPU (test/nodeWebGpu.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { DEFAULT_CONFIG } from '../../src/engine/config';
import { channelSum } from '../../src/engine/kernels/channelSum';
import { DIRECT_CONV2D } from '../../src/engine/kernels/directConv';
import { convFilterGradient, filterGradientByTaps } from '../../src/engine/kernels/filterGradient';
import { hasMatchingKernels } from '../../src/engine/kernels/matchingKernels';
import { hasMedianKernel, upperTriangleMedian } from '../../src/engine/kernels/median';
import {
  onEmulatedWebGl,
  onEmulatedWebGpu,
  withProgramChoices,
} from '../../src/engine/kernels/programChoices';
import { registerEngineKernels } from '../../src/engine/kernels/registerEngineKernels';
import { reluBackward } from '../../src/engine/kernels/reluBackward';
import { selectByFlag, sgdCandidate, sgdVelocity } from '../../src/engine/kernels/sgdUpdate';
import {
  clearMatchingCache,
  matchingLossOf,
  medianBandwidth,
  pairwiseSqDist,
  SIGMA_FLOOR,
} from '../../src/engine/matching';
import { createModel } from '../../src/engine/models';
import { GuardedOptimizer } from '../../src/engine/optimizer';
import { trainingLoss } from '../../src/engine/trainer';

/** Deterministic pseudo-random numbers (no Math.random: the spec compares backends). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface MedianCase {
  name: string;
  rows: number;
  dim: number;
  values: number[];
}

function medianCases(): MedianCase[] {
  const r = lcg(7);
  const rand = (rows: number, dim: number, scale = 1) =>
    Array.from({ length: rows * dim }, () => (r() - 0.5) * scale);
  return [
    { name: 'n=2 (one pair)', rows: 2, dim: 3, values: rand(2, 3) },
    { name: 'n=3 (odd count of pairs)', rows: 3, dim: 4, values: rand(3, 4) },
    { name: 'n=4 (even count)', rows: 4, dim: 2, values: rand(4, 2) },
    { name: 'n=17', rows: 17, dim: 5, values: rand(17, 5, 10) },
    // Integer points on a line: many equal distances (ties across the middle).
    { name: 'ties', rows: 12, dim: 1, values: Array.from({ length: 12 }, (_, i) => i % 4) },
    { name: 'all equal (σ at its floor)', rows: 8, dim: 3, values: Array(24).fill(0.5) },
    { name: 'n=128 (a 64 + 64 batch)', rows: 128, dim: 64, values: rand(128, 64, 0.1) },
    { name: 'n=200 (uneven power of two)', rows: 200, dim: 8, values: rand(200, 8) },
  ];
}

async function medians(): Promise<Array<{ name: string; got: number; want: number }>> {
  const out = [];
  for (const c of medianCases()) {
    const h = tf.tensor2d(c.values, [c.rows, c.dim]);
    const d = pairwiseSqDist(h);
    const s = medianBandwidth(d);
    const [dv, sv] = await Promise.all([d.data(), s.data()]);
    out.push({
      name: c.name,
      got: sv[0]!,
      want: Math.fround(Math.max(SIGMA_FLOOR, upperTriangleMedian(dv, c.rows))),
    });
    tf.dispose([h, d, s]);
  }
  return out;
}

/** Match_c, σ and both gradients on a 24 + 20 batch with 5 classes, both estimators. */
async function matching(): Promise<Record<string, number[]>> {
  const r = lcg(11);
  const h1 = tf.tensor2d(Array.from({ length: 24 * 6 }, r), [24, 6]);
  const h2 = tf.tensor2d(Array.from({ length: 20 * 6 }, r), [20, 6]);
  const l1 = Array.from({ length: 24 }, (_, i) => i % 5);
  const l2 = Array.from({ length: 20 }, (_, i) => (i * 3) % 4); // class 4 only in S1
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

/**
 * One training objective of the tiny CNN (fused conv/dense kernels with written-out gradients,
 * cross-entropy, Match_c) and its gradient w.r.t. every parameter, on a fixed 12 + 10 batch.
 */
async function wholeModel(): Promise<Record<string, number[]>> {
  const r = lcg(5);
  const model = createModel('tiny', { height: 28, width: 28, channels: 1 }, 10, 3);
  const images = (m: number) => tf.tensor4d(Array.from({ length: m * 784 }, r), [m, 28, 28, 1]);
  const labels1 = Int32Array.from({ length: 12 }, (_, i) => i % 4);
  const labels2 = Int32Array.from({ length: 10 }, (_, i) => (i + 1) % 4);
  const oneHot = (l: Int32Array) =>
    tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(l, 'int32'), 10), 'float32') as tf.Tensor2D);
  const batch = {
    x1: images(12),
    y1: oneHot(labels1),
    x2: images(10),
    y2: oneHot(labels2),
    labels1,
    labels2,
  };
  const centers = tf.zeros([10, model.featureDim]) as tf.Tensor2D;
  const cfg = { ...DEFAULT_CONFIG, model: 'tiny' as const, method: 'itra-c' as const };
  // In a tidy and with the engine's program choices, as in Trainer.trainStep: the loss's
  // intermediates (plan, h1, ce) go with it, and on SwiftShader WebGPU the direct convolution
  // and packed matrix-product programs run (programChoices.ts).
  const { value, grads } = withProgramChoices(() =>
    tf.tidy(() =>
      tf.variableGrads(
        () => trainingLoss(model, batch, cfg, 0.8, centers, { concat: true }).loss,
        model.params,
      ),
    ),
  );
  const out: Record<string, number[]> = { loss: Array.from(await value.data()) };
  for (const p of model.params) {
    out[`d ${p.name.split('/').slice(1).join('/')}`] = Array.from(await grads[p.name]!.data());
  }
  // One guarded SGD step (the engine's SGD kernels, sgdUpdate.ts), then the loss again: the
  // updated weights and biases go back through the fused kernels.
  const opt = new GuardedOptimizer('sgd', model.params, 0.05, 0.9);
  tf.tidy(() =>
    opt.apply(
      model.params.map((p) => grads[p.name]!),
      value,
    ),
  );
  const after = withProgramChoices(() =>
    tf.tidy(() => trainingLoss(model, batch, cfg, 0.8, centers, { concat: true }).loss),
  );
  out['loss after one step'] = Array.from(await after.data());
  opt.dispose();
  tf.dispose([
    value,
    after,
    ...Object.values(grads),
    batch.x1,
    batch.y1,
    batch.x2,
    batch.y2,
    centers,
  ]);
  model.dispose();
  return out;
}

/**
 * The optimizer's guard on this backend (the engine's SGD kernels): two finite steps apply
 * (every element: the values differ, so a kernel that repeated one element would show; the
 * second step adds the velocity), then a step with one infinite gradient entry among 12 tensors
 * (more than WebGPU binds at once) changes nothing.
 */
async function guard(): Promise<{
  afterFinite: number[];
  lastAfterFinite: number[];
  afterSecond: number[];
  afterInfinite: number[];
  healthy: number[];
}> {
  // In a tidy: a variable keeps its own reference to the data; the initial tensor goes.
  const params = Array.from({ length: 12 }, (_, i) =>
    tf.tidy(() => tf.variable(tf.range(1, 4 + i), true, `guard-check-${tf.getBackend()}-${i}`)),
  );
  const opt = new GuardedOptimizer('sgd', params, 0.5, 0.9);
  const grads = (bad: boolean) =>
    params.map((p, i) =>
      bad && i === 9
        ? tf.tensor1d([0, Number.POSITIVE_INFINITY, ...Array(10).fill(0)])
        : tf.onesLike(p),
    );
  tf.tidy(() => opt.apply(grads(false), tf.scalar(1)));
  const afterFinite = Array.from(await params[0]!.data());
  const lastAfterFinite = Array.from(await params[11]!.data());
  tf.tidy(() => opt.apply(grads(false), tf.scalar(1)));
  const afterSecond = Array.from(await params[0]!.data());
  const healthyFinite = (await opt.healthy.data())[0]!;
  tf.tidy(() => opt.apply(grads(true), tf.scalar(1)));
  const afterInfinite = Array.from(await params[0]!.data());
  const out = {
    afterFinite,
    lastAfterFinite,
    afterSecond,
    afterInfinite,
    healthy: [healthyFinite, (await opt.healthy.data())[0]!],
  };
  opt.dispose();
  tf.dispose(params);
  return out;
}

/**
 * WebGPU only: our direct convolution (directConv.ts) against tfjs's FusedConv2D on the same
 * backend, over strides, pads, odd sizes and both activations. Returns the worst relative error
 * per case (relative to the largest output).
 */
async function directConvs(): Promise<Array<{ name: string; error: number }>> {
  if (tf.getBackend() !== 'webgpu') return [];
  const r = lcg(11);
  const cases: Array<[string, number[], number[], number, 'same' | 'valid', 'relu' | 'linear']> = [
    ['tiny layer 1', [5, 28, 28, 1], [3, 3, 1, 8], 1, 'same', 'relu'],
    ['tiny layer 2', [5, 14, 14, 8], [3, 3, 8, 16], 1, 'same', 'relu'],
    ['stride 2, valid, odd sizes', [2, 9, 11, 3], [3, 3, 3, 5], 2, 'valid', 'linear'],
    ['stride 2, same', [2, 8, 7, 4], [3, 3, 4, 6], 2, 'same', 'relu'],
    ['5x3 filter', [2, 6, 5, 2], [5, 3, 2, 3], 1, 'same', 'linear'],
    ['a NaN input (the ReLU keeps it)', [1, 5, 5, 2], [3, 3, 2, 4], 1, 'same', 'relu'],
  ];
  const out = [];
  for (const [name, xs, ws, stride, pad, activation] of cases) {
    const t = (shape: number[]) =>
      tf.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b) }, () => r() - 0.5),
        shape,
      );
    const xv = Array.from({ length: xs.reduce((a, b) => a * b) }, () => r() - 0.5);
    if (name.startsWith('a NaN')) xv[12] = Number.NaN;
    const [x, w, b] = [tf.tensor(xv, xs), t(ws), t([ws[3]!])];
    const attrs = {
      strides: [stride, stride],
      pad,
      dataFormat: 'NHWC',
      dilations: [1, 1],
      activation,
    };
    const run = (k: string) =>
      tf
        .engine()
        .runKernel(k, { x, filter: w, bias: b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const [ours, theirs] = [run(DIRECT_CONV2D), run(tf.FusedConv2D)];
    const [a, c] = [await ours.data(), await theirs.data()];
    let worst = a.length === c.length ? 0 : Number.POSITIVE_INFINITY;
    const scale = Math.max(1e-6, ...Array.from(c, (v) => (Number.isNaN(v) ? 0 : Math.abs(v))));
    for (let i = 0; i < c.length; i++) {
      // NaN where tfjs has NaN, and only there.
      if (Number.isNaN(c[i]!) || Number.isNaN(a[i]!)) {
        if (Number.isNaN(c[i]!) !== Number.isNaN(a[i]!)) worst = Number.POSITIVE_INFINITY;
      } else worst = Math.max(worst, Math.abs(a[i]! - c[i]!) / scale);
    }
    out.push({ name, error: worst });
    tf.dispose([x, w, b, ours, theirs]);
  }
  return out;
}

/**
 * The engine's filter gradient (filterGradient.ts) against tfjs's Conv2DBackpropFilter on this
 * backend, for 1, 8 and 32 input channels: whether it took the per-tap products, and the worst
 * error relative to the largest value.
 */
async function filterGradients(): Promise<Array<{ cin: number; byTaps: boolean; error: number }>> {
  const r = lcg(13);
  const out = [];
  for (const cin of [1, 8, 32]) {
    const t = (shape: [number, number, number, number]) =>
      tf.tensor4d(
        Array.from({ length: shape.reduce((a, b) => a * b) }, () => r() - 0.5),
        shape,
      );
    const [x, dy] = [t([4, 14, 14, cin]), t([4, 14, 14, 16])];
    const filterShape: [number, number, number, number] = [3, 3, cin, 16];
    const ours = withProgramChoices(() => convFilterGradient(x, dy, filterShape));
    const theirs = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
      strides: [1, 1],
      pad: 'same',
      dataFormat: 'NHWC',
      filterShape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const [a, c] = [await ours.data(), await theirs.data()];
    const scale = Math.max(1e-6, ...Array.from(c, Math.abs));
    let error = a.length === c.length ? 0 : Number.POSITIVE_INFINITY;
    for (let i = 0; i < c.length; i++) error = Math.max(error, Math.abs(a[i]! - c[i]!) / scale);
    out.push({ cin, byTaps: filterGradientByTaps(cin), error });
    tf.dispose([x, dy, ours, theirs]);
  }
  return out;
}

/**
 * The engine's elementwise kernels on this backend with the flag made as the optimizer makes it
 * (a Select from a bool): the SGD candidate, the velocity and the select at ok = 1 and ok = 0,
 * and the ReLU backward with NaN and ±∞. Exact expected values (they are exact in float32).
 */
async function elementwise(): Promise<Record<string, number[]>> {
  const flag = (on: boolean) =>
    tf.where(tf.scalar(on, 'bool'), tf.scalar(1), tf.scalar(0)) as tf.Scalar;
  const p = tf.tensor1d([1, 2, 3, 4, 5]);
  const v = tf.tensor1d([0.5, -0.5, 1, 0, 2]);
  const g = tf.tensor1d([1, 1, -2, 0.25, 0.5]);
  const lr = tf.scalar(0.5);
  const inf = Number.POSITIVE_INFINITY;
  const dy = tf.tensor1d([2, 3, Number.NaN, inf, -inf, 6]);
  const y = tf.tensor1d([1, 0, 0, 0, 1, -1]);
  // A bias gradient [N=2, H=2, W=2, C=3]: channel 0 the integers 1…8 (sum 36, exact through an
  // average of 4 and a product by 4), channel 1 a NaN among them, channel 2 a +∞.
  const biasDy = tf.tensor4d(
    Array.from({ length: 24 }, (_, i) => {
      const [pixel, c] = [Math.floor(i / 3), i % 3];
      if (c === 1 && pixel === 5) return Number.NaN;
      if (c === 2 && pixel === 2) return inf;
      return pixel + 1;
    }),
    [2, 2, 2, 3],
  );
  // In a tidy: the flags and their scalars go; the outputs are returned, so kept.
  const outs: Record<string, tf.Tensor> = tf.tidy(() => ({
    candidate: sgdCandidate(p, v, g, lr, 0.5),
    'velocity ok': sgdVelocity(flag(true), v, g, 0.5),
    'velocity refused': sgdVelocity(flag(false), v, g, 0.5),
    'select ok': selectByFlag(flag(true), p, g),
    'select refused': selectByFlag(flag(false), p, g),
    'relu backward': reluBackward(dy, y),
    'channel sum': channelSum(biasDy),
  }));
  const result: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(outs)) result[k] = Array.from(await t.data(), (x) => x + 0);
  tf.dispose([p, v, g, lr, dy, y, biasDy, ...Object.values(outs)]);
  return result;
}

/** Every check above on one backend (made active here); `error` where it did not run. */
export async function checkBackend(backend: string): Promise<Record<string, unknown>> {
  try {
    if (!(await tf.setBackend(backend))) throw new Error('not available');
    await tf.ready();
    const before = tf.memory().numTensors;
    const result: Record<string, unknown> = {
      kernel: hasMedianKernel(128),
      matchingKernels: hasMatchingKernels(),
      programChoices: onEmulatedWebGpu(),
      emulatedWebGl: onEmulatedWebGl(),
      medians: await medians(),
      matching: { ...(await matching()), ...(await wholeModel()) },
      guard: await guard(),
      directConvs: await directConvs(),
      filterGradients: await filterGradients(),
      elementwise: await elementwise(),
    };
    clearMatchingCache();
    return { ...result, leaked: tf.memory().numTensors - before };
  } catch (e) {
    return { error: String(e) };
  }
}

async function main() {
  registerEngineKernels();
  const result: Record<string, unknown> = {};
  for (const backend of ['cpu', 'webgpu', 'webgl']) result[backend] = await checkBackend(backend);
  (window as unknown as { kernelCheck: unknown }).kernelCheck = result;
}

// In the page; Node's WebGPU test (test/nodeWebGpu.test.ts) imports checkBackend only.
if (typeof window !== 'undefined') void main();
