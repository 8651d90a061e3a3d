/**
 * One training run: a model, its optimizer, the method in force, and its run record.
 * `trainStep` only enqueues GPU work (no read-back); `evaluate` reads everything a point needs
 * in one asynchronous read, at eval steps only. Live changes (method, λ, lr, estimator) apply
 * from the next step and are recorded as events; nothing is re-initialised.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplits } from '../data/dataset';
import type { Batch, EvalSet } from './batches';
import type { TrainerScalars } from './checkpoint';
import {
  type LivePatch,
  type TrainConfig,
  usesMatching,
  usesWarmup,
  validatePatch,
} from './config';
import {
  collapsedEvent,
  divergedEvent,
  EVAL_SCALARS,
  evalReadout,
  evalScalars,
  isCollapsed,
} from './evalStep';
import { confusionAccuracy, confusionRows, perClassAccuracy } from './features/classStats';
import { FeatureViews, type FrameResult, type FeatureViews as Views } from './features/embedding';
import type { EmbedSet } from './features/embedSet';
import { addFrame } from './features/frames';
import { initialRecord } from './initialRecord';
import { withProgramChoices } from './kernels/programChoices';
import type { BatchNormUpdate } from './layers';
import { updatedCenters } from './losses';
import { copyWeights, createModel, type Model } from './models';
import { type DiscernWeights, trainingLoss } from './objective';
import { GuardedOptimizer } from './optimizer';
import type { Point, RunEnvironment, RunEvent, RunRecord, SweepInfo } from './runRecord';
import { effectiveLearningRate } from './schedule';

export { type DiscernWeights, type LossParts, trainingLoss } from './objective';

const BN_MOMENTUM = 0.1;

export interface TrainerOptions {
  runId: string;
  name: string;
  config: TrainConfig;
  data: DatasetSplits;
  evalSet: EvalSet;
  environment: RunEnvironment;
  twin?: { pairId: string; side: 'A' | 'B' };
  /** Start from this model's weights (twin mode) instead of the seed's. */
  initFrom?: Model;
  /** Training labels the sampler's label noise replaced (for the record). */
  corruptedLabels?: number;
  /** The run's sweep and its place in the grid. */
  sweep?: SweepInfo;
  /** The embedding subset (shared by twins); absent: no feature views (embedSize 0). */
  embedSet?: EmbedSet;
  /** Keep the embedding subset's raw features on the backend for the listener (the worker's UMAP). */
  keepFeatures?: boolean;
}

export interface EvalOutcome {
  point: Point | null;
  events: RunEvent[];
  /** The feature views of this eval step (with embedSize > 0). */
  views?: FrameResult;
}

export class Trainer {
  readonly model: Model;
  readonly record: RunRecord;
  private readonly optimizer: GuardedOptimizer;
  private readonly centers: tf.Variable<tf.Rank.R2>;
  private readonly ceSum: tf.Variable<tf.Rank.R0>;
  private readonly evalSet: EvalSet;
  private readonly views: Views | null;
  private stepsSinceEval = 0;
  /** The learning rate last given to the optimizer (the schedule changes it step by step). */
  private appliedLr: number;
  private collapseReported = false;
  private warmupReported = false;
  private cfg: TrainConfig;
  step = 0;
  /** False once the run diverged or was stopped. */
  active = true;

  constructor(opts: TrainerOptions) {
    this.cfg = { ...opts.config };
    const { train, numClasses } = opts.data;
    this.evalSet = opts.evalSet;
    this.model = createModel(
      this.cfg.model,
      { height: train.height, width: train.width, channels: train.channels },
      numClasses,
      this.cfg.seed,
    );
    if (opts.initFrom) copyWeights(opts.initFrom, this.model);
    this.appliedLr = effectiveLearningRate(this.cfg, 0);
    this.optimizer = new GuardedOptimizer(
      this.cfg.optimizer,
      this.model.params,
      this.appliedLr,
      this.cfg.momentum,
      this.cfg.weightDecay,
    );
    this.centers = tf.tidy(() => tf.variable(tf.zeros([numClasses, this.model.featureDim]), false));
    this.ceSum = tf.tidy(() => tf.variable(tf.scalar(0), false));
    this.views = opts.embedSet
      ? new FeatureViews(opts.embedSet, this.model, this.cfg.seed, opts.keepFeatures)
      : null;
    this.record = initialRecord(opts, this.cfg);
  }

  /** The settings in force now (the record's `config` keeps the initial ones). */
  get config(): Readonly<TrainConfig> {
    return this.cfg;
  }

  /** λ in force at the next step: 0 during the warm-up and for methods without matching. */
  get lambdaEffective(): number {
    return usesMatching(this.cfg.method) && this.step >= this.cfg.warmup ? this.cfg.lambda : 0;
  }

