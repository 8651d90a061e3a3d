/**
 * A sweep's grid: methods × λ values × seeds × any other settings given as lists. Expanded to
 * one validated config per run before anything trains, so an empty grid, an unknown setting
 * or a value the schema refuses is reported with the offending value named. λ applies only to
 * the matching methods (ITRA, ITRA-c); the others run once per seed and other setting.
 */
import {
  DEFAULT_CONFIG,
  METHODS,
  type Method,
  type TrainConfig,
  trainConfigSchema,
  usesMatching,
  validateConfig,
} from '../engine/config';

export type CoordValue = string | number | boolean;
/** Where a run sits in its sweep: method, λ (matching methods only), seed, varied settings. */
export type Coords = Record<string, CoordValue>;

export interface GridSpec {
  /** Every setting not varied (dataset, model, steps, …). */
  base: TrainConfig;
  methods: Method[];
  /** λ values for ITRA / ITRA-c. */
  lambdas: number[];
  seeds: number[];
  /** Other settings varied, each with its values (already parsed). */
  vary: Record<string, CoordValue[]>;
  /**
   * What the runs train on beyond the config (e.g. "carved": another train/test split of the
   * same files): part of every run's key, so a resumed folder never reuses runs of other data.
   */
  dataNote?: string;
}

export interface GridRun {
  /** File-safe, unique for the run's whole config (a changed base setting gives a new key). */
  key: string;
  /** The run's group: the same for runs that differ only by seed. */
  groupKey: string;
  coords: Coords;
  config: TrainConfig;
}

export class GridError extends Error {
  override name = 'GridError';
}

type ConfigKey = keyof TrainConfig;
const KEYS = Object.keys(DEFAULT_CONFIG) as ConfigKey[];

/** The settings a grid may vary (scalars only: a list setting such as milestones is one value). */
export const VARIABLE_SETTINGS = KEYS.filter(
  (k) => !Array.isArray(DEFAULT_CONFIG[k]) && k !== 'method' && k !== 'lambda' && k !== 'seed',
);

/** `lr`, `weight-decay` or `weightDecay` → the config key, or null. */
export function settingKey(name: string): ConfigKey | null {
  const camel = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return (KEYS as string[]).includes(camel) ? (camel as ConfigKey) : null;
}

/** Parses one value of setting `key` from text, checked against the schema. */
export function parseSettingValue(key: ConfigKey, text: string): CoordValue {
  const kind = typeof DEFAULT_CONFIG[key];
  const t = text.trim();
  let value: unknown = t;
  if (kind === 'number') {
    value = t === '' ? Number.NaN : Number(t);
    if (!Number.isFinite(value as number)) throw new GridError(`${key}=${text}: not a number`);
  } else if (kind === 'boolean') {
    if (['on', 'true', '1'].includes(t)) value = true;
    else if (['off', 'false', '0'].includes(t)) value = false;
    else throw new GridError(`${key}=${text}: expected on or off`);
  }
  const res = trainConfigSchema.shape[key].safeParse(value);
  if (!res.success) {
    throw new GridError(`${key}=${text}: ${res.error.issues[0]?.message ?? 'invalid'}`);
  }
  return res.data as CoordValue;
}

/** A comma-separated list of values of `key` (e.g. "0.01,0.05"). */
export function parseSettingList(key: ConfigKey, text: string): CoordValue[] {
  const parts = text.split(',').filter((p) => p.trim() !== '');
  if (parts.length === 0) throw new GridError(`${key}: no values given`);
  return parts.map((p) => parseSettingValue(key, p));
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Readable coordinates of a run (without the seed unless asked): "itra-c λ0.6 lr=0.05". */
export function coordsLabel(coords: Coords, withSeed = false): string {
  const parts: string[] = [String(coords.method)];
  if (coords.lambda !== undefined) parts.push(`λ${coords.lambda}`);
  for (const [k, v] of Object.entries(coords)) {
    if (k === 'method' || k === 'lambda' || k === 'seed') continue;
    parts.push(`${k}=${v}`);
  }
  if (withSeed && coords.seed !== undefined) parts.push(`seed ${coords.seed}`);
  return parts.join(' ');
}

/** Stable text of the coordinates other than the seed: what a group has in common. */
export function groupKeyOf(coords: Coords): string {
  const { seed: _seed, ...rest } = coords;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k]]),
  );
}

/** Every run of the grid, in a stable order (method, λ, varied settings, seed). */
export function expandGrid(spec: GridSpec): GridRun[] {
  if (spec.methods.length === 0) throw new GridError('The grid is empty: no methods given');
  if (spec.seeds.length === 0) throw new GridError('The grid is empty: no seeds given');
  for (const m of spec.methods) {
    if (!(METHODS as readonly string[]).includes(m)) {
      throw new GridError(`method=${m}: not a method (${METHODS.join(', ')})`);
    }
  }
  if (spec.methods.some(usesMatching) && spec.lambdas.length === 0) {
    throw new GridError('The grid is empty: ITRA methods need at least one λ');
  }
  for (const s of spec.seeds) {
    if (!Number.isInteger(s)) throw new GridError(`seed=${s}: seeds must be whole numbers`);
  }
  for (const key of Object.keys(spec.vary)) {
    if (!(VARIABLE_SETTINGS as string[]).includes(key)) {
      throw new GridError(`${key}: not a setting a grid can vary`);
    }
    if (spec.vary[key]!.length === 0) throw new GridError(`${key}: no values given`);
  }
  // The cartesian product of the varied settings.
  let combos: Coords[] = [{}];
  for (const [key, values] of Object.entries(spec.vary)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const runs: GridRun[] = [];
  const seen = new Set<string>();
  for (const method of unique(spec.methods)) {
    const lambdas = usesMatching(method) ? unique(spec.lambdas) : [undefined];
    for (const lambda of lambdas) {
      for (const combo of combos) {
        for (const seed of unique(spec.seeds)) {
          const coords: Coords = {
            method,
            ...(lambda !== undefined ? { lambda } : {}),
            ...combo,
            seed,
          };
          let config: TrainConfig;
          try {
            config = validateConfig({
              ...spec.base,
              ...combo,
              method,
              seed,
              ...(lambda !== undefined ? { lambda } : {}),
            });
          } catch (e) {
            throw new GridError(`${coordsLabel(coords, true)}: ${(e as Error).message}`);
          }
          if (config.maxSteps < 1) {
            // 0 means "until stopped" in the app: a sweep's run would never end.
            throw new GridError(
              `${coordsLabel(coords, true)}: maxSteps=${config.maxSteps}: a sweep's runs need max steps ≥ 1`,
            );
          }
          const label = coordsLabel(coords, true)
            .replace(/λ/g, 'l')
            .replace(/[^\w.=-]+/g, '_');
          const key = `${label}-${fnv1a(JSON.stringify(config) + (spec.dataNote ?? ''))}`;
          if (seen.has(key)) continue;
          seen.add(key);
          runs.push({ key, groupKey: groupKeyOf(coords), coords, config });
        }
      }
    }
  }
  return runs;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
