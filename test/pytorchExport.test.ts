/**
 * The PyTorch export, run for real (Python + PyTorch + ../shared's Fashion-MNIST; skipped with
 * a message where either is missing): for each method, the exported folder's train.py trains
 * 30 steps of the tiny model on CPU and writes a record the app's schema accepts, and its first
 * step matches the engine's first step on the tfjs cpu backend (identical initial weights and
 * batches, the same loss, the same updated weights to float32 tolerance). torchrun with 2
 * processes (gloo) writes a valid record with world size 2; torchrun with 1 process gives the
 * one-process record exactly.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSplits } from '../src/data/dataset';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import { BatchSampler, disposeBatch, EvalSet } from '../src/engine/batches';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/engine/config';
import { type Point, parseRunFile, type RunRecord } from '../src/engine/runRecord';
import { TrainingSession } from '../src/engine/session';
import { Trainer, trainingLoss } from '../src/engine/trainer';
import {
  exportInputFromConfig,
  exportInputFromRecord,
  type PytorchExportInput,
  pytorchExportFiles,
} from '../src/export/pytorchExport';
import { Rng } from '../src/util/rng';
import { freePort, PYTHON, SKIP_NO_TORCH, torchrunArgs } from './python';
import { DATASETS_DIR, REPO_ROOT, SKIP_NO_SHARED } from './shared';

const FMNIST_DIR = resolve(DATASETS_DIR, 'fashion-mnist');
const hasFmnist = existsSync(resolve(FMNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
const skipWhy = !PYTHON ? SKIP_NO_TORCH : !hasFmnist ? SKIP_NO_SHARED : '';
const TRAIN_PY = readFileSync(resolve(REPO_ROOT, 'export/pytorch/train.py'), 'utf8');

const BASE: TrainConfig = {
  ...DEFAULT_CONFIG,
  dataset: 'fmnist',
  model: 'tiny',
  warmup: 0,
  maxSteps: 30,
  evalEvery: 10,
  evalSize: 500,
};

const CASES: Array<[string, Partial<TrainConfig>]> = [
  ['vanilla', { method: 'vanilla' }],
  ['ITRA', { method: 'itra' }],
  ['ITRA-c, biased', { method: 'itra-c', estimator: 'biased' }],
  ['ITRA-c, unbiased', { method: 'itra-c', estimator: 'unbiased' }],
  ['label smoothing', { method: 'lsr' }],
  ['center loss', { method: 'center' }],
  ['Gini + KL', { method: 'discern' }],
  [
    'ITRA-c with AdamW, cosine + lr warm-up, crops + flips, 30% label noise',
    {
      method: 'itra-c',
      estimator: 'unbiased',
      optimizer: 'adam',
      lr: 0.001,
      weightDecay: 0.01,
      lrSchedule: 'cosine',
      lrWarmup: 5,
      augment: true,
      cropPadding: 3,
      flip: true,
      labelNoise: 0.3,
      seed: 7,
    },
  ],
];

interface FirstStep {
  loss: number;
  s1: number[];
  s2: number[];
  labels1: number[];
  labels2: number[];
  initial: number[][];
  updated: number[][];
}

function run(cmd: string, args: string[], cwd: string) {
  return new Promise<{ code: number | null; out: string }>((done) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONUNBUFFERED: '1' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => done({ code, out }));
  });
}

/** The exported folder for `cfg` (or a record's input), written to a fresh temporary directory. */
function exportFolder(cfg: TrainConfig | PytorchExportInput, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'itra-pytorch-'));
  const input = 'config' in cfg ? cfg : exportInputFromConfig(cfg, name);
  const files = pytorchExportFiles(input, TRAIN_PY);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** The engine's first step on this backend: loss, batch, weights before and after. */
