/**
 * Candidate engine changes, applied to a live Trainer by patching its instances (nothing in
 * src/ changes), so that `npm run bench -- --experiments` can measure each against the
 * unpatched engine in the same interleaved rounds. A change that pays is then proposed for
 * src/engine with these numbers (bench/PERFORMANCE.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { GuardedOptimizer } from '../src/engine/optimizer';
import type { Trainer } from '../src/engine/trainer';

export const EXPERIMENTS = ['settimeout-yield', 'lean-guard', 'no-guard'] as const;
export type Experiment = (typeof EXPERIMENTS)[number];

export const EXPERIMENT_NOTES: Record<Experiment, string> = {
  'settimeout-yield':
    'the reverse of a change made: the session yielding with a setTimeout(0) chain, as before this bench (browsers clamp nested timers to 4 ms)',
  'lean-guard':
    'GuardedOptimizer (SGD): probe only the new parameters (a non-finite velocity makes them non-finite too) and tile the finite flag once per shape: 8 fewer Sum, Mul and Tile kernels for a 4-layer model, same guarantees',
  'no-guard':
    'upper bound: plain SGD-momentum, no finiteness guard (loses "keep the last finite parameters")',
};

interface OptimizerInternals {
  params: tf.Variable[];
  slots: tf.Variable[][];
  momentum: number;
  lr: tf.Variable;
  healthy: tf.Variable;
  finiteSteps: tf.Variable;
  t: tf.Variable;
  kind: 'sgd' | 'adam';
}

function leanApply(
  this: OptimizerInternals,
  grads: tf.Tensor[],
  loss: tf.Scalar,
  extra: Array<[tf.Variable, tf.Tensor]> = [],
) {
  tf.tidy(() => {
    const updates: Array<[tf.Variable, tf.Tensor]> = [];
    const probes: tf.Tensor[] = [loss];
    grads.forEach((g, i) => {
      const p = this.params[i]!;
      const [v] = this.slots[i]!;
      const vNew = tf.add(tf.mul(this.momentum, v!), g);
      const pNew = tf.sub(p, tf.mul(this.lr, vNew));
      updates.push([v!, vNew], [p, pNew]);
      probes.push(tf.mul(tf.sum(pNew), 0));
    });
    for (const [, u] of extra) probes.push(tf.mul(tf.sum(u), 0));
    updates.push(...extra);
    const ok = tf.logicalAnd(tf.isFinite(tf.addN(probes)), tf.greater(this.healthy, 0.5));
    const tiled = new Map<string, tf.Tensor>();
    for (const [variable, value] of updates) {
      const key = variable.shape.join('x');
      let cond = tiled.get(key);
      if (!cond) {
        cond = tf.broadcastTo(ok, variable.shape);
        tiled.set(key, cond);
      }
      variable.assign(tf.where(cond, value, variable));
    }
    const okFloat = tf.cast(ok, 'float32');
    this.t.assign(tf.add(this.t, okFloat));
    this.finiteSteps.assign(tf.add(this.finiteSteps, okFloat));
    this.healthy.assign(okFloat as tf.Scalar);
  });
}

function plainApply(
  this: OptimizerInternals,
  grads: tf.Tensor[],
  _loss: tf.Scalar,
  extra: Array<[tf.Variable, tf.Tensor]> = [],
) {
  tf.tidy(() => {
    grads.forEach((g, i) => {
      const p = this.params[i]!;
      const [v] = this.slots[i]!;
      const vNew = tf.add(tf.mul(this.momentum, v!), g);
      v!.assign(vNew);
      p.assign(tf.sub(p, tf.mul(this.lr, vNew)));
    });
    for (const [variable, value] of extra) variable.assign(value);
    this.t.assign(tf.add(this.t, 1));
    this.finiteSteps.assign(tf.add(this.finiteSteps, 1));
  });
}

/** Patches `trainer` in place for `exp`. */
export function applyExperiment(trainer: Trainer, exp: Experiment): void {
  const opt = (
    trainer as unknown as { optimizer: OptimizerInternals & Pick<GuardedOptimizer, 'apply'> }
  ).optimizer;
  switch (exp) {
    case 'settimeout-yield':
      return; // engineRunner swaps the yield.
    case 'lean-guard':
      if (opt.kind === 'sgd') opt.apply = leanApply.bind(opt);
      return;
    case 'no-guard':
      if (opt.kind === 'sgd') opt.apply = plainApply.bind(opt);
      return;
  }
}
