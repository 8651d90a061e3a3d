/**
 * The settings <-> URL query string mapping, so a copied link reproduces the setup.
 * Pure: no window access here (the config store does the reading and writing).
 */
import {
  augmentationDefaults,
  crossFieldProblems,
  DEFAULT_CONFIG,
  ESTIMATORS,
  type Estimator,
  METHODS,
  type Method,
  type TrainConfig,
  trainConfigSchema,
  validateConfig,
} from '../engine/config';

/** Side B of a twin (A/B) session: the settings that differ from side A. */
export interface TwinSettings {
  enabled: boolean;
  method: Method;
  estimator: Estimator;
  lambda: number;
  /** Side B's own Gini + KL weights (used when side B's method is discern). */
  lambdaGini: number;
  lambdaKl: number;
}

export const DEFAULT_TWIN: TwinSettings = {
  enabled: false,
  method: 'vanilla',
  estimator: 'biased',
  lambda: DEFAULT_CONFIG.lambda,
  lambdaGini: DEFAULT_CONFIG.lambdaGini,
  lambdaKl: DEFAULT_CONFIG.lambdaKl,
};

export interface UrlState {
  config: TrainConfig;
  twin: TwinSettings;
}

export interface ParsedUrlState extends UrlState {
  /** One line per parameter that was invalid and replaced by its default. */
  problems: string[];
}

type ConfigKey = keyof TrainConfig;
const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as ConfigKey[];
const TWIN_PARAMS = {
  enabled: 'twin',
  method: 'bMethod',
  estimator: 'bEstimator',
  lambda: 'bLambda',
  lambdaGini: 'bLambdaGini',
  lambdaKl: 'bLambdaKl',
} as const;

/** Side B's weights: each a number ≥ 0, written and read the same way. */
const TWIN_WEIGHTS = [
  ['lambda', 'λ'],
  ['lambdaGini', 'λ_gini'],
  ['lambdaKl', 'λ_kl'],
] as const;

const NUMBER_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function parseNumber(raw: string): number | undefined {
  const s = raw.trim();
  return NUMBER_RE.test(s) ? Number(s) : undefined;
}

/** Short, stable text for a number in a URL (no float noise like 0.6500000000000001). */
export function formatParamNumber(n: number): string {
  return String(Number.parseFloat(n.toPrecision(12)));
}

/** Milestones as people type them and links carry them: "1000, 2000" ("" = none). */
export function formatMilestones(m: readonly number[]): string {
  return m.map(formatParamNumber).join(', ');
}

/** Reads a milestone list (commas and/or spaces), checked with the run schema's messages. */
export function parseMilestones(text: string): { value: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter((t) => t !== '');
  const nums: number[] = [];
  for (const t of parts) {
    const n = parseNumber(t);
    if (n === undefined) return { error: `"${t}" is not a number` };
    nums.push(n);
  }
  const res = trainConfigSchema.shape.lrMilestones.safeParse(nums);
  return res.success ? { value: res.data } : { error: res.error.issues[0]?.message ?? 'invalid' };
}

