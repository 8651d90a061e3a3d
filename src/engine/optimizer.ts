/**
 * SGD with momentum (PyTorch's form: v ← μv + g, p ← p − lr·v) and Adam, with two properties
 * tfjs's own optimizers lack:
 *  - the learning rate is a scalar variable, so it changes live without touching the state;
 *  - every update is guarded on the GPU: if the loss or any new parameter is not finite, no
 *    parameter or slot changes, and the run's `healthy` flag drops to 0 for good. So a diverging
 *    run keeps its last finite parameters without reading anything back on ordinary steps; the
 *    trainer reads the flag at eval steps only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerId } from './config';
import { selectByFlag, sgdCandidate, sgdVelocity } from './kernels/sgdUpdate';

export class GuardedOptimizer {
  readonly lr: tf.Variable<tf.Rank.R0>;
  /** 1 while every step so far was finite, then 0 forever. */
  readonly healthy: tf.Variable<tf.Rank.R0>;
  /** Number of finite steps applied; at divergence, the index of the failing step. */
  readonly finiteSteps: tf.Variable<tf.Rank.R0>;
  /** L2 weight decay: coupled for SGD (g + wd·p), decoupled for Adam (AdamW). */
  readonly weightDecay: tf.Variable<tf.Rank.R0>;
  private weightDecayOn = false;
  private readonly slots: tf.Variable[][];
  private readonly t: tf.Variable<tf.Rank.R0>;

  constructor(
    readonly kind: OptimizerId,
    private readonly params: tf.Variable[],
    lr: number,
    private readonly momentum: number,
    weightDecay = 0,
  ) {
    // tidy frees the initial values; variables survive it.
    const v = (t: () => tf.Tensor) => tf.tidy(() => tf.variable(t(), false));
    this.lr = v(() => tf.scalar(lr)) as tf.Variable<tf.Rank.R0>;
    this.weightDecay = v(() => tf.scalar(weightDecay)) as tf.Variable<tf.Rank.R0>;
    this.weightDecayOn = weightDecay > 0;
    this.healthy = v(() => tf.scalar(1)) as tf.Variable<tf.Rank.R0>;
    this.finiteSteps = v(() => tf.scalar(0)) as tf.Variable<tf.Rank.R0>;
    this.t = v(() => tf.scalar(0)) as tf.Variable<tf.Rank.R0>;
    const nSlots = kind === 'sgd' ? 1 : 2;
    this.slots = params.map((p) => Array.from({ length: nSlots }, () => v(() => tf.zerosLike(p))));
  }

  /**
   * Everything the next updates depend on besides the parameters, the learning rate and the
   * weight decay (both set from the settings): the slots (momentum, or Adam's two moments),
   * Adam's step counter, the health flag and the finite-step count. Fixed order (checkpoints).
   */
  get stateVariables(): tf.Variable[] {
    return [...this.slots.flat(), this.t, this.healthy, this.finiteSteps];
  }

  setLearningRate(lr: number): void {
    tf.tidy(() => this.lr.assign(tf.scalar(lr)));
  }

  /** Live; at 0 the update runs no weight-decay kernel at all. */
  setWeightDecay(wd: number): void {
    this.weightDecayOn = wd > 0;
    tf.tidy(() => this.weightDecay.assign(tf.scalar(wd)));
  }

  /**
   * Applies `grads` (same order as params) if `loss` and the result are finite.
   * `extra` are further (variable, new value) pairs guarded by the same flag, e.g. centers or
   * batch-norm running statistics. Returns nothing; disposes nothing it was given.
   */
  apply(grads: tf.Tensor[], loss: tf.Scalar, extra: Array<[tf.Variable, tf.Tensor]> = []): void {
    tf.tidy(() => {
      /** (variable, its new value if the step is finite). */
      const updates: Array<[tf.Variable, tf.Tensor | ((ok: tf.Scalar) => tf.Tensor)]> = [];
      /** New values whose finiteness decides the step. */
      const probed: tf.Tensor[] = [];
      const tNew = tf.add(this.t, 1);
      const decay = this.weightDecayOn;
      grads.forEach((gRaw, i) => {
        const p = this.params[i];
        if (this.kind === 'sgd') {
          // PyTorch's SGD: the decay joins the gradient before the momentum.
          const g = decay ? tf.add(gRaw, tf.mul(p, this.weightDecay)) : gRaw;
          const [v] = this.slots[i];
          // One kernel each (sgdUpdate.ts): the candidate p − lr·(μv + g) to probe, then
          // v ← ok ? μv + g : v, computed again inside its kernel rather than stored.
          const pNew = sgdCandidate(p, v, g, this.lr, this.momentum);
          updates.push([v, (ok) => sgdVelocity(ok, v, g, this.momentum)], [p, pNew]);
          // p − lr·v is non-finite whenever v is (lr > 0; lr = 0 gives 0·∞ = NaN): probing
          // the parameters covers the velocity too.
          probed.push(pNew);
        } else {
          const g = gRaw;
          const [m, v] = this.slots[i];
          const b1 = 0.9;
          const b2 = 0.999;
          const mNew = tf.add(tf.mul(b1, m), tf.mul(1 - b1, g));
          const vNew = tf.add(tf.mul(b2, v), tf.mul(1 - b2, tf.square(g)));
          const mHat = tf.div(mNew, tf.sub(1, tf.pow(b1, tNew)));
          const vHat = tf.div(vNew, tf.sub(1, tf.pow(b2, tNew)));
          const step = tf.div(tf.mul(this.lr, mHat), tf.add(tf.sqrt(vHat), 1e-8));
          // AdamW: p ← p − lr·wd·p − step, the decay outside the moments.
          const decayed = decay ? tf.sub(p, tf.mul(p, tf.mul(this.lr, this.weightDecay))) : p;
          const pNew = tf.sub(decayed, step);
          updates.push([m, mNew], [v, vNew], [p, pNew]);
          // An infinite v makes the step 0, not NaN: probe every slot.
          probed.push(mNew, vNew, pNew);
        }
      });
      for (const [, u] of extra) probed.push(u);
      updates.push(...extra);
      // One finiteness test over the loss and every probed value: all of them in one vector,
      // times 0 (NaN·0 and ∞·0 are NaN, finite values become 0, so large finite values
      // cannot add up to ∞), summed: concat, mul, sum, isFinite (WebGPU splits a concat of
      // more than 7 inputs into several, WebGL may unpack some inputs first).
      const everything = tf.concat([
        tf.reshape(loss, [1]),
        ...probed.map((u) => tf.reshape(u, [-1])),
      ]);
      const ok = tf.logicalAnd(
        tf.isFinite(tf.sum(tf.mul(everything, 0))),
        tf.greater(this.healthy, 0.5),
      );
      // 1 or 0 as float32 data: WebGPU's cast from bool to float32 only relabels the bool's
      // int32 buffer, which the SGD kernels' float32 programs misread (e2e-checked).
      const okFloat = tf.where(ok, tf.scalar(1), tf.scalar(0)) as tf.Scalar;
      for (const [variable, next] of updates) {
        // ok ? new : old as one kernel whatever the shape (no broadcast of the flag).
        variable.assign(
          typeof next === 'function' ? next(okFloat) : selectByFlag(okFloat, next, variable),
        );
      }
      this.t.assign(tf.add(this.t, okFloat));
      this.finiteSteps.assign(tf.add(this.finiteSteps, okFloat));
      this.healthy.assign(okFloat);
    });
  }

  dispose(): void {
    tf.dispose([
      this.lr,
      this.weightDecay,
      this.healthy,
      this.finiteSteps,
      this.t,
      ...this.slots.flat(),
    ]);
  }
}
