/**
 * "Export as PyTorch": the files of a folder that trains a run's settings with PyTorch
 * (train.py, the same for every run; config.json, this run's settings exactly; README.md, how
 * to run it). Pure: the caller supplies train.py's text (the app imports it with `?raw`, the
 * CLI reads export/pytorch/train.py), so the app, the CLI and the tests build the same folder.
 *
 * config.json carries the run's initial settings, how many steps to train (the settings' max
 * steps, else the steps the source run made before it was stopped), whether its split was
 * carved, and the live changes the source run recorded (λ, lr, method… at their steps), which
 * train.py replays unless told not to. The initial weights need no file: train.py rebuilds
 * them, and the batch order, from the seed with the engine's own generator.
 */
import { type TrainConfig, validateConfig } from '../engine/config';
import type { RunEvent, RunRecord } from '../engine/runRecord';
import { pytorchReadme } from './pytorchReadme';

export const PYTORCH_EXPORT_SCHEMA = 'itra-playground/pytorch-export';
export const PYTORCH_EXPORT_VERSION = 1;

type ChangeEvent = Extract<RunEvent, { kind: 'change' }>;

/** What an export is made from: a run record, or the settings of a run not yet trained. */
export interface PytorchExportInput {
  name: string;
  config: TrainConfig;
  /** Steps to train: max steps, else the source run's step count (0: train.py needs --steps). */
  steps: number;
  split: 'official' | 'carved';
  changes: ChangeEvent[];
  source:
    | { kind: 'run'; runId: string; createdAt: string; status: string; steps: number }
    | { kind: 'settings' };
}

/** The config.json document (train.py reads it). */
export interface PytorchExportConfig {
  schema: typeof PYTORCH_EXPORT_SCHEMA;
  version: typeof PYTORCH_EXPORT_VERSION;
  name: string;
  exportedAt: string;
  source: PytorchExportInput['source'];
  config: TrainConfig;
  steps: number;
  data: { split: 'official' | 'carved' };
  changes: Array<Omit<ChangeEvent, 'kind'>>;
}

export function exportInputFromRecord(r: RunRecord): PytorchExportInput {
  return {
    name: r.name,
    config: { ...r.config },
    steps: r.config.maxSteps > 0 ? r.config.maxSteps : r.steps,
    split: r.data.split,
    changes: r.events.filter((e): e is ChangeEvent => e.kind === 'change'),
    source: {
      kind: 'run',
      runId: r.id,
      createdAt: r.createdAt,
      status: r.status,
      steps: r.steps,
    },
  };
}

/** A name like the CLI's: "fmnist small itra-c λ=0.6". */
export function settingsName(c: TrainConfig): string {
  const parts: string[] = [c.dataset, c.model, c.method];
  if (c.method === 'itra' || c.method === 'itra-c') parts.push(`λ=${c.lambda}`);
  if (c.method === 'discern') parts.push(`gini=${c.lambdaGini} kl=${c.lambdaKl}`);
  if (c.labelNoise > 0) parts.push(`noise=${c.labelNoise}`);
  return parts.join(' ');
}

/** Settings (the settings panel, a settings URL): validated, named, trained for max steps. */
export function exportInputFromConfig(config: TrainConfig, name?: string): PytorchExportInput {
  const c = validateConfig(config);
  return {
    name: name ?? settingsName(c),
    config: { ...c },
    steps: c.maxSteps,
    split: 'official',
    changes: [],
    source: { kind: 'settings' },
  };
}

export function exportConfigDocument(
  input: PytorchExportInput,
  exportedAt = new Date().toISOString(),
): PytorchExportConfig {
  return {
    schema: PYTORCH_EXPORT_SCHEMA,
    version: PYTORCH_EXPORT_VERSION,
    name: input.name,
    exportedAt,
    source: input.source,
    config: input.config,
    steps: input.steps,
    data: { split: input.split },
    changes: input.changes.map(({ kind: _k, ...rest }) => rest),
  };
}

/** A folder (and zip) name from the run's name: letters, digits, '-', '_', '.' only. */
export function exportFolderName(input: PytorchExportInput): string {
  const slug = input.name
    .normalize('NFKD')
    .replace(/λ/g, 'lambda')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'run'}-pytorch`;
}

/** The folder's files, name → text. */
export function pytorchExportFiles(
  input: PytorchExportInput,
  trainPy: string,
  exportedAt?: string,
): Record<string, string> {
  const doc = exportConfigDocument(input, exportedAt);
  return {
    'train.py': trainPy,
    'config.json': `${JSON.stringify(doc, null, 2)}\n`,
    'README.md': pytorchReadme(input),
  };
}
