/**
 * The kernel cases that run the engine around the kernels (a sibling of kernelCases.ts): one
 * training objective of the tiny CNN with its gradients and one guarded SGD step, and the
 * optimizer's guard. Run by the unit tests on cpu and wasm (modelCases.test.ts) and by the
 * browser page on webgl and webgpu (e2e/pages/kernels.ts, also Node's Dawn WebGPU through
 * test/nodeWebGpu.test.ts). No DOM and no node: imports; inputs from the seeded generator.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng';
import { DEFAULT_CONFIG } from '../config';
import { createModel } from '../models';
import { GuardedOptimizer } from '../optimizer';
import { trainingLoss } from '../trainer';
import { withProgramChoices } from './programChoices';

/**
 * One training objective of the tiny CNN (fused conv/dense kernels with written-out gradients,
 * cross-entropy, Match_c) and its gradient w.r.t. every parameter on a fixed 12 + 10 batch,
 * then the loss after one guarded SGD step. Compared against the cpu backend's run (relative
 * error below 1e-3).
 */
export async function wholeModelOutputs(): Promise<Record<string, number[]>> {
  const rng = new Rng(5);
  const model = createModel('tiny', { height: 28, width: 28, channels: 1 }, 10, 3);
  const images = (m: number) =>
    tf.tensor4d(
      Array.from({ length: m * 784 }, () => rng.next()),
      [m, 28, 28, 1],
    );
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
  tf.dispose([value, after, ...Object.values(grads), batch.x1, batch.y1, batch.x2, batch.y2]);
  tf.dispose(centers);
  model.dispose();
  return out;
}

export interface GuardResult {
  afterFinite: number[];
  lastAfterFinite: number[];
  afterSecond: number[];
  afterInfinite: number[];
  healthy: number[];
}

/**
 * The optimizer's guard on the active backend (the engine's SGD kernels): two finite steps
 * apply (every element: the values differ, so a kernel that repeated one element would show;
 * the second step adds the velocity), then a step with one infinite gradient entry among 12
 * tensors (more than WebGPU binds at once) changes nothing.
 */
export async function guardOutputs(): Promise<GuardResult> {
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
 * Where a guard run differs from its exact values (empty when it agrees): [1, 2, 3] − 0.5·1
 * after a finite step, the 12th tensor 1…14 all moved, then v = 0.9·1 + 1 = 1.9 and p − 0.5·1.9
 * (to 5 decimals); unchanged after the step with one ∞ gradient entry; healthy, then not.
 */
export function guardMismatches(g: GuardResult): string[] {
  const exact = (a: number, b: number) => a === b;
  const close = (a: number, b: number) => Math.abs(a - b) < 5e-6;
  const checks: Array<[string, number[], number[], (a: number, b: number) => boolean]> = [
    ['finite step', g.afterFinite, [0.5, 1.5, 2.5], exact],
    ['12th tensor', g.lastAfterFinite, Array.from({ length: 14 }, (_, i) => i + 0.5), exact],
    ['second step', g.afterSecond, [-0.45, 0.55, 1.55], close],
    ['∞ step', g.afterInfinite, g.afterSecond, exact],
    ['health flag', g.healthy, [1, 0], exact],
  ];
  return checks
    .filter(
      ([, got, want, eq]) => got.length !== want.length || got.some((v, i) => !eq(v, want[i]!)),
    )
    .map(([what, got, want]) => `${what}: got [${got.join(', ')}], want [${want.join(', ')}]`);
}
