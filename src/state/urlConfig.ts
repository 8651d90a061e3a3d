/**
 * The settings <-> URL query string mapping, so a copied link reproduces the setup.
 * Pure: no window access here (the config store does the reading and writing).
 */
import {
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
}

export const DEFAULT_TWIN: TwinSettings = {
  enabled: false,
  method: 'vanilla',
  estimator: 'biased',
  lambda: DEFAULT_CONFIG.lambda,
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
} as const;

const NUMBER_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function parseNumber(raw: string): number | undefined {
  const s = raw.trim();
  return NUMBER_RE.test(s) ? Number(s) : undefined;
}

/** Short, stable text for a number in a URL (no float noise like 0.6500000000000001). */
export function formatParamNumber(n: number): string {
  return String(Number.parseFloat(n.toPrecision(12)));
}

/** Writes every setting (not only non-defaults: a link must survive a change of defaults). */
export function stateToQuery(state: UrlState, existing = ''): string {
  const params = new URLSearchParams(existing);
  for (const key of CONFIG_KEYS) {
    const v = state.config[key];
    params.set(key, typeof v === 'number' ? formatParamNumber(v) : String(v));
  }
  for (const p of Object.values(TWIN_PARAMS)) params.delete(p);
  if (state.twin.enabled) {
    params.set(TWIN_PARAMS.enabled, '1');
    params.set(TWIN_PARAMS.method, state.twin.method);
    params.set(TWIN_PARAMS.estimator, state.twin.estimator);
    params.set(TWIN_PARAMS.lambda, formatParamNumber(state.twin.lambda));
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

  for (const key of CONFIG_KEYS) {
    const raw = params.get(key);
    if (raw === null) continue;
    const isNumber = typeof DEFAULT_CONFIG[key] === 'number';
    const value = isNumber ? parseNumber(raw) : raw;
    if (value === undefined) {
      problems.push(`${key}=${raw}: not a number`);
      continue;
    }
    const res = shape[key].safeParse(value);
    if (res.success) config[key] = res.data;
    else problems.push(`${key}=${raw}: ${res.error.issues[0]?.message ?? 'invalid'}`);
  }
  // Cross-field rule the schema cannot express: the ResNet is a CIFAR-10 model.
  if (config.model === 'resnet' && config.dataset !== 'cifar10') {
    problems.push(`model=resnet: only available for CIFAR-10, using "small"`);
    config.model = 'small';
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
  const bl = params.get(TWIN_PARAMS.lambda);
  if (bl !== null) {
    const n = parseNumber(bl);
    if (n !== undefined && Number.isFinite(n) && n >= 0) twin.lambda = n;
    else problems.push(`bLambda=${bl}: λ must be a number ≥ 0`);
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