async function engineFirstStep(cfg: TrainConfig, data: DatasetSplits): Promise<FirstStep> {
  const env = { backend: tf.getBackend(), runtime: 'test', tfjsVersion: tf.version_core };
  const sampler = new BatchSampler(data.train, 10, cfg.batchSize, cfg.batchSize2, cfg.seed, {
    augment: cfg.augment ? { padding: cfg.cropPadding, flip: cfg.flip } : null,
    labelNoise: cfg.labelNoise,
  });
  const evalSet = new EvalSet(data.test, 10, 10, cfg.seed);
  const trainer = new Trainer({
    runId: 'p',
    name: 'p',
    config: cfg,
    data,
    evalSet,
    environment: env,
  });
  const batch = sampler.next();
  const centers = tf.zeros([10, trainer.model.featureDim]) as tf.Tensor2D;
  const loss = tf.tidy(
    () =>
      trainingLoss(trainer.model, batch, cfg, trainer.lambdaEffective, centers, {
        concat: trainer.concatenatedPass,
        discern: trainer.discernWeights,
      }).loss.dataSync()[0]!,
  );
  const initial = (await trainer.readWeights()).map((a) => Array.from(a));
  trainer.trainStep(batch);
  const updated = (await trainer.readWeights()).map((a) => Array.from(a));
  // The batch streams as BatchSampler forks them (streams 1 and 2 of the seed's generator).
  const rng = new Rng(cfg.seed);
  const s1 = Array.from(rng.fork(1).permutation(data.train.count).subarray(0, cfg.batchSize));
  const s2 = Array.from(rng.fork(2).permutation(data.train.count).subarray(0, cfg.batchSize2));
  const out = {
    loss,
    s1,
    s2,
    labels1: Array.from(batch.labels1),
    labels2: Array.from(batch.labels2),
    initial,
    updated,
  };
  disposeBatch(batch);
  tf.dispose(centers);
  trainer.dispose();
  evalSet.dispose();
  return out;
}

/** Σ w_i·(1 + (i mod 13)/13) over every tensor: a position-sensitive checksum. */
const checksum = (ws: number[][]) =>
  ws.reduce((s, w) => s + w.reduce((t, v, i) => t + v * (1 + (i % 13) / 13), 0), 0);
const scale = (ws: number[][]) =>
  ws.reduce((s, w) => s + w.reduce((t, v, i) => t + Math.abs(v) * (1 + (i % 13) / 13), 0), 0);

function compareFirstSteps(name: string, engine: FirstStep, torch: FirstStep) {
  expect(torch.s1).toEqual(engine.s1);
  expect(torch.s2).toEqual(engine.s2);
  expect(torch.labels1).toEqual(engine.labels1);
  expect(torch.labels2).toEqual(engine.labels2);
  // The initial weights: bit for bit.
  expect(torch.initial.length).toBe(engine.initial.length);
  torch.initial.forEach((w, k) => expect(w, `initial tensor ${k}`).toEqual(engine.initial[k]));
  const lossDiff = Math.abs(torch.loss - engine.loss);
  expect(lossDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(engine.loss)));
  let maxDiff = 0;
  let maxUpdateDiff = 0;
  let maxUpdate = 0;
  torch.updated.forEach((w, k) => {
    const e = engine.updated[k]!;
    const e0 = engine.initial[k]!;
    const t0 = torch.initial[k]!;
    expect(w.length).toBe(e.length);
    for (let i = 0; i < w.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(w[i]! - e[i]!));
      maxUpdate = Math.max(maxUpdate, Math.abs(e[i]! - e0[i]!));
      maxUpdateDiff = Math.max(maxUpdateDiff, Math.abs(w[i]! - t0[i]! - (e[i]! - e0[i]!)));
    }
  });
  const sumDiff = Math.abs(checksum(torch.updated) - checksum(engine.updated));
  const relSum = sumDiff / scale(engine.updated);
  console.log(
    `parity ${name}: loss ${engine.loss.toFixed(7)} (Δ ${lossDiff.toExponential(2)}), ` +
      `weight checksum Δ ${sumDiff.toExponential(2)} (relative ${relSum.toExponential(2)}), ` +
      `max |Δw| ${maxDiff.toExponential(2)}, largest update ${maxUpdate.toExponential(2)}, ` +
      `max update difference ${maxUpdateDiff.toExponential(2)}`,
  );
  expect(maxDiff).toBeLessThanOrEqual(1e-6);
  expect(maxUpdateDiff).toBeLessThanOrEqual(1e-3 * maxUpdate);
  expect(relSum).toBeLessThanOrEqual(1e-6);
}

