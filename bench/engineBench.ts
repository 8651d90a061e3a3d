/**
 * The measurements themselves, shared by the browser bench worker and the Node part of
 * `npm run bench`: no DOM and no Node imports, only tfjs and the engine.
 *
 * Timing rule: the work is enqueued step after step exactly as TrainingSession does it (a new
 * batch built on the CPU and uploaded, one `trainStep`, one yield to the host), and the only
 * awaited read is `trainer.flush()` at the two ends of a timed window.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { DatasetSplits } from '../src/data/dataset';
import { type Batch, BatchSampler, disposeBatch, EvalSet } from '../src/engine/batches';
import { DEFAULT_CONFIG, type TrainConfig, validateConfig } from '../src/engine/config';
import { setDiscernWrittenGradient } from '../src/engine/discern';
import { clearMatchingCache } from '../src/engine/matching';
import type { Point } from '../src/engine/runRecord';
import { TrainingSession } from '../src/engine/session';
import { Trainer } from '../src/engine/trainer';
import { applyExperiment, type Experiment } from './experiments';

export const BATCH = 64;
/** tiny and small on 28x28 (Fashion-MNIST); resnet on CIFAR-10 (bench/gpu.sh). */
export const BENCH_MODELS = ['tiny', 'small', 'resnet'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];

/** What a case trains: the engine with one of four settings, or the tf.layers peer. */
export const ENGINE_VARIANTS = [
  'vanilla',
  'itra-c',
  'itra-c-separate',
  'vanilla-128',
  'discern',
  'discern-autodiff',
] as const;
export type EngineVariant = (typeof ENGINE_VARIANTS)[number];
/**
 * An engine variant, the peer, or an engine variant with a candidate change (experiments.ts).
 * 'vanilla-128': vanilla at batch 128 = m1 + m2, the images an ITRA-c step runs through the
 * network: ITRA-c / vanilla-128 isolates the cost of the matching loss itself.
 * 'discern': Gini + KL from step 0 (written-out gradient); 'discern-autodiff': the same with
 * tfjs's tape over the plain ops, to price the written-out gradient.
 */
export type Variant =
  | EngineVariant
  | 'fit'
  | `${EngineVariant}+${Experiment}`
  | (typeof TORCH_VARIANTS)[number];
/** The PyTorch peer (bench/torch_peer.py): the same model, batches and losses, in PyTorch. */
export const TORCH_VARIANTS = ['torch-vanilla', 'torch-itra-c'] as const;
export type TorchVariant = (typeof TORCH_VARIANTS)[number];

/** Filters of the two 28x28 models (src/engine/models.ts): conv, conv, dense. */
export const ARCH: Record<Exclude<BenchModel, 'resnet'>, [number, number, number]> = {
  tiny: [8, 16, 32],
  small: [32, 64, 128],
};

export interface MemorySample {
  step: number;
  numTensors: number;
  numBytes: number;
  /** Backend-specific extras (WebGPU: numBytesInGPU, …). */
  extra?: Record<string, number>;
}

export type YieldFn = () => Promise<void>;

/** TrainingSession's yield before bench/PERFORMANCE.md's fix: a chain of setTimeout(0). */
export const timeoutYield: YieldFn = () => new Promise<void>((r) => setTimeout(r, 0));

function memorySample(step: number): MemorySample {
  const m = tf.memory() as tf.MemoryInfo & Record<string, unknown>;
  const extra: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k !== 'numTensors' && k !== 'numBytes' && typeof v === 'number') extra[k] = v;
  }
  return { step, numTensors: m.numTensors, numBytes: m.numBytes, extra };
}

/** The engine's settings for one case (fmnist-like data, batch 64, ITRA-c λ = 0.6 from step 0). */
export function caseConfig(
  data: DatasetSplits,
  model: BenchModel,
  variant: EngineVariant,
  overrides: Partial<TrainConfig> = {},
  batch = BATCH,
): TrainConfig {
  return validateConfig({
    ...DEFAULT_CONFIG,
    dataset: data.id,
    model,
    method: variant.startsWith('vanilla')
      ? 'vanilla'
      : variant.startsWith('discern')
        ? 'discern'
        : 'itra-c',
    lambda: 0.6,
    warmup: 0,
    batchSize: variant === 'vanilla-128' ? 2 * batch : batch,
    batchSize2: batch,
    forwardPasses: variant === 'itra-c-separate' ? 'separate' : 'concat',
    evalSize: 100,
    evalEvery: 50,
    maxSteps: 0,
    ...overrides,
  });
}

