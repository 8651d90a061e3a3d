/**
 * The exported folder's files, built from a run record or from settings (no Python needed:
 * test/pytorchExport.test.ts runs them).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../engine/config';
import type { RunRecord } from '../engine/runRecord';
import {
  exportConfigDocument,
  exportFolderName,
  exportInputFromConfig,
  exportInputFromRecord,
  PYTORCH_EXPORT_SCHEMA,
  pytorchExportFiles,
} from './pytorchExport';

const record: RunRecord = {
  schema: 'itra-playground/run',
  version: 3,
  id: 'run-1',
  name: 'kmnist small itra-c λ=0.8',
  createdAt: '2026-12-01T10:00:00.000Z',
  config: { ...DEFAULT_CONFIG, dataset: 'kmnist', lambda: 0.8, maxSteps: 0 },
  data: { trainSize: 8000, testSize: 2000, evalSize: 2000, split: 'carved' },
  environment: { backend: 'webgpu', runtime: 'Chrome', tfjsVersion: '4.22.0' },
  status: 'stopped',
  steps: 740,
  points: [],
  events: [
    { kind: 'warmup-end', step: 200 },
    { kind: 'change', step: 300, setting: 'lambda', from: 0.8, to: 1.2 },
    { kind: 'change', step: 500, setting: 'lr', from: 0.01, to: 0.005 },
  ],
};

describe('PyTorch export files', () => {
  it('from a run record: its settings exactly, its steps, its carved split, its live changes', () => {
    const input = exportInputFromRecord(record);
    const doc = exportConfigDocument(input, '2026-12-02T00:00:00.000Z');
    expect(doc.schema).toBe(PYTORCH_EXPORT_SCHEMA);
    expect(doc.config).toEqual(record.config);
    // Trained until stopped: the steps it made.
    expect(doc.steps).toBe(740);
    expect(doc.data.split).toBe('carved');
    expect(doc.changes).toEqual([
      { step: 300, setting: 'lambda', from: 0.8, to: 1.2 },
      { step: 500, setting: 'lr', from: 0.01, to: 0.005 },
    ]);
    expect(doc.source).toEqual({
      kind: 'run',
      runId: 'run-1',
      createdAt: record.createdAt,
      status: 'stopped',
      steps: 740,
    });
  });

  it('max steps win over the steps made', () => {
    const input = exportInputFromRecord({
      ...record,
      config: { ...record.config, maxSteps: 3000 },
    });
    expect(input.steps).toBe(3000);
  });

  it('from settings: validated, named like the CLI names runs, no changes', () => {
    const input = exportInputFromConfig({ ...DEFAULT_CONFIG, method: 'discern', maxSteps: 500 });
    expect(input.name).toBe('fmnist small discern gini=0.5 kl=0.5');
    expect(input.steps).toBe(500);
    expect(input.changes).toEqual([]);
    expect(() => exportInputFromConfig({ ...DEFAULT_CONFIG, lr: -1 })).toThrow(/learning rate/);
  });

  it('train.py as given, config.json as JSON, a README with every way to run it', () => {
    const files = pytorchExportFiles(exportInputFromRecord(record), '# train.py\n');
    expect(Object.keys(files).sort()).toEqual(['README.md', 'config.json', 'train.py']);
    expect(files['train.py']).toBe('# train.py\n');
    expect(JSON.parse(files['config.json']!).config).toEqual(record.config);
    const readme = files['README.md']!;
    for (const s of ['--device cpu', '--device cuda', 'torchrun', '#SBATCH', 'srun', '--carve']) {
      expect(readme).toContain(s);
    }
    // A run stopped by hand has max steps 0, but config.json carries its steps.
    expect(readme).toContain('740 steps');
    expect(readme).toContain('lambda → 1.2 at step 300');
  });

  it('folder names are plain', () => {
    expect(exportFolderName(exportInputFromRecord(record))).toBe(
      'kmnist-small-itra-c-lambda-0.8-pytorch',
    );
  });
});
