/**
 * Runs in a real browser page (served from source by the dev server) on each GPU backend
 * (webgpu, webgl): the shared kernel cases (src/engine/kernels/kernelCases.ts: median bandwidth,
 * elementwise, Match_c with its gradients, filter gradient; the unit tests run them on cpu and wasm), then the
 * whole model, the guard and direct convolution, against a CPU reference
 * computed in the same page. Results go to `window.kernelCheck` for the spec.
 * Node runs the same checks on Dawn's WebGPU (test/nodeWebGpu.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { DEFAULT_CONFIG } from '../../src/engine/config';
import { DIRECT_CONV2D } from '../../src/engine/kernels/directConv';
import { convFilterGradient, filterGradientByTaps } from '../../src/engine/kernels/filterGradient';
import {
  ELEMENTWISE_CASES,
  FILTER_GRADIENT_CASES,
  filterGradientInputs,
  matchingOutputs,
  medianCases,
  relativeError,
} from '../../src/engine/kernels/kernelCases';
import { hasMatchingKernels } from '../../src/engine/kernels/matchingKernels';
import { hasMedianKernel, upperTriangleMedian } from '../../src/engine/kernels/median';
import {
  onEmulatedWebGl,
  onEmulatedWebGpu,
  withProgramChoices,
} from '../../src/engine/kernels/programChoices';
import { registerEngineKernels } from '../../src/engine/kernels/registerEngineKernels';
import {
  clearMatchingCache,
  medianBandwidth,
  pairwiseSqDist,
  SIGMA_FLOOR,
} from '../../src/engine/matching';
import { createModel } from '../../src/engine/models';
import { GuardedOptimizer } from '../../src/engine/optimizer';
import { trainingLoss } from '../../src/engine/trainer';
import { Rng } from '../../src/util/rng';

/** Seeded uniform numbers in [0, 1) (no Math.random: the spec compares backends). */
function seeded(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** The shared median cases (kernelCases.ts) against the CPU reference computed in this page. */
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

/**
 * One training objective of the tiny CNN (fused conv/dense kernels with written-out gradients,
 * cross-entropy, Match_c) and its gradient w.r.t. every parameter, on a fixed 12 + 10 batch.
 */
async function wholeModel(): Promise<Record<string, number[]>> {
  const r = seeded(5);
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
  const r = seeded(11);
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
 * backend, over the shared cases (kernelCases.ts; 1, 8 and 32 input channels among them):
 * whether it took the per-tap products, and the worst error relative to the largest value.
 */
async function filterGradients(): Promise<
  Array<{ name: string; cin: number; byTaps: boolean; error: number }>
> {
  const out = [];
  for (const c of FILTER_GRADIENT_CASES) {
    const { x, dy, filterShape } = filterGradientInputs(c);
    const ours = withProgramChoices(() => convFilterGradient(x, dy, filterShape));
    const theirs = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
      strides: [1, 1],
      pad: 'same',
      dataFormat: 'NHWC',
      filterShape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const [a, b] = [await ours.data(), await theirs.data()];
    const cin = c.xShape[3];
    out.push({ name: c.name, cin, byTaps: filterGradientByTaps(cin), error: relativeError(a, b) });
    tf.dispose([x, dy, ours, theirs]);
  }
  return out;
}

/**
 * The shared elementwise cases (kernelCases.ts: SGD candidate, velocity and select with the flag
 * at 1 and 0, the ReLU backward with NaN and ±∞, the bias-gradient channel sum) on this
 * backend; the verdict compares them with the table's exact values.
 */
async function elementwise(): Promise<Record<string, number[]>> {
  const result: Record<string, number[]> = {};
  for (const c of ELEMENTWISE_CASES) {
    const t = tf.tidy(c.run);
    result[c.name] = Array.from(await t.data(), (x) => x + 0);
    t.dispose();
  }
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
      matching: { ...(await matchingOutputs()), ...(await wholeModel()) },
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
