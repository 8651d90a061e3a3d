/**
 * Candidate engine changes, applied to a live Trainer by patching its instances (nothing in
 * src/ changes), so that `npm run bench -- --experiments` can measure each against the
 * unpatched engine in the same interleaved rounds. A change that pays is then proposed for
 * src/engine with these numbers (bench/PERFORMANCE.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GuardedOptimizer } from '../src/engine/optimizer';
import type { Trainer } from '../src/engine/trainer';

export const EXPERIMENTS = ['settimeout-yield', 'no-guard', 'preuploaded-batches'] as const;
export type Experiment = (typeof EXPERIMENTS)[number];

export const EXPERIMENT_NOTES: Record<Experiment, string> = {
  'settimeout-yield':
    'the reverse of a change made: the session yielding with a setTimeout(0) chain, as before this bench (browsers clamp nested timers to 4 ms)',
  'no-guard':
    'upper bound: plain SGD-momentum, no finiteness guard (loses "keep the last finite parameters")',
  'preuploaded-batches':
    "the peer's data advantage: 8 batches uploaded before timing and cycled (no per-step upload; not a valid training stream)",
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
    case 'preuploaded-batches':
      return; // engineRunner swaps the yield / the batch source.
    case 'no-guard':
      if (opt.kind === 'sgd') opt.apply = plainApply.bind(opt);
      return;
  }
}