/** One thing to time: warmed up once, then timed in windows of `k` steps. */
export interface Runner {
  variant: Variant;
  /** Untimed steps (kernel compilation, first uploads); returns ms. */
  warm(steps: number): Promise<number>;
  /** `k` timed steps, flush to flush; returns ms. */
  run(k: number): Promise<number>;
  /**
   * CPU ms (user + system) of the last `warm` or `run` window, where the runner can measure
   * it: wall time on a shared machine counts the other tenants too, CPU time does not.
   */
  cpuMs?: number;
  dispose(): void;
}

/** This process's CPU ms so far (user + system); undefined where there is none (a browser). */
export function processCpuMs(): number | undefined {
  const p = (globalThis as { process?: { cpuUsage?(): { user: number; system: number } } }).process;
  const u = p?.cpuUsage?.();
  return u ? (u.user + u.system) / 1000 : undefined;
}

/**
 * A case's trainer, its eval set and its batch sampler, as the bench and the per-op profile
 * (profileStep.ts) step them (the caller disposes the trainer and the eval set).
 */
export function caseTrainer(
  data: DatasetSplits,
  config: TrainConfig,
  runId: string,
  environment: { backend: string; runtime: string },
) {
  const evalSet = new EvalSet(data.test, data.numClasses, config.evalSize, config.seed);
  const trainer = new Trainer({
    runId,
    name: 'bench',
    config,
    data,
    evalSet,
    environment: { ...environment, tfjsVersion: tf.version_core },
  });
  const sampler = new BatchSampler(
    data.train,
    data.numClasses,
    config.batchSize,
    config.batchSize2,
    config.seed,
  );
  return { trainer, evalSet, sampler };
}

/** An engine runner: the body of TrainingSession.run between eval steps. */
export function engineRunner(
  data: DatasetSplits,
  model: BenchModel,
  variant: Exclude<Variant, 'fit' | TorchVariant>,
  yieldToHost: YieldFn,
  environment: { backend: string; runtime: string },
  onStep?: (step: number) => void,
  m1 = BATCH,
): Runner {
  const [base, exp] = variant.split('+') as [EngineVariant, Experiment | undefined];
  const { trainer, evalSet, sampler } = caseTrainer(
    data,
    caseConfig(data, model, base, {}, m1),
    `bench-${model}-${variant}`,
    environment,
  );
  if (exp) applyExperiment(trainer, exp);
  const yieldFn = exp === 'settimeout-yield' ? timeoutYield : yieldToHost;
  // 'preuploaded-batches': a few batches made (and touched by a kernel, so uploaded) up front.
  const pool =
    exp === 'preuploaded-batches'
      ? Array.from({ length: 8 }, () => {
          const b = sampler.next();
          tf.dispose([tf.add(b.x1, 0), tf.add(b.y1, 0)]);
          return b;
        })
      : null;
  let drawn = 0;
  let batch: Batch | null = null;
  const autodiff = base === 'discern-autodiff';
  // Node: the whole process's CPU time; wasm runs its one thread in it.
  const steps = async (k: number) => {
    const c0 = processCpuMs();
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      if (pool) batch = pool[drawn++ % pool.length]!;
      else {
        if (batch) disposeBatch(batch);
        batch = sampler.next();
      }
      // The autodiff variant swaps the gradient for its own steps only (runs are interleaved).
      if (autodiff) setDiscernWrittenGradient(false);
      try {
        trainer.trainStep(batch);
      } finally {
        setDiscernWrittenGradient(true);
      }
      onStep?.(trainer.step);
      await yieldFn();
    }
    await trainer.flush();
    const ms = performance.now() - t0;
    const c1 = processCpuMs();
    runner.cpuMs = c0 === undefined || c1 === undefined ? undefined : c1 - c0;
    return ms;
  };
  const runner: Runner = {
    variant,
    warm: steps,
    run: steps,
    dispose() {
      if (pool) pool.forEach(disposeBatch);
      else if (batch) disposeBatch(batch);
      batch = null;
      trainer.dispose();
      evalSet.dispose();
    },
  };
  return runner;
}

/** The same architecture with tf.layers: conv-relu-pool ×2, flatten, dense-relu, dense. */
export function layersModel(model: BenchModel, numClasses: number): tfl.Sequential {
  if (model === 'resnet')
    throw new Error('no tf.layers twin of the ResNet: model.fit is not timed');
  const [c1, c2, d] = ARCH[model];
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: c1,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tfl.layers.conv2d({ filters: c2, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: d, activation: 'relu' }),
      tfl.layers.dense({ units: numClasses, activation: 'softmax' }),
    ],
  });
  // The engine's optimizer: SGD with momentum 0.9, lr 0.01.
  m.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
  return m;
}

