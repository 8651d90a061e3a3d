/**
 * A training session: one run, or an A/B twin pair stepped in lockstep on the identical S1/S2
 * sequence from identical initial weights. Drives the loop for the worker, the CLI, the bench
 * and the tests alike: pause, resume, single step, stop, live patches, eval-step reads only.
 */
import type { DatasetSplits } from '../data/dataset';
import { type Batch, BatchSampler, disposeBatch, EvalSet } from './batches';
import { type Checkpoint, checkFits, checkSameData, resumedEvent, splitValues } from './checkpoint';
import { captureCheckpoint } from './checkpointCapture';
import { type LivePatch, type TrainConfig, validateConfig, validatePatch } from './config';
import type { FrameResult } from './features/embedding';
import { EmbedSet } from './features/embedSet';
import { clearMatchingCache } from './matching';
import { ModelError } from './models';
import type { Point, RunEnvironment, RunEvent, RunRecord, RunStatus, SweepInfo } from './runRecord';
import { Trainer } from './trainer';

/** Throughput over the last eval interval, reported at each eval step. */
export interface Speed {
  stepsPerSec: number;
  samplesPerSec: number;
  step: number;
  epoch: number;
}

export interface SessionListener {
  /** `views`: the eval step's feature views (embedSize > 0). */
  onPoint?(runId: string, point: Point, views?: FrameResult): void;
  onEvents?(runId: string, events: RunEvent[]): void;
  onStatus?(runId: string, status: RunStatus, step: number): void;
  onSpeed?(s: Speed): void;
  /** A checkpoint was read (eval steps, pause, stop, `requestCheckpoint`): given → checkpoints on. */
  onCheckpoint?(checkpoint: Checkpoint): void;
  onCheckpointError?(error: Error): void;
  /** After every step, with its number: no tensor is read for it (CLI progress bars). */
  onStep?(step: number): void;
}

export interface SessionOptions {
  runIds: string[];
  names: string[];
  config: TrainConfig;
  /** Side B's settings for a twin pair (side B = {...config, ...twinB}). */
  twinB?: Partial<TrainConfig>;
  data: DatasetSplits;
  environment: RunEnvironment;
  listener?: SessionListener;
  /** Lets the host process messages between steps (worker: a macrotask; Node: setImmediate). */
  yieldToHost?: () => Promise<void>;
  /** Sweep membership of each side's run (same order as runIds). */
  sweeps?: SweepInfo[];
  /**
   * Continue from this checkpoint (its settings must be the ones above: `resumeSetup`);
   * `reason` goes into the run record's 'resumed' event.
   */
  resumeFrom?: { checkpoint: Checkpoint; reason: string };
  /** Hand the embedding subset's raw features (a tensor, left on the backend) to onPoint, for UMAP on demand. */
  keepFeatures?: boolean;
}

/**
 * Yields one macrotask, so that the host's messages (pause, stop, patches) get through between
 * steps. Not setTimeout(0): browsers clamp a chain of nested timers to >= 4 ms each (HTML
 * timers, nesting level > 5), which cost 4 ms per step in the worker (bench/PERFORMANCE.md);
 * a MessageChannel message is not clamped.
 */
export function defaultYield(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  return new Promise((r) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      r();
    };
    port2.postMessage(null);
  });
}

/** Refuses bad settings before any work, with a message a user can act on. */
export function checkSessionSettings(config: TrainConfig, data: DatasetSplits): void {
  validateConfig(config);
  const { train } = data;
  const isCifar = train.height === 32 && train.width === 32 && train.channels === 3;
  const isMnist = train.height === 28 && train.width === 28 && train.channels === 1;
  if (!isCifar && !isMnist) {
    throw new ModelError(
      `Images are ${train.height}x${train.width}x${train.channels}; the models take 28x28x1 or 32x32x3`,
    );
  }
  if (config.model === 'resnet' && !isCifar) {
    throw new ModelError(
      `The ResNet model is for CIFAR-10 (32x32x3); ${data.id} images are ${train.height}x${train.width}x${train.channels}`,
    );
  }
  if (config.dataset !== data.id) {
    throw new ModelError(
      `The settings name dataset "${config.dataset}" but the loaded data is "${data.id}"`,
    );
  }
  if (config.batchSize > train.count || config.batchSize2 > train.count) {
    throw new ModelError(`Batch size exceeds the ${train.count} training images`);
  }
}

/** Settings the twins' shared batch stream is built from: side B cannot change them. */
const SHARED_BY_TWINS = [
  'seed',
  'batchSize',
  'batchSize2',
  'augment',
  'cropPadding',
  'flip',
  'labelNoise',
  'evalSize',
  'embedSize',
  'evalEvery',
  'maxSteps',
] as const;

