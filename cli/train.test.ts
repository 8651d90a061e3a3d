/**
 * `npm run train` with checkpoints, as a user runs it (child processes, real files, wasm):
 * 10 steps with --checkpoint, then --resume to step 20, give the points of one 20-step run;
 * a damaged checkpoint is refused with a message; piped progress is plain lines; --embed-size
 * sets the feature views.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpointFile } from '../src/engine/checkpointFile';
import { parseRunFile } from '../src/engine/runRecord';
import { keepCheckpoint } from '../src/state/checkpoints';
import { useLibraryStore } from '../src/state/runsLibrary';
import { weightsBundle } from '../src/state/weightsFile';
import { REPO_ROOT } from '../test/shared';
import { syntheticDataset, writeSyntheticIdx } from '../test/synthetic';

const TSX = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SCRIPT = path.join(REPO_ROOT, 'cli', 'train.ts');

function train(args: string[], quiet = true): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, SCRIPT, ...(quiet ? ['--quiet'] : []), ...args],
      { cwd: REPO_ROOT, timeout: 240_000 },
      (err, _out, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
    );
  });
}

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-train-'));
  writeSyntheticIdx(dir, syntheticDataset(200, 100));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const common = () => [
  '--dataset',
  'kmnist',
  '--data-dir',
  dir,
  '--model',
  'tiny',
  '--method',
  'itra-c',
  '--warmup',
  '3',
  '--batch-size',
  '16',
  '--eval-every',
  '5',
  '--eval-size',
  '100',
  '--optimizer',
  'adam',
  '--lr',
  '0.002',
];

const read = (f: string) => parseRunFile(fs.readFileSync(f, 'utf8'))[0];

describe('npm run train --checkpoint / --resume', () => {
  it('10 steps, then --resume to 20: the points of one 20-step run', async () => {
    const full = path.join(dir, 'full.json');
    const half = path.join(dir, 'half.json');
    const ckpt = path.join(dir, 'ckpt.json');
    const resumed = path.join(dir, 'resumed.json');
    const r1 = await train([...common(), '--steps', '20', '--out', full]);
    expect(r1.stderr).not.toMatch(/error/i);
    expect(r1.code).toBe(0);
    const r2 = await train([...common(), '--steps', '10', '--checkpoint', ckpt, '--out', half]);
    expect(r2.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(ckpt, 'utf8')).step).toBe(10);
    // Only the checkpoint's own settings count: no --dataset or --model needed.
    const r3 = await train([
      '--data-dir',
      dir,
      '--resume',
      ckpt,
      '--steps',
      '20',
      '--out',
      resumed,
    ]);
    expect(r3.code).toBe(0);
    const a = read(full);
    const b = read(resumed);
    expect(b.id).toBe(read(half).id);
    expect(b.events.some((e) => e.kind === 'resumed' && e.step === 10)).toBe(true);
    const strip = (r: typeof a) =>
      r.points.map(({ wallMs: _w, samplesPerSec: _s, ...p }) => p).filter((p) => p.step > 10);
    expect(strip(b)).toEqual(strip(a));
    expect(b.steps).toBe(20);
  });

  it('a damaged checkpoint is refused, saying why', async () => {
    const bad = path.join(dir, 'bad.json');
    const ckpt = JSON.parse(fs.readFileSync(path.join(dir, 'ckpt.json'), 'utf8'));
    ckpt.values = ckpt.values.slice(8);
    fs.writeFileSync(bad, JSON.stringify(ckpt));
    const r = await train(['--data-dir', dir, '--resume', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume .*bad\.json: The checkpoint is damaged/);
  });

  it("the app's Export with weights resumes with --resume, as the CLI's own checkpoint", async () => {
    // The app's export path: the checkpoint kept as the worker sends it, the run renamed in
    // the library, then "Export with weights" written to a file.
    const ckpt = decodeCheckpointFile(
      JSON.parse(fs.readFileSync(path.join(dir, 'ckpt.json'), 'utf8')),
    );
    const record = ckpt.sides[0].record;
    useLibraryStore.getState().addRuns([record]);
    useLibraryStore.getState().rename(record.id, 'renamed in the app');
    keepCheckpoint(ckpt);
    const bundle = await weightsBundle(record.id);
    expect(bundle?.runs[0].name).toBe('renamed in the app');
    const file = path.join(dir, 'app-export.json');
    fs.writeFileSync(file, JSON.stringify(bundle));
    // The export is a run file the app imports, with the checkpoint beside the runs.
    expect(parseRunFile(fs.readFileSync(file, 'utf8'))[0].id).toBe(record.id);

    const out = path.join(dir, 'from-app.json');
    const r = await train(['--data-dir', dir, '--resume', file, '--steps', '20', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const strip = (x: ReturnType<typeof read>) =>
      x.points.map(({ wallMs: _w, samplesPerSec: _s, ...p }) => p).filter((p) => p.step > 10);
    expect(strip(read(out))).toEqual(strip(read(path.join(dir, 'full.json'))));
  });
});

describe('npm run train output and --embed-size', () => {
  it('piped: phase lines and progress lines, never a carriage return; N frames of N points', async () => {
    const out = path.join(dir, 'embed.json');
    const r = await train(
      [...common(), '--steps', '10', '--embed-size', '30', '--out', out],
      false,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/reading files from /);
    expect(r.stderr).toMatch(/parsing 4 files/);
    expect(r.stderr).toMatch(/starting the wasm backend/);
    expect(r.stderr).toMatch(/training on wasm/);
    expect(r.stderr).toMatch(/step 10\/10 .*steps\/s/);
    expect(r.stderr).not.toContain('\r');
    const rec = read(out);
    expect(rec.embedSubset!.indices).toHaveLength(30);
    expect(rec.embeddings!.map((f) => [f.step, f.xy.length, f.pred.length])).toEqual([
      [5, 60, 30],
      [10, 60, 30],
    ]);
    expect(rec.points.every((p) => p.confusion?.length === 10)).toBe(true);
  });

  it('--embed-size 0: no embedding, no confusion', async () => {
    const out = path.join(dir, 'noembed.json');
    const r = await train([...common(), '--steps', '5', '--embed-size', '0', '--out', out]);
    expect(r.code).toBe(0);
    const rec = read(out);
    expect(rec.embedSubset).toBeUndefined();
    expect(rec.embeddings).toBeUndefined();
    expect(rec.points[0]!.confusion).toBeUndefined();
    expect(rec.points[0]!.testAcc).not.toBeNull();
  });
});
