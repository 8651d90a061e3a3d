/**
 * The Sweep panel's text fields → a validated grid (src/reproduce/grid.ts). Pure: every refusal
 * (an empty grid, an unknown setting, a value the schema refuses, runs that would never end)
 * comes back as one message naming the offending value, before anything is queued.
 */
import { type Method, type TrainConfig, usesMatching, validateConfig } from '../engine/config';
import {
  type CoordValue,
  expandGrid,
  GridError,
  type GridRun,
  type GridSpec,
  parseSettingList,
  settingKey,
  VARIABLE_SETTINGS,
} from '../reproduce/grid';

/** More than this is almost surely a typo ("1-1000" for "1-10"). */
export const MAX_SWEEP_RUNS = 200;
const MAX_SEEDS = 100;

export interface VaryRow {
  /** A setting's name: `lr`, `weightDecay` or `weight-decay`. */
  setting: string;
  /** Its values, comma-separated. */
  values: string;
}

export interface SweepForm {
  /** "1-3", "1,2,3" or "1-3, 7". */
  seeds: string;
  methods: Method[];
  /** λ values for ITRA / ITRA-c, comma-separated (ignored when neither is ticked). */
  lambdas: string;
  vary: VaryRow[];
}

export type SweepPlan =
  | { ok: true; spec: GridSpec; runs: GridRun[]; label: string }
  | { ok: false; error: string };

/** Whole-number seeds from "1-3", "1,2,3", "1-3, 7" (ranges inclusive, duplicates dropped). */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.every((p) => p === '')) throw new GridError('The grid is empty: no seeds given');
  const out: number[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const range = /^(-?\d+)\s*(?:-|–|\.\.)\s*(-?\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new GridError(`seeds=${part}: the range runs backwards (write ${b}-${a})`);
      if (b - a + 1 > MAX_SEEDS) {
        throw new GridError(`seeds=${part}: more than ${MAX_SEEDS} seeds in one range`);
      }
      for (let s = a; s <= b; s++) out.push(s);
    } else if (/^-?\d+$/.test(part)) {
      out.push(Number(part));
    } else {
      throw new GridError(`seeds=${part}: not a whole number or a range (write e.g. 1-3 or 1,2,3)`);
    }
  }
  return [...new Set(out)];
}

/** The other settings varied, parsed and checked against the schema. */
export function parseVary(rows: readonly VaryRow[]): Record<string, CoordValue[]> {
  const vary: Record<string, CoordValue[]> = {};
  for (const row of rows) {
    const name = row.setting.trim();
    if (name === '' && row.values.trim() === '') continue;
    if (name === '') throw new GridError(`values "${row.values.trim()}" have no setting name`);
    const key = settingKey(name);
    if (key === null) {
      throw new GridError(`"${name}": unknown setting (one of ${VARIABLE_SETTINGS.join(', ')})`);
    }
    if (key === 'seed') throw new GridError(`${name}: give seeds in the Seeds field`);
    if (key === 'method') throw new GridError(`${name}: tick the methods instead`);
    if (key === 'lambda') throw new GridError(`${name}: give λ values in the λ field`);
    if (!(VARIABLE_SETTINGS as string[]).includes(key)) {
      throw new GridError(`${name}: not a setting a grid can vary (it is a list)`);
    }
    if (vary[key]) throw new GridError(`${key} is listed twice`);
    vary[key] = parseSettingList(key, row.values);
  }
  return vary;
}

const list = (xs: readonly unknown[]) => xs.map(String).join(', ');

/** "4 runs: vanilla, itra-c · λ 0.8 · seeds 1, 2" */
export function describeGrid(spec: GridSpec, runs: readonly GridRun[]): string {
  const parts = [`${runs.length} run${runs.length === 1 ? '' : 's'}: ${list(spec.methods)}`];
  if (spec.methods.some(usesMatching)) parts.push(`λ ${list(spec.lambdas)}`);
  for (const [k, v] of Object.entries(spec.vary)) parts.push(`${k} ${list(v)}`);
  parts.push(`seed${spec.seeds.length === 1 ? '' : 's'} ${list(spec.seeds)}`);
  return parts.join(' · ');
}

/** The grid of the form on top of `base` (the current settings), or why it is refused. */
export function planSweep(form: SweepForm, base: unknown, maxRuns = MAX_SWEEP_RUNS): SweepPlan {
  try {
    let config: TrainConfig;
    try {
      config = validateConfig(base);
    } catch (e) {
      throw new GridError(`The current settings are refused: ${(e as Error).message}`);
    }
    const seeds = parseSeeds(form.seeds);
    const matching = form.methods.some(usesMatching);
    const lambdas = matching ? (parseSettingList('lambda', form.lambdas) as number[]) : [];
    const spec: GridSpec = {
      base: config,
      methods: [...form.methods],
      lambdas,
      seeds,
      vary: parseVary(form.vary),
    };
    const runs = expandGrid(spec);
    const endless = runs.find((r) => r.config.maxSteps === 0);
    if (endless) {
      throw new GridError(
        'maxSteps=0: a sweep run needs an end. Set Max steps (More settings) or vary maxSteps',
      );
    }
    if (runs.length > maxRuns) {
      throw new GridError(`${runs.length} runs: more than ${maxRuns} in one sweep`);
    }
    return { ok: true, spec, runs, label: describeGrid(spec, runs) };
  } catch (e) {
    if (e instanceof GridError) return { ok: false, error: e.message };
    throw e;
  }
}