export class TrainingSession {
  readonly trainers: Trainer[];
  private readonly sampler: BatchSampler;
  private readonly evalSet: EvalSet;
  /** The images both twins project (the same for A and B). */
  readonly embedSet: EmbedSet | null;
  private readonly listener: SessionListener;
  private readonly yieldToHost: () => Promise<void>;
  private readonly config: TrainConfig;
  private paused = false;
  private stopRequested = false;
  private pendingSingleSteps = 0;
  private wake: (() => void) | null = null;
  private startedAt = 0;
  private intervalStart = 0;
  private stepsInInterval = 0;
  /** The run's wall clock before this session (a resumed run carries on from its checkpoint). */
  private wallOffset = 0;
  private checkpointRequested = false;
  private checkpointStep = -1;
  private readonly pendingCheckpoints = new Set<Promise<void>>();
  private readonly backend: string;
  step = 0;

  constructor(opts: SessionOptions) {
    const configs = [opts.config, ...(opts.twinB ? [{ ...opts.config, ...opts.twinB }] : [])];
    for (const c of configs) checkSessionSettings(c, opts.data);
    for (const key of SHARED_BY_TWINS) {
      if (opts.twinB && key in opts.twinB && String(opts.twinB[key]) !== String(opts.config[key])) {
        throw new ModelError(
          `Twin sides share their batches: "${key}" must be the same on both sides`,
        );
      }
    }
    if (opts.runIds.length !== configs.length) throw new Error('One run id per side is needed');
    const cfg = opts.config;
    this.config = cfg;
    this.listener = opts.listener ?? {};
    this.yieldToHost = opts.yieldToHost ?? defaultYield;
    const { data } = opts;
    this.evalSet = new EvalSet(data.test, data.numClasses, cfg.evalSize, cfg.seed);
    this.embedSet =
      cfg.embedSize > 0 ? new EmbedSet(data.test, data.numClasses, cfg.embedSize, cfg.seed) : null;
    this.sampler = new BatchSampler(
      data.train,
      data.numClasses,
      cfg.batchSize,
      cfg.batchSize2,
      cfg.seed,
      {
        augment: cfg.augment ? { padding: cfg.cropPadding, flip: cfg.flip } : null,
        labelNoise: cfg.labelNoise,
      },
    );
    const pairId = configs.length > 1 ? `${opts.runIds[0]}+${opts.runIds[1]}` : undefined;
    this.trainers = [];
    configs.forEach((c, i) => {
      this.trainers.push(
        new Trainer({
          runId: opts.runIds[i],
          name: opts.names[i] ?? opts.runIds[i],
          config: c,
          data,
          evalSet: this.evalSet,
          environment: opts.environment,
          twin: pairId ? { pairId, side: i === 0 ? 'A' : 'B' } : undefined,
          // Twin B starts from A's exact weights.
          initFrom: i > 0 ? this.trainers[0].model : undefined,
          corruptedLabels: this.sampler.corruptedLabels,
          sweep: opts.sweeps?.[i],
          embedSet: this.embedSet ?? undefined,
          keepFeatures: opts.keepFeatures,
        }),
      );
    });
    this.backend = opts.environment.backend;
    if (opts.resumeFrom) this.restore(opts.resumeFrom.checkpoint, opts.resumeFrom.reason, data);
  }

  /** Puts every side and the sampler where the checkpoint left them. */
  private restore(ckpt: Checkpoint, reason: string, data: DatasetSplits): void {
    checkSameData(ckpt, data);
    checkFits(ckpt, this.trainers);
    const values = splitValues(ckpt);
    this.sampler.restore(ckpt.sampler);
    const event = resumedEvent(ckpt, reason, this.backend);
    this.trainers.forEach((t, i) => {
      const side = ckpt.sides[i];
      t.restoreState(side.scalars, values[i], side.record);
      if (t.active) t.record.status = 'running';
      t.record.events.push(event);
      t.record.environment = { ...t.record.environment, backend: this.backend };
    });
    this.step = ckpt.step;
    this.checkpointStep = ckpt.step;
    this.wallOffset = ckpt.wallMs;
  }

  /** Asks for a checkpoint at the next point between steps (e.g. the page is closing). */
  requestCheckpoint(): void {
    this.checkpointRequested = true;
    this.wakeUp();
  }

  /** Reads a checkpoint now (between steps only); the read runs while training goes on. */
  private takeCheckpoint(): void {
    this.checkpointRequested = false;
    const { onCheckpoint, onCheckpointError } = this.listener;
    if (!onCheckpoint || !this.trainers.some((t) => t.active)) return;
    this.checkpointStep = this.step;
    const p = captureCheckpoint({
      step: this.step,
      wallMs: performance.now() - this.startedAt,
      backend: this.backend,
      sampler: this.sampler.state,
      trainers: this.trainers,
    })
      .then(onCheckpoint)
      .catch((e: unknown) => onCheckpointError?.(e as Error));
    this.pendingCheckpoints.add(p);
    void p.finally(() => this.pendingCheckpoints.delete(p));
  }

