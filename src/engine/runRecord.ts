/**
 * The run record: the product's currency. Streamed to the UI, stored in IndexedDB,
 * exported and imported as JSON, written by the CLI, read by the benchmark.
 * One versioned schema, validated (zod) wherever a record comes from outside.
 */
import { z } from 'zod';
import { LIVE_SETTINGS, METHODS, trainConfigSchema } from './config';
import { migrateRunFile } from './runMigration';

export const RUN_SCHEMA_ID = 'itra-playground/run';
/**
 * 2: Gini + KL, weight decay, schedules, augmentation, label noise. 3: the feature views
 * (confusion, per-class accuracy and intra-class distance, silhouette, embedding frames).
 * runMigration.ts reads 1 and 2.
 */
export const RUN_SCHEMA_VERSION = 3;

const num = z.number();
/** JSON has no NaN/Infinity: metrics that are undefined at a point are null. */
const metric = z.number().nullable();

export const pointSchema = z.object({
  step: z.number().int().min(0),
  epoch: num,
  /** Normalized intra-class distance (spec, "The curves"); null when no class is shared. */
  intraDist: metric,
  testAcc: metric,
  testCE: metric,
  /** Mean plain cross-entropy on S1 over the steps since the previous point. */
  trainCE: metric,
  /** Match (ITRA) or Match_c (ITRA-c) of the current estimator on this step's features. */
  match: metric,
  sigma: metric,
  /** Gini and KL of the discriminability loss on this step's S1 features, for every method. */
  gini: metric,
  kl: metric,
  /** The learning rate in force from this step (the live lr times the schedule). */
  lr: metric,
  /** λ in force at this step (0 during warm-up and for non-ITRA methods). */
  lambdaEff: num,
  method: z.enum(METHODS),
  samplesPerSec: metric,
  /** Milliseconds since the run started. */
  wallMs: num,
  /** Counts over the eval subset (the one testAcc is over): rows = true class, columns = predicted. */
  confusion: z.array(z.array(z.number().int().min(0))).optional(),
  /** Per class: the diagonal over the row sum of `confusion` (null for a class not in the subset). */
  classAcc: z.array(metric).optional(),
  /** Per class, on the embedding subset: mean same-class pair distance / mean distance of all pairs. */
  classIntra: z.array(metric).optional(),
  /** Mean silhouette of the embedding subset's features, grouped by true class (−1 … 1). */
  silhouette: metric.optional(),
});
export type Point = z.infer<typeof pointSchema>;

const settingValue = z.union([z.string(), z.number()]);
export const eventSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('change'),
    step: z.number().int(),
    setting: z.enum(LIVE_SETTINGS),
    from: settingValue,
    to: settingValue,
  }),
  z.object({ kind: z.literal('warmup-end'), step: z.number().int() }),
  z.object({ kind: z.literal('collapsed'), step: z.number().int(), detail: z.string() }),
  z.object({ kind: z.literal('diverged'), step: z.number().int(), detail: z.string() }),
  z.object({ kind: z.literal('device-lost'), step: z.number().int(), detail: z.string() }),
  z.object({ kind: z.literal('error'), step: z.number().int(), detail: z.string() }),
  /** Continued from a checkpoint taken at `step` (reload, device loss, crash, stop; checkpoint.ts). */
  z.object({ kind: z.literal('resumed'), step: z.number().int(), detail: z.string() }),
]);
export type RunEvent = z.infer<typeof eventSchema>;