/**
 * The peer: `model.fit` at batch 64 on windows of `k` batches of the same training images
 * (uploaded once, before timing: fit slices its batches on the device, which favours the
 * peer). fit reads the epoch's loss at its end: the awaited read that closes each window.
 */
export function fitRunner(
  data: DatasetSplits,
  model: BenchModel,
  k: number,
  batch = BATCH,
): Runner {
  const { train, numClasses } = data;
  const net = layersModel(model, numClasses);
  const n = Math.min(train.count - (train.count % batch), k * batch);
  const b = new BatchSampler(train, numClasses, n, batch, 7).next();
  const opts = {
    batchSize: batch,
    epochs: 1,
    shuffle: true,
    verbose: 0 as const,
    yieldEvery: 'never' as const,
  };
  const steps = async (s: number) => {
    const m = Math.min(s * batch, n);
    const x = m === n ? b.x1 : tf.slice(b.x1, 0, m);
    const y = m === n ? b.y1 : tf.slice(b.y1, 0, m);
    const t0 = performance.now();
    await net.fit(x, y, opts);
    const ms = performance.now() - t0;
    if (m !== n) tf.dispose([x, y]);
    return ms;
  };
  return {
    variant: 'fit',
    warm: steps,
    run: steps,
    dispose() {
      tf.dispose([b.x1, b.y1]);
      net.dispose();
    },
  };
}

export interface VariantResult {
  model: BenchModel;
  variant: Variant;
  warmupSteps: number;
  warmupMs: number;
  /** Timed windows, each `stepsPerRound` steps. */
  rounds: number;
  stepsPerRound: number;
  /** ms per step of each window. */
  roundMsPerStep: number[];
  /** CPU ms per step of each window, where the runner measures it (Node, the PyTorch peer). */
  roundCpuMsPerStep?: number[];
  /** The window with the least CPU time, per step (load-proof: other tenants add wall time). */
  cpuMsPerStep?: number;
  /**
   * The best window. Other tenants of a shared machine only ever add time, so the fastest
   * of the interleaved windows is the estimate least disturbed by them.
   */
  msPerStep: number;
  medianMsPerStep: number;
  /** (slowest − fastest) / fastest window: how noisy the machine was. */
  spread: number;
  stepsPerSec: number;
  /** m1 samples per step: 64 (S2 is extra work ITRA-c does, not extra samples); 128 for vanilla-128. */
  samplesPerSec: number;
}

/** Makes the runner of a variant benchModel does not build itself (the PyTorch peer). */
export type ExtraRunner = (variant: Variant, plan: ModelPlan) => Promise<Runner>;

export interface ModelResult {
  model: BenchModel;
  /** m1 (absent: 64). */
  batch?: number;
  variants: VariantResult[];
  /** tf.memory() after step 10 and after the last step of the vanilla engine run. */
  memory: MemorySample[];
}