  get records(): RunRecord[] {
    return this.trainers.map((t) => t.record);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
    for (const t of this.trainers) this.setStatus(t, 'paused');
  }

  resume(): void {
    this.paused = false;
    for (const t of this.trainers) this.setStatus(t, 'running');
    this.wakeUp();
  }

  /** One step (of each twin) while paused. */
  singleStep(): void {
    if (!this.paused) return;
    this.pendingSingleSteps++;
    this.wakeUp();
  }

  stop(): void {
    this.stopRequested = true;
    this.wakeUp();
  }

  /** A live change for one side ('A'/'B') or all; returns the events per run. */
  patch(patch: LivePatch, side?: 'A' | 'B'): Map<string, RunEvent[]> {
    const valid = validatePatch(patch);
    const out = new Map<string, RunEvent[]>();
    this.trainers.forEach((t, i) => {
      if (side && (i === 0 ? 'A' : 'B') !== side) return;
      const events = t.applyPatch(valid);
      if (events.length) {
        out.set(t.record.id, events);
        this.listener.onEvents?.(t.record.id, events);
      }
    });
    return out;
  }

  private wakeUp() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private setStatus(t: Trainer, status: RunStatus) {
    if (!t.active && status !== 'diverged') return;
    t.record.status = status;
    this.listener.onStatus?.(t.record.id, status, t.step);
  }

  private get maxSteps(): number {
    return this.config.maxSteps;
  }

  /** Runs until maxSteps, stop(), or every run has diverged. Returns the final records. */
  async run(): Promise<RunRecord[]> {
    this.startedAt = performance.now() - this.wallOffset;
    this.intervalStart = performance.now();
    let batch: Batch | null = null;
    try {
      while (!this.stopRequested && this.trainers.some((t) => t.active)) {
        if (this.maxSteps > 0 && this.step >= this.maxSteps) break;
        if (this.checkpointRequested) this.takeCheckpoint();
        if (this.paused && this.pendingSingleSteps === 0) {
          await new Promise<void>((r) => {
            this.wake = r;
          });
          continue;
        }
        if (this.pendingSingleSteps > 0) this.pendingSingleSteps--;
        if (batch) disposeBatch(batch);
        batch = this.sampler.next();
        for (const t of this.trainers) {
          if (!t.active) continue;
          const events = t.trainStep(batch);
          if (events.length) this.listener.onEvents?.(t.record.id, events);
        }
        this.step++;
        this.stepsInInterval++;
        this.listener.onStep?.(this.step);
        const last = this.maxSteps > 0 && this.step >= this.maxSteps;
        if (this.step % this.config.evalEvery === 0 || last || this.paused) {
          await this.evaluateAll(batch);
          this.takeCheckpoint();
        } else {
          await this.yieldToHost();
        }
      }
      // Stopped between eval steps (or asked while waiting): keep the steps since.
      if (this.step !== this.checkpointStep || this.checkpointRequested) this.takeCheckpoint();
      await Promise.all(this.pendingCheckpoints);
    } finally {
      if (batch) disposeBatch(batch);
    }
    const final: RunStatus = this.stopRequested ? 'stopped' : 'completed';
    for (const t of this.trainers) {
      if (t.active) {
        t.active = false;
        t.record.status = final;
        this.listener.onStatus?.(t.record.id, final, t.step);
      }
    }
    return this.records;
  }

  private async evaluateAll(batch: Batch): Promise<void> {
    const active = this.trainers.filter((t) => t.active);
    // Wait for the queued training work so the time measures training, not evaluation.
    await Promise.all(active.map((t) => t.flush()));
    const now = performance.now();
    const dt = (now - this.intervalStart) / 1000;
    const stepsPerSec = dt > 0 ? this.stepsInInterval / dt : 0;
    const samplesPerSec = stepsPerSec * this.config.batchSize;
    const epoch = this.sampler.epoch;
    if (!this.paused && this.stepsInInterval > 0) {
      this.listener.onSpeed?.({ stepsPerSec, samplesPerSec, step: this.step, epoch });
    }
    for (const t of active) {
      const { point, events, views } = await t.evaluate(batch, {
        epoch,
        samplesPerSec: this.paused ? null : samplesPerSec,
        wallMs: now - this.startedAt,
      });
      if (point) this.listener.onPoint?.(t.record.id, point, views);
      if (events.length) this.listener.onEvents?.(t.record.id, events);
      if (!t.active) this.setStatus(t, 'diverged');
    }
    this.intervalStart = performance.now();
    this.stepsInInterval = 0;
  }

  dispose(): void {
    for (const t of this.trainers) t.dispose();
    this.evalSet.dispose();
    this.embedSet?.dispose();
    clearMatchingCache();
  }
}