export const RUN_STATUSES = [
  'running',
  'paused',
  'completed',
  'stopped',
  'diverged',
  'error',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const environmentSchema = z.object({
  backend: z.string(),
  adapter: z.string().optional(),
  /** Browser user agent, or "node vX" for the CLI. */
  runtime: z.string(),
  tfjsVersion: z.string(),
  /** Runs of an exported PyTorch folder (train.py): the torch version, device, processes. */
  torchVersion: z.string().optional(),
  device: z.string().optional(),
  worldSize: z.number().int().min(1).optional(),
});
export type RunEnvironment = z.infer<typeof environmentSchema>;

export const dataInfoSchema = z.object({
  trainSize: z.number().int(),
  testSize: z.number().int(),
  evalSize: z.number().int(),
  split: z.enum(['official', 'carved']),
  splitNote: z.string().optional(),
  /** Training labels replaced by label noise (config.labelNoise of the train split). */
  corruptedLabels: z.number().int().min(0).optional(),
});

/** PCA at every eval step; UMAP (umap-js) on request. No t-SNE: see the README's method section. */
export const EMBEDDING_METHODS = ['pca', 'umap'] as const;
export type EmbeddingMethod = (typeof EMBEDDING_METHODS)[number];

/** One 2-D picture of the embedding subset's features at a step. */
export const embeddingFrameSchema = z.object({
  step: z.number().int().min(0),
  method: z.enum(EMBEDDING_METHODS),
  /** [x0, y0, x1, y1, …], one pair per image of `embedSubset`, in its order. */
  xy: z.array(num),
  /** The model's predicted class of each image at this step. */
  pred: z.array(z.number().int().min(0)),
  /** All features (nearly) equal: every point drawn at one place. */
  collapsed: z.boolean().optional(),
  /** PCA: the fraction of the total feature variance the two axes show. */
  explained: z.number().optional(),
});
export type EmbeddingFrame = z.infer<typeof embeddingFrameSchema>;

/** The images every frame of a run shows: indices into the test split and their labels. */
export const embedSubsetSchema = z.object({
  indices: z.array(z.number().int().min(0)),
  labels: z.array(z.number().int().min(0)),
});
export type EmbedSubset = z.infer<typeof embedSubsetSchema>;

export const sweepInfoSchema = z.object({
  id: z.string().min(1),
  coords: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});
export type SweepInfo = z.infer<typeof sweepInfoSchema>;

export const runRecordSchema = z.object({
  schema: z.literal(RUN_SCHEMA_ID),
  version: z.literal(RUN_SCHEMA_VERSION),
  id: z.string().min(1),
  name: z.string(),
  createdAt: z.string(),
  config: trainConfigSchema,
  data: dataInfoSchema,
  environment: environmentSchema,
  /** Twin runs share a pairId; side 'A' or 'B'. */
  twin: z.object({ pairId: z.string(), side: z.enum(['A', 'B']) }).optional(),
  /** Runs of one sweep share an id; `coords` is the run's place in its grid (with its seed). */
  sweep: sweepInfoSchema.optional(),
  status: z.enum(RUN_STATUSES),
  steps: z.number().int().min(0),
  points: z.array(pointSchema),
  events: z.array(eventSchema),
  /** The schema version the record was written in, when it was migrated (1 or 2: no views). */
  migratedFrom: z.number().int().optional(),
  /** Absent when the run recorded no embedding (embedSize 0, or a version-1/2 record). */
  embedSubset: embedSubsetSchema.optional(),
  embeddings: z.array(embeddingFrameSchema).optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** A file of several runs (the "export all" format). */
export const runBundleSchema = z.object({
  schema: z.literal('itra-playground/runs'),
  version: z.literal(RUN_SCHEMA_VERSION),
  exportedAt: z.string(),
  runs: z.array(runRecordSchema),
});
export type RunBundle = z.infer<typeof runBundleSchema>;

export class RunFileError extends Error {
  override name = 'RunFileError';
}

/**
 * Parses JSON text holding one run or a bundle of runs; throws RunFileError with a
 * message a user can act on. Never returns a partially valid result.
 */
export function parseRunFile(text: string): RunRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RunFileError(`Not a JSON file: ${(e as Error).message}`);
  }
  const kind = (data as { schema?: unknown } | null)?.schema;
  const schema =
    kind === 'itra-playground/runs'
      ? runBundleSchema
      : kind === RUN_SCHEMA_ID
        ? runRecordSchema
        : null;
  if (!schema) {
    throw new RunFileError(
      `Not an ITRA Playground run file: expected "schema": "${RUN_SCHEMA_ID}" or "itra-playground/runs"`,
    );
  }
  const res = schema.safeParse(migrateRunFile(data));
  if (!res.success) {
    const first = res.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new RunFileError(`Invalid run file: ${first.join('; ')}`);
  }
  const parsed = res.data as RunRecord | RunBundle;
  return 'runs' in parsed ? parsed.runs : [parsed];
}

export function makeBundle(runs: RunRecord[]): RunBundle {
  return {
    schema: 'itra-playground/runs',
    version: RUN_SCHEMA_VERSION,
    exportedAt: new Date().toISOString(),
    runs,
  };
}
