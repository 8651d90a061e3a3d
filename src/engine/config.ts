/**
 * Training settings: one schema for the UI, the worker, the CLI and the run record.
 * Defaults follow the project's ITRA spec, itra-spec.md ("Defaults"), and are this project's choices
 * where the paper is silent.
 */
import { z } from 'zod';

export const DATASET_IDS = ['kmnist', 'fmnist', 'cifar10'] as const;
export const MODEL_IDS = ['tiny', 'small', 'resnet'] as const;
export const METHODS = ['vanilla', 'itra', 'itra-c', 'lsr', 'center'] as const;
export const ESTIMATORS = ['biased', 'unbiased'] as const;
export const OPTIMIZERS = ['sgd', 'adam'] as const;
export const FORWARD_PASSES = ['auto', 'concat', 'separate'] as const;

export type Method = (typeof METHODS)[number];
export type Estimator = (typeof ESTIMATORS)[number];
export type ModelId = (typeof MODEL_IDS)[number];
export type OptimizerId = (typeof OPTIMIZERS)[number];

export const METHOD_LABELS: Record<Method, string> = {
  vanilla: 'Vanilla SGD',
  itra: 'ITRA',
  'itra-c': 'ITRA-c',
  lsr: 'Label smoothing',
  center: 'Center loss',
};

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
  labelSmoothing: 0.1,
  centerLambda: 0.1,
  centerAlpha: 0.5,
  forwardPasses: 'auto',
  maxSteps: 0,
};

/** The paper's λ per dataset (spec, "Defaults"). */
export const PAPER_LAMBDA: Record<(typeof DATASET_IDS)[number], number> = {
  kmnist: 0.8,
  fmnist: 0.6,
  cifar10: 0.8,
};

/** Settings that may change between steps without re-initialising anything. */
export const LIVE_SETTINGS = ['method', 'lambda', 'lr', 'estimator'] as const;
export type LiveSetting = (typeof LIVE_SETTINGS)[number];
export type LivePatch = Partial<Pick<TrainConfig, LiveSetting>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates a whole config; throws ConfigError listing every problem. */
export function validateConfig(input: unknown): TrainConfig {
  const parsed = trainConfigSchema.safeParse(input);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`Invalid settings: ${msgs.join('; ')}`);
  }
  return parsed.data;
}

/** Validates a live patch against the current config. */
export function validatePatch(current: TrainConfig, patch: LivePatch): LivePatch {
  const merged = validateConfig({ ...current, ...patch });
  const out: LivePatch = {};
  for (const key of LIVE_SETTINGS) {
    if (key in patch) (out as Record<string, unknown>)[key] = merged[key];
  }
  return out;
}

/** Whether the method uses the second mini-batch and the matching loss. */
export function usesMatching(method: Method): boolean {
  return method === 'itra' || method === 'itra-c';
}