function paramText(v: TrainConfig[ConfigKey]): string {
  if (typeof v === 'number') return formatParamNumber(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (Array.isArray(v)) return v.map(formatParamNumber).join(',');
  return String(v);
}

/** One parameter's raw text as the value its schema checks, or why it cannot be one. */
function paramValue(key: ConfigKey, raw: string): { value: unknown } | { error: string } {
  const d = DEFAULT_CONFIG[key];
  if (typeof d === 'number') {
    const n = parseNumber(raw);
    return n === undefined ? { error: 'not a number' } : { value: n };
  }
  if (typeof d === 'boolean') {
    if (raw === '1' || raw === 'true') return { value: true };
    if (raw === '0' || raw === 'false') return { value: false };
    return { error: 'expected 1 or 0' };
  }
  if (Array.isArray(d)) {
    const r = parseMilestones(raw);
    return 'error' in r ? r : { value: r.value };
  }
  return { value: raw };
}

/** Writes every setting (not only non-defaults: a link must survive a change of defaults). */
export function stateToQuery(state: UrlState, existing = ''): string {
  const params = new URLSearchParams(existing);
  for (const key of CONFIG_KEYS) params.set(key, paramText(state.config[key]));
  for (const p of Object.values(TWIN_PARAMS)) params.delete(p);
  if (state.twin.enabled) {
    params.set(TWIN_PARAMS.enabled, '1');
    params.set(TWIN_PARAMS.method, state.twin.method);
    params.set(TWIN_PARAMS.estimator, state.twin.estimator);
    for (const [k] of TWIN_WEIGHTS) params.set(TWIN_PARAMS[k], formatParamNumber(state.twin[k]));
  }
  return params.toString();
}

/**
 * Reads settings from a query string. Each parameter is checked on its own: a bad one falls
 * back to its default and is reported; unknown parameters are ignored.
 */
export function queryToState(search: string): ParsedUrlState {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  const shape = trainConfigSchema.shape;
  const accepted = new Set<ConfigKey>();

  for (const key of CONFIG_KEYS) {
    const raw = params.get(key);
    if (raw === null) continue;
    const parsed = paramValue(key, raw);
    if ('error' in parsed) {
      problems.push(`${key}=${raw}: ${parsed.error}`);
      continue;
    }
    const res = shape[key].safeParse(parsed.value);
    if (res.success) {
      config[key] = res.data;
      accepted.add(key);
    } else problems.push(`${key}=${raw}: ${res.error.issues[0]?.message ?? 'invalid'}`);
  }
  // Augmentation a link does not set (or sets wrong) is its dataset's default (CIFAR-10: on).
  const augmentation = augmentationDefaults(config.dataset as TrainConfig['dataset']);
  for (const key of Object.keys(augmentation) as Array<keyof typeof augmentation>) {
    if (!accepted.has(key)) config[key] = augmentation[key];
  }
  // Cross-field rule the schema cannot express: the ResNet is a CIFAR-10 model.
  if (config.model === 'resnet' && config.dataset !== 'cifar10') {
    problems.push(`model=resnet: only available for CIFAR-10, using "small"`);
    config.model = 'small';
  }
  // A schedule the other settings cannot carry (cosine without max steps, step decay without
  // milestones) falls back to the constant one, saying why.
  const cross = crossFieldProblems(config as TrainConfig);
  if (cross.length) {
    problems.push(
      `lrSchedule=${config.lrSchedule}: ${cross.map((p) => p.replace(/^\w+: /, '')).join('; ')}; using "${DEFAULT_CONFIG.lrSchedule}"`,
    );
    config.lrSchedule = DEFAULT_CONFIG.lrSchedule;
  }

  const twin: TwinSettings = { ...DEFAULT_TWIN };
  const en = params.get(TWIN_PARAMS.enabled);
  if (en !== null) {
    if (en === '1' || en === 'true') twin.enabled = true;
    else if (en !== '0' && en !== 'false') problems.push(`twin=${en}: expected 1 or 0`);
  }
  const bm = params.get(TWIN_PARAMS.method);
  if (bm !== null) {
    if ((METHODS as readonly string[]).includes(bm)) twin.method = bm as Method;
    else problems.push(`bMethod=${bm}: not a method`);
  }
  const be = params.get(TWIN_PARAMS.estimator);
  if (be !== null) {
    if ((ESTIMATORS as readonly string[]).includes(be)) twin.estimator = be as Estimator;
    else problems.push(`bEstimator=${be}: expected biased or unbiased`);
  }
  for (const [k, symbol] of TWIN_WEIGHTS) {
    const raw = params.get(TWIN_PARAMS[k]);
    if (raw === null) continue;
    const n = parseNumber(raw);
    if (n !== undefined && Number.isFinite(n) && n >= 0) twin[k] = n;
    else problems.push(`${TWIN_PARAMS[k]}=${raw}: ${symbol} must be a number ≥ 0`);
  }

  let valid: TrainConfig;
  try {
    valid = validateConfig(config);
  } catch (e) {
    // Unreachable when every field passed on its own; stay safe anyway.
    problems.push((e as Error).message);
    valid = { ...DEFAULT_CONFIG };
  }
  return { config: valid, twin, problems };
}

/** Whether the query string carries any of our settings (an empty link keeps saved state). */
export function hasStateParams(search: string): boolean {
  const params = new URLSearchParams(search);
  return (
    CONFIG_KEYS.some((k) => params.has(k)) || Object.values(TWIN_PARAMS).some((p) => params.has(p))
  );
}
