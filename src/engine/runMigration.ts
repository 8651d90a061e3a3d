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

/**
 * Version 2 had no feature views: its runs projected nothing (embedSize 0), and their points
 * and records lack the version-3 fields, which are optional ("no embedding recorded").
 */
function fromVersion2(record: Json): Json {
  const config = isObject(record.config) ? { embedSize: 0, ...record.config } : record.config;
  return { ...record, version: 3, config };
}

/** One version-1 or version-2 record as the current version; anything else is unchanged. */
export function migrateRecord(record: unknown): unknown {
  if (!isObject(record)) return record;
  if (record.version === 1) return { ...fromVersion2(fromVersion1(record)), migratedFrom: 1 };
  if (record.version === 2) return { ...fromVersion2(record), migratedFrom: 2 };
  return record;
}

function fromVersion1(record: Json): Json {
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

/** A parsed run file (one record or a bundle) with every version-1 and -2 part migrated. */
export function migrateRunFile(data: unknown): unknown {
  if (!isObject(data)) return data;
  if (data.schema === 'itra-playground/runs') {
    return {
      ...data,
      version: data.version === 1 || data.version === 2 ? 3 : data.version,
      runs: Array.isArray(data.runs) ? data.runs.map(migrateRecord) : data.runs,
    };
  }
  return migrateRecord(data);
}