const strip = (points: Point[]) => points.map(({ samplesPerSec: _s, wallMs: _w, ...rest }) => rest);

/** An engine run on this backend, with live patches applied after the eval at a step. */
async function engineRun(
  cfg: TrainConfig,
  data: DatasetSplits,
  patches: Record<number, Parameters<TrainingSession['patch']>[0]> = {},
): Promise<RunRecord> {
  const env = { backend: tf.getBackend(), runtime: 'test', tfjsVersion: tf.version_core };
  const session: TrainingSession = new TrainingSession({
    runIds: ['e'],
    names: ['engine'],
    config: cfg,
    data,
    environment: env,
    yieldToHost: () => Promise.resolve(),
    listener: {
      onPoint: (_id, p) => {
        const patch = patches[p.step];
        if (patch) session.patch(patch);
      },
    },
  });
  const [rec] = await session.run();
  session.dispose();
  return rec!;
}

async function trainExported(dir: string, extra: string[] = []): Promise<RunRecord> {
  const args = ['train.py', '--data-dir', FMNIST_DIR, '--out', 'rec.json', '--quiet'];
  const r = await run(PYTHON!.python, [...args, '--threads', '1', ...extra], dir);
  expect(r.code === 0 || r.code === 1, r.out).toBe(true);
  return parseRunFile(readFileSync(join(dir, 'rec.json'), 'utf8'))[0]!;
}