export interface ModelPlan {
  model: BenchModel;
  variants: Variant[];
  warmup: number;
  rounds: number;
  stepsPerRound: number;
  /** m1 = m2 (default 64). */
  batch?: number;
  /** Stop after the round that ends past this many ms from the start (warm-up included). */
  budgetMs?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Times every variant of one model in interleaved rounds (A B C D, B C D A, …) so that a
 * change of machine load hits all of them alike; reports the best window of each.
 */
export async function benchModel(
  data: DatasetSplits,
  plan: ModelPlan,
  yieldToHost: YieldFn,
  environment: { backend: string; runtime: string },
  log: (msg: string) => void = () => {},
  extra?: ExtraRunner,
): Promise<ModelResult> {
  const batch = plan.batch ?? BATCH;
  const memory: MemorySample[] = [];
  const total = plan.warmup + plan.rounds * plan.stepsPerRound;
  const memAt = new Set([Math.min(10, total), total]);
  const runners: Runner[] = [];
  const t0 = performance.now();
  const warm = new Map<Variant, number>();
  const times = new Map<Variant, number[]>();
  const cpuTimes = new Map<Variant, (number | undefined)[]>();
  try {
    for (const v of plan.variants) {
      const onStep =
        v === plan.variants[0]
          ? (s: number) => {
              if (memAt.has(s)) memory.push(memorySample(s));
            }
          : undefined;
      const r =
        v === 'fit'
          ? fitRunner(data, plan.model, plan.stepsPerRound, batch)
          : v.startsWith('torch-')
            ? await extraRunner(extra, v, plan)
            : engineRunner(
                data,
                plan.model,
                v as Exclude<Variant, 'fit' | TorchVariant>,
                yieldToHost,
                environment,
                onStep,
                batch,
              );
      runners.push(r);
      warm.set(v, await r.warm(plan.warmup));
      times.set(v, []);
      cpuTimes.set(v, []);
      log(`${plan.model} ${v}: warm-up ${plan.warmup} steps in ${warm.get(v)!.toFixed(0)} ms`);
    }
    for (let round = 0; round < plan.rounds; round++) {
      for (let j = 0; j < runners.length; j++) {
        const r = runners[(round + j) % runners.length]!;
        const ms = await r.run(plan.stepsPerRound);
        times.get(r.variant)!.push(ms / plan.stepsPerRound);
        cpuTimes
          .get(r.variant)!
          .push(r.cpuMs === undefined ? undefined : r.cpuMs / plan.stepsPerRound);
      }
      log(
        `${plan.model} round ${round + 1}/${plan.rounds}: ${plan.variants
          .map((v) => `${v} ${times.get(v)!.at(-1)!.toFixed(0)}`)
          .join(', ')} ms/step`,
      );
      if (plan.budgetMs && performance.now() - t0 > plan.budgetMs && round + 1 < plan.rounds) {
        log(
          `${plan.model}: time budget (${(plan.budgetMs / 1000).toFixed(0)} s) spent after ${round + 1} rounds`,
        );
        break;
      }
    }
  } finally {
    for (const r of runners) r.dispose();
    clearMatchingCache();
  }
  const variants = plan.variants.map((v): VariantResult => {
    const all = times.get(v)!;
    const ms = Math.min(...all);
    const cpu = cpuTimes.get(v)!;
    const cpuAll = cpu.every((x) => x !== undefined) ? (cpu as number[]) : undefined;
    return {
      model: plan.model,
      variant: v,
      warmupSteps: plan.warmup,
      warmupMs: warm.get(v)!,
      rounds: all.length,
      stepsPerRound: plan.stepsPerRound,
      roundMsPerStep: all,
      ...(cpuAll?.length ? { roundCpuMsPerStep: cpuAll, cpuMsPerStep: Math.min(...cpuAll) } : {}),
      msPerStep: ms,
      medianMsPerStep: median(all),
      spread: (Math.max(...all) - ms) / ms,
      stepsPerSec: 1000 / ms,
      samplesPerSec: (1000 / ms) * (v === 'vanilla-128' ? 2 * batch : batch),
    };
  });
  return { model: plan.model, batch, variants, memory };
}

function extraRunner(extra: ExtraRunner | undefined, v: Variant, plan: ModelPlan) {
  if (!extra) throw new Error(`${v}: no runner for it here`);
  return extra(v, plan);
}

export interface GrowthResult {
  model: BenchModel;
  steps: number;
  evalEvery: number;
  /** tf.memory() at each eval point (same place in the loop each time). */
  samples: MemorySample[];
  /** Last minus first sample (first = step `evalEvery`). */
  tensorGrowth: number;
  byteGrowth: number;
  /** Tensors left after session.dispose(), minus those before the session was built. */
  residualTensors: number;
  ms: number;
}

/**
 * The real loop (TrainingSession, ITRA-c λ > 0 from step 0, evaluation every `evalEvery` steps)
 * for `steps` steps: tf.memory() at each point, then after dispose.
 */
export async function tensorGrowth(
  data: DatasetSplits,
  model: BenchModel,
  steps: number,
  evalEvery: number,
  yieldToHost: YieldFn,
  environment: { backend: string; runtime: string },
): Promise<GrowthResult> {
  const before = tf.memory().numTensors;
  const samples: MemorySample[] = [];
  const config = caseConfig(data, model, 'itra-c', { maxSteps: steps, evalEvery });
  const t0 = performance.now();
  const session = new TrainingSession({
    runIds: ['bench-growth'],
    names: ['bench growth'],
    config,
    data,
    environment: { ...environment, tfjsVersion: tf.version_core },
    yieldToHost,
    listener: { onPoint: (_id: string, p: Point) => samples.push(memorySample(p.step)) },
  });
  await session.run();
  const ms = performance.now() - t0;
  session.dispose();
  const first = samples[0];
  const lastS = samples.at(-1);
  return {
    model,
    steps,
    evalEvery,
    samples,
    tensorGrowth: first && lastS ? lastS.numTensors - first.numTensors : Number.NaN,
    byteGrowth: first && lastS ? lastS.numBytes - first.numBytes : Number.NaN,
    residualTensors: tf.memory().numTensors - before,
    ms,
  };
}
