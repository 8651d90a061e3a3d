/**
 * Older run files and stored records, brought up to the current schema before validation.
 * Version 1 (before Gini + KL and the training knobs) trained with none of them: no weight
 * decay, a constant learning rate, no augmentation, clean labels; its points have no Gini, KL
 * or learning-rate readings (null, except lr, which was constant and is known).
 */
import { DEFAULT_CONFIG } from './config';

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** What a version-1 run trained with, in the version-2 fields. */
export const VERSION_1_SETTINGS = {
  lambdaGini: DEFAULT_CONFIG.lambdaGini,
  lambdaKl: DEFAULT_CONFIG.lambdaKl,
  weightDecay: 0,
  lrSchedule: 'constant',
  lrMilestones: [],
  lrGamma: DEFAULT_CONFIG.lrGamma,
  lrFloor: 0,
  lrWarmup: 0,
  augment: false,
  cropPadding: DEFAULT_CONFIG.cropPadding,
  flip: false,
  labelNoise: 0,
} as const;

/** One version-1 record as version 2; anything else is returned unchanged. */
export function migrateRecord(record: unknown): unknown {
  if (!isObject(record) || record.version !== 1) return record;
  const config = isObject(record.config)
    ? { ...VERSION_1_SETTINGS, ...record.config }
    : record.config;
  const points = Array.isArray(record.points)
    ? record.points.map((p) => migratePoint(p, record, config))
    : record.points;
  return { ...record, version: 2, config, points };
}

function migratePoint(p: unknown, record: Json, config: unknown): unknown {
  if (!isObject(p)) return p;
  // A version-1 lr was constant between 'change' events: the last change at or before the point.
  let lr = isObject(config) && typeof config.lr === 'number' ? config.lr : null;
  if (Array.isArray(record.events) && typeof p.step === 'number') {
    for (const e of record.events) {
      if (isObject(e) && e.kind === 'change' && e.setting === 'lr' && typeof e.step === 'number') {
        if (e.step <= p.step && typeof e.to === 'number') lr = e.to;
      }
    }
  }
  return { gini: null, kl: null, lr, ...p };
}

/** A parsed run file (one record or a bundle) with every version-1 part migrated. */
export function migrateRunFile(data: unknown): unknown {
  if (!isObject(data)) return data;
  if (data.schema === 'itra-playground/runs') {
    return {
      ...data,
      version: data.version === 1 ? 2 : data.version,
      runs: Array.isArray(data.runs) ? data.runs.map(migrateRecord) : data.runs,
    };
  }
  return migrateRecord(data);
}