describe.skipIf(skipWhy !== '')(`PyTorch export, run with torch ${skipWhy}`, () => {
  let data: DatasetSplits;
  const dirs: string[] = [];
  const records = new Map<string, RunRecord>();

  beforeAll(async () => {
    data = await parseDatasetFiles({
      id: 'fmnist',
      files: await readDatasetDir('fmnist', FMNIST_DIR),
    });
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each(CASES)(
    '%s: 30 steps, a valid record, first-step parity with the engine (cpu)',
    async (name, patch) => {
      const cfg = { ...BASE, ...patch };
      const dir = exportFolder(cfg, name);
      dirs.push(dir);
      const r = await run(
        PYTHON!.python,
        [
          'train.py',
          '--data-dir',
          FMNIST_DIR,
          '--out',
          'rec.json',
          '--dump-first-step',
          'dump.json',
          '--quiet',
          '--threads',
          '1',
        ],
        dir,
      );
      expect(r.code, r.out).toBe(0);
      const [rec] = parseRunFile(readFileSync(join(dir, 'rec.json'), 'utf8'));
      expect(rec!.status).toBe('completed');
      expect(rec!.steps).toBe(30);
      expect(rec!.config).toEqual(cfg);
      expect(rec!.points.map((p) => p.step)).toEqual([10, 20, 30]);
      expect(rec!.data).toMatchObject({
        trainSize: 60000,
        testSize: 10000,
        evalSize: 500,
        split: 'official',
      });
      expect(rec!.environment).toMatchObject({
        device: 'cpu',
        worldSize: 1,
        torchVersion: PYTHON!.torch,
      });
      records.set(name, rec!);
      const torch = JSON.parse(readFileSync(join(dir, 'dump.json'), 'utf8')) as FirstStep;
      compareFirstSteps(name, await engineFirstStep(cfg, data), torch);
    },
  );

  it('a run record with live changes: train.py replays them at the same steps', async () => {
    const cfg = { ...BASE, method: 'vanilla' as const, batchSize: 32, batchSize2: 32 };
    const engine = await engineRun(cfg, data, {
      10: { method: 'itra-c', lambda: 0.3, estimator: 'unbiased' },
      20: { lr: 0.02, weightDecay: 0.001 },
    });
    const changes = engine.events.filter((e) => e.kind === 'change');
    expect(changes).toHaveLength(5);
    const dir = exportFolder(exportInputFromRecord(engine), 'changes');
    dirs.push(dir);
    const rec = await trainExported(dir);
    // The changes exactly (a collapse, if any, only by kind and step: its detail quotes values).
    const shape = (es: RunRecord['events']) =>
      es.map((e) => (e.kind === 'change' ? e : { kind: e.kind, step: e.step }));
    expect(shape(rec.events)).toEqual(shape(engine.events));
    const settings = (ps: Point[]) => ps.map((p) => [p.step, p.method, p.lambdaEff, p.lr]);
    expect(settings(rec.points)).toEqual(settings(engine.points));
    // Identical up to the first change (same init, same batches), close after it.
    expect(rec.points[0]!.trainCE).toBeCloseTo(engine.points[0]!.trainCE!, 5);
    rec.points.forEach((p, i) => {
      expect(Math.abs(p.testAcc! - engine.points[i]!.testAcc!)).toBeLessThan(0.03);
    });
    // --no-changes: the initial settings throughout.
    const plain = await trainExported(dir, ['--no-changes']);
    expect(plain.events.filter((e) => e.kind === 'change')).toEqual([]);
    expect(new Set(plain.points.map((p) => p.method))).toEqual(new Set(['vanilla']));
  });

  it('a diverging run: the same diverged step, status and kept points as the engine', async () => {
    const cfg = { ...BASE, method: 'vanilla' as const, lr: 1e12, evalEvery: 3, maxSteps: 9 };
    const engine = await engineRun(cfg, data);
    expect(engine.status).toBe('diverged');
    const dir = exportFolder(cfg, 'diverges');
    dirs.push(dir);
    const rec = await trainExported(dir);
    expect(rec.status).toBe('diverged');
    expect(rec.steps).toBe(engine.steps);
    expect(rec.events.map((e) => [e.kind, e.step])).toEqual(
      engine.events.map((e) => [e.kind, e.step]),
    );
    expect(rec.points.map((p) => p.step)).toEqual(engine.points.map((p) => p.step));
  });

  it('torchrun --nproc_per_node 2 (gloo): the same 30 steps, a valid record with world size 2', async () => {
    const cfg = { ...BASE, method: 'itra-c' as const };
    const dir = exportFolder(cfg, 'ITRA-c, 2 processes');
    dirs.push(dir);
    const args = [...torchrunArgs(2, join(dir, 'logs'), await freePort()), 'train.py'];
    const r = await run(
      PYTHON!.python,
      [...args, '--data-dir', FMNIST_DIR, '--out', 'rec.json', '--device', 'cpu', '--quiet'],
      dir,
    );
    expect(r.code, r.out).toBe(0);
    const [rec] = parseRunFile(readFileSync(join(dir, 'rec.json'), 'utf8'));
    expect(rec!.status).toBe('completed');
    expect(rec!.steps).toBe(30);
    expect(rec!.environment).toMatchObject({ worldSize: 2, device: 'cpu' });
    expect(rec!.points.map((p) => p.step)).toEqual([10, 20, 30]);
    // Each step sees 2 × 64 S1 images.
    expect(rec!.points[0]!.epoch).toBeCloseTo((10 * 64 * 2) / 60000, 12);
    expect(rec!.points.every((p) => p.testAcc !== null && p.trainCE !== null)).toBe(true);
  });

  it('torchrun --nproc_per_node 1 gives the one-process record', async () => {
    const single = records.get('ITRA-c, biased');
    expect(single, 'the one-process ITRA-c run above').toBeDefined();
    const dir = exportFolder(single!.config, 'ITRA-c, biased');
    dirs.push(dir);
    const args = [...torchrunArgs(1, join(dir, 'logs'), await freePort()), 'train.py'];
    const r = await run(
      PYTHON!.python,
      [...args, '--data-dir', FMNIST_DIR, '--out', 'rec.json', '--quiet', '--threads', '1'],
      dir,
    );
    expect(r.code, r.out).toBe(0);
    const [rec] = parseRunFile(readFileSync(join(dir, 'rec.json'), 'utf8'));
    expect(strip(rec!.points)).toEqual(strip(single!.points));
    expect(rec!.events).toEqual(single!.events);
    expect(rec!.data).toEqual(single!.data);
    expect(rec!.environment.worldSize).toBe(1);
  });
});
