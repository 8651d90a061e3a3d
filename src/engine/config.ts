/**
 * Training settings: one schema for the UI, the worker, the CLI and the run record.
 * Defaults follow the project's ITRA spec, itra-spec.md ("Defaults"), and are this project's choices
 * where the paper is silent.
 */
import { z } from 'zod';
import { DATASET_IDS, type DatasetId } from '../data/dataset';

export const MODEL_IDS = ['tiny', 'small', 'resnet'] as const;
export const METHODS = ['vanilla', 'itra', 'itra-c', 'lsr', 'center', 'discern'] as const;
export const ESTIMATORS = ['biased', 'unbiased'] as const;
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export const FORWARD_PASSES = ['auto', 'concat', 'separate'] as const;
export const LR_SCHEDULES = ['constant', 'step', 'cosine'] as const;

export type Method = (typeof METHODS)[number];
export type Estimator = (typeof ESTIMATORS)[number];
export type ModelId = (typeof MODEL_IDS)[number];
export type OptimizerId = (typeof OPTIMIZERS)[number];
export type LrSchedule = (typeof LR_SCHEDULES)[number];

export const METHOD_LABELS: Record<Method, string> = {
  vanilla: 'Vanilla SGD',
  itra: 'ITRA',
  'itra-c': 'ITRA-c',
  lsr: 'Label smoothing',
  center: 'Center loss',
  discern: 'Gini + KL (discriminability)',
};

/** The most label noise a run may have: beyond it most labels are wrong (issue #15: 0–80%). */
export const MAX_LABEL_NOISE = 0.8;

const positiveInt = (what: string) =>
  z.number().int(`${what} must be a whole number`).min(1, `${what} must be at least 1`);