  /** λ_gini, λ_kl in force at the next step: null before the warm-up ends and for other methods. */
  get discernWeights(): DiscernWeights | null {
    return this.cfg.method === 'discern' && this.step >= this.cfg.warmup
      ? { gini: this.cfg.lambdaGini, kl: this.cfg.lambdaKl }
      : null;
  }

  /** The learning rate of the next step: the live lr times the schedule's factor. */
  get learningRate(): number {
    return effectiveLearningRate(this.cfg, this.step);
  }

  /** One concatenated forward pass for S1 and S2, unless batch norm would mix their statistics. */
  get concatenatedPass(): boolean {
    const p = this.cfg.forwardPasses;
    return p === 'concat' || (p === 'auto' && !this.model.hasBatchNorm);
  }

  /** Validates and applies a live change from the next step on; returns its 'change' events. */
  patch(patch: LivePatch): RunEvent[] {
    return this.applyPatch(validatePatch(patch));
  }

  /** Applies an already validated live change (TrainingSession validates once for both sides). */
  applyPatch(valid: LivePatch): RunEvent[] {
    const events: RunEvent[] = [];
    for (const [key, to] of Object.entries(valid) as Array<[keyof LivePatch, string | number]>) {
      const from = this.cfg[key];
      if (from === to) continue;
      (this.cfg as Record<string, unknown>)[key] = to;
      if (key === 'weightDecay') this.optimizer.setWeightDecay(to as number);
      events.push({ kind: 'change', step: this.step, setting: key, from, to });
    }
    this.record.events.push(...events);
    return events;
  }

  /** Enqueues one training step on `batch`. Reads nothing back. */
  trainStep(batch: Batch): RunEvent[] {
    const events: RunEvent[] = [];
    if (
      !this.warmupReported &&
      usesWarmup(this.cfg.method) &&
      this.cfg.warmup > 0 &&
      this.step === this.cfg.warmup
    ) {
      this.warmupReported = true;
      events.push({ kind: 'warmup-end', step: this.step });
    }
    const cfg = this.cfg;
    const lambda = this.lambdaEffective;
    const discern = this.discernWeights;
    const model = this.model;
    const lr = this.learningRate;
    if (lr !== this.appliedLr) {
      this.optimizer.setLearningRate(lr);
      this.appliedLr = lr;
    }
    // withProgramChoices: tfjs programs suited to CPU-emulated WebGPU (programChoices.ts).
    withProgramChoices(() =>
      tf.tidy(() => {
        const kept: { ce?: tf.Scalar; h1?: tf.Tensor2D; bn: BatchNormUpdate[] } = { bn: [] };
        const { value, grads } = tf.variableGrads(() => {
          const bnOut: BatchNormUpdate[] = [];
          const r = trainingLoss(model, batch, cfg, lambda, this.centers, {
            concat: this.concatenatedPass,
            bnOut,
            discern,
          });
          kept.ce = tf.keep(r.ce);
          if (cfg.method === 'center') kept.h1 = tf.keep(r.h1);
          kept.bn = bnOut.map((u) => ({
            ...u,
            mean: tf.keep(u.mean),
            variance: tf.keep(u.variance),
          }));
          return r.loss;
        }, model.params);
        const extra: Array<[tf.Variable, tf.Tensor]> = [];
        if (kept.h1)
          extra.push([
            this.centers,
            updatedCenters(this.centers, kept.h1, batch.y1, cfg.centerAlpha),
          ]);
        for (const u of kept.bn) {
          extra.push([
            u.runningMean,
            tf.add(tf.mul(1 - BN_MOMENTUM, u.runningMean), tf.mul(BN_MOMENTUM, u.mean)),
          ]);
          extra.push([
            u.runningVar,
            tf.add(tf.mul(1 - BN_MOMENTUM, u.runningVar), tf.mul(BN_MOMENTUM, u.variance)),
          ]);
        }
        this.optimizer.apply(
          model.params.map((p) => grads[p.name]),
          value,
          extra,
        );
        this.ceSum.assign(tf.add(this.ceSum, kept.ce!));
        tf.dispose([kept.ce, kept.h1, ...kept.bn.flatMap((u) => [u.mean, u.variance])]);
      }),
    );
    this.step++;
    this.stepsSinceEval++;
    this.record.steps = this.step;
    this.record.events.push(...events);
    return events;
  }