export const trainConfigSchema = z.object({
  dataset: z.enum(DATASET_IDS),
  model: z.enum(MODEL_IDS),
  method: z.enum(METHODS, { error: `method must be one of ${METHODS.join(', ')}` }),
  /** λ of ITRA / ITRA-c (Eq. 4 / Eq. 6). */
  lambda: z.number().min(0, 'λ must be ≥ 0').finite(),
  estimator: z.enum(ESTIMATORS),
  /** T_w: steps with effective λ = 0 before the matching loss applies. */
  warmup: z.number().int().min(0, 'warm-up must be ≥ 0'),
  optimizer: z.enum(OPTIMIZERS),
  lr: z.number().positive('learning rate must be > 0').finite(),
  momentum: z.number().min(0).max(0.999),
  /** m1: the mini-batch the cross-entropy sees. */
  batchSize: positiveInt('batch size'),
  /** m2: the second mini-batch of the matching loss. */
  batchSize2: positiveInt('second batch size'),
  seed: z.number().int(),
  evalEvery: positiveInt('eval interval'),
  /** Size of the fixed, seeded test subset evaluated at each eval step (capped at the test split). */
  evalSize: positiveInt('eval size'),
  /** Images of the class-balanced embedding subset projected at each eval step (0 = views off). */
  embedSize: z
    .number()
    .int('embedding size must be a whole number')
    .min(0, 'embedding size must be ≥ 0')
    .max(2000, 'embedding size must be ≤ 2000'),
  /** ε of label smoothing. */
  labelSmoothing: z.number().min(0).max(1),
  /** λ_c of center loss. */
  centerLambda: z.number().min(0),
  /** α, the center update rate. */
  centerAlpha: z.number().min(0).max(1),
  /** 'auto': one concatenated pass for S1 and S2 unless the model has batch norm. */
  forwardPasses: z.enum(FORWARD_PASSES),
  /** Stop after this many steps; 0 = until stopped. */
  maxSteps: z.number().int().min(0),
  /** λ_gini and λ_kl of the discriminability loss (discern-spec.md). */
  lambdaGini: z.number().min(0, 'λ_gini must be ≥ 0').finite(),
  lambdaKl: z.number().min(0, 'λ_kl must be ≥ 0').finite(),
  /** L2 weight decay: coupled (added to the gradient) for SGD, decoupled (AdamW) for Adam. */
  weightDecay: z.number().min(0, 'weight decay must be ≥ 0').finite(),
  /** The learning-rate schedule's shape; the live `lr` scales it. */
  lrSchedule: z.enum(LR_SCHEDULES, { error: `schedule must be one of ${LR_SCHEDULES.join(', ')}` }),
  /** Step decay: the steps at which the learning rate is multiplied by `lrGamma`. */
  lrMilestones: z
    .array(z.number().int('milestones must be whole steps').min(1, 'milestones must be ≥ 1'))
    .max(20, 'at most 20 milestones')
    .refine((m) => m.every((v, i) => i === 0 || v > m[i - 1]!), {
      message: 'milestones must be strictly increasing',
    }),
  lrGamma: z.number().gt(0, 'γ must be > 0').max(1, 'γ must be ≤ 1'),
  /** Cosine: the floor as a fraction of the learning rate, reached at `maxSteps`. */
  lrFloor: z.number().min(0, 'the floor must be ≥ 0').max(1, 'the floor must be ≤ 1'),
  /** Linear learning-rate warm-up over the first N steps, from lr/N up to lr (0 = none). */
  lrWarmup: z
    .number()
    .int('learning-rate warm-up must be whole steps')
    .min(0, 'learning-rate warm-up must be ≥ 0'),
  /** Random crop with padding and (optionally) horizontal flip, training images only. */
  augment: z.boolean(),
  cropPadding: z
    .number()
    .int('crop padding must be a whole number')
    .min(0, 'crop padding must be ≥ 0')
    .max(8, 'crop padding must be ≤ 8'),
  flip: z.boolean(),
  /** Fraction of training labels replaced by a seeded different class (symmetric noise). */
  labelNoise: z
    .number()
    .min(0, 'label noise must be ≥ 0')
    .max(
      MAX_LABEL_NOISE,
      `label noise must be ≤ ${MAX_LABEL_NOISE} (1 would make every label wrong)`,
    ),
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;

export const DEFAULT_CONFIG: TrainConfig = {
  dataset: 'fmnist',
  model: 'small',
  method: 'itra-c',
  lambda: 0.6,
  estimator: 'biased',
  warmup: 200,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  batchSize: 64,
  batchSize2: 64,
  seed: 1,
  evalEvery: 50,
  evalSize: 2000,
  embedSize: 500,
  labelSmoothing: 0.1,
  centerLambda: 0.1,
  centerAlpha: 0.5,
  forwardPasses: 'auto',
  maxSteps: 0,
  lambdaGini: 0.5,
  lambdaKl: 0.5,
  weightDecay: 0,
  lrSchedule: 'constant',
  lrMilestones: [],
  lrGamma: 0.1,
  lrFloor: 0,
  lrWarmup: 0,
  augment: false,
  cropPadding: 2,
  flip: false,
  labelNoise: 0,
};

/**
 * Augmentation defaults per dataset: on for CIFAR-10 (pad 4, flip), off for the 28×28 sets
 * (pad 2 when switched on, never flipped by default: a flipped character is another character).
 */
export function augmentationDefaults(
  dataset: DatasetId,
): Pick<TrainConfig, 'augment' | 'cropPadding' | 'flip'> {
  return dataset === 'cifar10'
    ? { augment: true, cropPadding: 4, flip: true }
    : { augment: false, cropPadding: 2, flip: false };
}

/** The paper's λ per dataset (spec, "Defaults"). */
export const PAPER_LAMBDA: Record<DatasetId, number> = {
  kmnist: 0.8,
  fmnist: 0.6,
  cifar10: 0.8,
};

/** Settings that may change between steps without re-initialising anything. */
export const LIVE_SETTINGS = [
  'method',
  'lambda',
  'lr',
  'estimator',
  'lambdaGini',
  'lambdaKl',
  'weightDecay',
] as const;
export type LiveSetting = (typeof LIVE_SETTINGS)[number];
export type LivePatch = Partial<Pick<TrainConfig, LiveSetting>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Rules between fields; each names the setting to change. Empty when coherent. */
export function crossFieldProblems(c: TrainConfig): string[] {
  const out: string[] = [];
  if (c.lrSchedule === 'cosine' && c.maxSteps === 0) {
    out.push('lrSchedule: the cosine schedule runs over max steps: set max steps (> 0)');
  }
  if (c.lrSchedule === 'step' && c.lrMilestones.length === 0) {
    out.push('lrMilestones: step decay needs at least one milestone');
  }
  return out;
}

function configError(error: z.ZodError): ConfigError {
  const msgs = error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
  return new ConfigError(`Invalid settings: ${msgs.join('; ')}`);
}

/** Validates a whole config; throws ConfigError listing every problem. */
export function validateConfig(input: unknown): TrainConfig {
  const parsed = trainConfigSchema.safeParse(input);
  if (!parsed.success) throw configError(parsed.error);
  const cross = crossFieldProblems(parsed.data);
  if (cross.length) throw new ConfigError(`Invalid settings: ${cross.join('; ')}`);
  return parsed.data;
}

/** The live settings' own rules (no cross-field rule involves them); other keys are dropped. */
const livePatchSchema = trainConfigSchema
  .pick(Object.fromEntries(LIVE_SETTINGS.map((k) => [k, true])) as Record<LiveSetting, true>)
  .partial();

/** Validates a live patch: the patched keys only, each against its own rule. */
export function validatePatch(patch: LivePatch): LivePatch {
  const parsed = livePatchSchema.safeParse(patch);
  if (!parsed.success) throw configError(parsed.error);
  return parsed.data;
}

/** Whether the method uses the second mini-batch and the matching loss. */
export function usesMatching(method: Method): boolean {
  return method === 'itra' || method === 'itra-c';
}

/** Whether the method's regularizer waits for the warm-up (`warmup` steps of plain CE). */
export function usesWarmup(method: Method): boolean {
  return usesMatching(method) || method === 'discern';
}