  /**
   * Evaluates on the fixed test subset and on the features of `batch` (the current S1, S2, no
   * gradient), with one asynchronous read. Detects divergence and collapse.
   */
  async evaluate(
    batch: Batch,
    timing: { epoch: number; samplesPerSec: number | null; wallMs: number },
  ): Promise<EvalOutcome> {
    const cfg = this.cfg;
    const model = this.model;
    const views = this.views;
    const k = model.numClasses;
    const packed = evalReadout({
      model,
      evalSet: this.evalSet,
      views,
      batch,
      cfg,
      ceSum: this.ceSum,
      stepsSinceEval: this.stepsSinceEval,
      healthy: this.optimizer.healthy,
      finiteSteps: this.optimizer.finiteSteps,
    });
    const v = await packed.data();
    packed.dispose();
    tf.tidy(() => this.ceSum.assign(tf.scalar(0)));
    this.stepsSinceEval = 0;
    const {
      testCE,
      accRead,
      trainCE,
      match,
      sigma,
      intra,
      featVar,
      healthy,
      finiteSteps,
      gini,
      kl,
    } = evalScalars(v);
    const events: RunEvent[] = [];
    if (healthy < 0.5) {
      events.push(divergedEvent(finiteSteps, cfg.lr));
      this.active = false;
      this.record.status = 'diverged';
      this.record.events.push(...events);
      return { point: null, events };
    }
    if (!this.collapseReported && isCollapsed(featVar, sigma)) {
      this.collapseReported = true;
      events.push(collapsedEvent(this.step, featVar, sigma));
    }
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    let testAcc = accRead;
    let viewFields: Partial<Point> = {};
    let frame: FrameResult | undefined;
    if (views) {
      const confusion = confusionRows(v.subarray(EVAL_SCALARS, EVAL_SCALARS + k * k), k);
      // With the views on, test accuracy is the confusion's trace / sum (same subset, same argmax).
      testAcc = confusionAccuracy(confusion) ?? Number.NaN;
      frame = views.unpack(v as Float32Array, EVAL_SCALARS + k * k, this.step);
      viewFields = {
        confusion,
        classAcc: perClassAccuracy(confusion),
        classIntra: frame.classIntra,
        silhouette: frame.silhouette,
      };
      this.record.embeddings = addFrame(this.record.embeddings ?? [], frame.frame);
    }
    const point: Point = {
      step: this.step,
      epoch: timing.epoch,
      intraDist: finite(intra),
      testAcc: finite(testAcc),
      testCE: finite(testCE),
      trainCE: finite(trainCE),
      match: finite(match),
      sigma: finite(sigma),
      gini: finite(gini),
      kl: finite(kl),
      lr: this.learningRate,
      lambdaEff: this.lambdaEffective,
      method: cfg.method,
      samplesPerSec: timing.samplesPerSec,
      wallMs: timing.wallMs,
      ...viewFields,
    };
    this.record.points.push(point);
    this.record.events.push(...events);
    return { point, events, views: frame };
  }

  /** Resolves when the queued training work is done (a one-scalar read). */
  async flush(): Promise<void> {
    await this.ceSum.data();
  }

  /**
   * Every tensor the run's future depends on, in a fixed order (checkpoint.ts): the parameters,
   * the model's state (batch-norm statistics), the optimizer's state, the center-loss centers
   * and the train-CE sum since the last point.
   */
  get stateVariables(): tf.Variable[] {
    return [
      ...this.model.params,
      ...this.model.state,
      ...this.optimizer.stateVariables,
      this.centers,
      this.ceSum,
    ];
  }

  /** What a checkpoint keeps besides the tensors: the live settings and the run's counters. */
  get scalarState(): TrainerScalars {
    return {
      config: { ...this.cfg },
      step: this.step,
      stepsSinceEval: this.stepsSinceEval,
      collapseReported: this.collapseReported,
      warmupReported: this.warmupReported,
      active: this.active,
    };
  }

  /**
   * Puts back what `scalarState` and `stateVariables` held (values in that order, sizes checked
   * by checkpoint.ts). The learning rate and the weight decay follow from the settings.
   */
  restoreState(s: TrainerScalars, values: Float32Array[], record: RunRecord): void {
    const vars = this.stateVariables;
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape, 'float32'))));
    this.cfg = { ...s.config };
    this.step = s.step;
    this.stepsSinceEval = s.stepsSinceEval;
    this.collapseReported = s.collapseReported;
    this.warmupReported = s.warmupReported;
    this.active = s.active;
    this.optimizer.setWeightDecay(this.cfg.weightDecay);
    this.appliedLr = this.learningRate;
    this.optimizer.setLearningRate(this.appliedLr);
    Object.assign(this.record, structuredClone(record));
  }

  /** Parameter values, for snapshots (device-loss recovery) and tests. */
  async readWeights(): Promise<Float32Array[]> {
    return Promise.all(
      [...this.model.params, ...this.model.state].map((p) => p.data() as Promise<Float32Array>),
    );
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
    tf.dispose([this.centers, this.ceSum]);
    this.views?.dispose();
  }
}
