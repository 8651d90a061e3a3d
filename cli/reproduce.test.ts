/**
 * `npm run reproduce` as a user runs it (child processes, real files): bad grids refused before
 * any run, resume after a finished or a killed sweep on a synthetic dataset, and the --quick
 * preset end to end on the real Fashion-MNIST of ../shared.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunFile } from '../src/engine/runRecord';
import { DATASETS_DIR, REPO_ROOT, SKIP_NO_SHARED } from '../test/shared';
import { syntheticDataset, writeSyntheticIdx } from '../test/synthetic';

const TSX = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SCRIPT = path.join(REPO_ROOT, 'cli', 'reproduce.ts');
const FMNIST = path.join(DATASETS_DIR, 'fashion-mnist');
const hasFmnist = fs.existsSync(path.join(FMNIST, 'train-images-idx3-ubyte.gz'));

function reproduce(args: string[], timeout = 240_000): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, SCRIPT, ...args],
      { cwd: REPO_ROOT, timeout },
      (err, _out, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
    );
  });
}

const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'itra-reproduce-'));
  tmpDirs.push(d);
  return d;
};
let dataDir = '';
beforeAll(() => {
  dataDir = tmp();
  writeSyntheticIdx(dataDir, syntheticDataset(400, 100));
});
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

const records = (out: string) =>
  fs
    .readdirSync(path.join(out, 'runs'))
    .filter((f) => f.endsWith('.json'))
    .sort();

const small = (out: string, extra: string[] = []) => [
  '--out',
  out,
  '--dataset',
  'kmnist',
  '--data-dir',
  dataDir,
  '--model',
  'tiny',
  '--methods',
  'vanilla,itra-c',
  '--lambda',
  '0.8',
  '--seeds',
  '1-2',
  '--eval-every',
  '5',
  '--eval-size',
  '100',
  '--batch-size',
  '16',
  '--batch-size2',
  '16',
  '--warmup',
  '2',
  '--jobs',
  '2',
  ...extra,
];

describe('reproduce: refused before any run', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an empty grid', ['--methods', ','], /grid is empty: no methods/],
    [
      'an unknown preset',
      ['--preset', 'table9'],
      /unknown preset "table9": use quick, table1-fmnist/,
    ],
    [
      'a setting that does not exist',
      ['--learning-rate', '0.1'],
      /unknown setting --learning-rate/,
    ],
    [
      'a list value that fails the schema',
      ['--lr', '0.01,-0.5'],
      /lr=-0.5: learning rate must be > 0/,
    ],
    ['a bad seed list', ['--seeds', '3-1'], /--seeds 3-1: the range 3-1 is empty/],
    [
      'a run that would never end',
      ['--max-steps', '0,10'],
      /maxSteps=0: a sweep's runs need max steps ≥ 1/,
    ],
    ['a model the images do not fit', ['--model', 'resnet'], /ResNet model is for CIFAR-10/],
    [
      'a batch larger than the training split',
      ['--batch-size', '100000'],
      /Batch size exceeds the 400 training images/,
    ],
    [
      'a data folder without the files',
      ['--data-dir', '/nonexistent/kmnist'],
      /Kuzushiji-MNIST: no complete/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}`, async () => {
      const out = path.join(tmp(), 'out');
      const r = await reproduce([...small(out), ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(path.join(out, 'runs'))).toBe(false);
    });
  }
});

describe('reproduce: runs, resumes, restarts', () => {
  it('writes every record and the results; a repeat skips finished runs and reruns missing ones', async () => {
    const out = tmp();
    const first = await reproduce(small(out, ['--steps', '10']));
    expect(first.stderr).toContain('4 runs (0 already done');
    expect(first.code).toBe(0);
    const files = records(out);
    expect(files).toHaveLength(4);
    for (const f of [
      'results.json',
      'report.md',
      'figure2-test-ce-vs-lambda.svg',
      'curves-test-ce.svg',
    ]) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
    const sweepId = JSON.parse(fs.readFileSync(path.join(out, 'sweep.json'), 'utf8')).id;
    for (const f of files) {
      const [r] = parseRunFile(fs.readFileSync(path.join(out, 'runs', f), 'utf8'));
      expect(r!.status).toBe('completed');
      expect(r!.sweep?.id).toBe(sweepId);
      expect(r!.sweep?.coords.seed).toBe(r!.config.seed);
    }
    // Lose one record, leave a torn temporary file of another: only the lost one runs again.
    const kept = files.slice(1).map((f) => fs.readFileSync(path.join(out, 'runs', f), 'utf8'));
    fs.rmSync(path.join(out, 'runs', files[0]!));
    fs.writeFileSync(path.join(out, 'runs', `${files[1]}.tmp-12345`), '{"torn');
    const second = await reproduce(small(out, ['--steps', '10']));
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('4 runs (3 already done');
    expect(records(out)).toEqual(files);
    expect(files.slice(1).map((f) => fs.readFileSync(path.join(out, 'runs', f), 'utf8'))).toEqual(
      kept,
    );
    expect(fs.readdirSync(path.join(out, 'runs')).some((f) => f.includes('.tmp-'))).toBe(false);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.sweepId).toBe(sweepId);
    expect(results.groups.map((g: { label: string; n: number }) => [g.label, g.n])).toEqual([
      ['vanilla', 2],
      ['itra-c λ0.8', 2],
    ]);
  });

  it('a sweep killed mid-run restarts cleanly: the killed run runs again, nothing torn is kept', async () => {
    const out = tmp();
    const args = [TSX, SCRIPT, ...small(out, ['--steps', '120', '--jobs', '1'])];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      detached: true,
      stdio: 'ignore',
    });
    // Kill the whole process group once the first record is written (the second is running).
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 180_000;
      const poll = setInterval(() => {
        const n = fs.existsSync(path.join(out, 'runs')) ? records(out).length : 0;
        if (n >= 1) {
          clearInterval(poll);
          process.kill(-child.pid!, 'SIGKILL');
          resolve();
        } else if (Date.now() > deadline) {
          clearInterval(poll);
          process.kill(-child.pid!, 'SIGKILL');
          reject(new Error('no record written in time'));
        }
      }, 200);
    });
    await new Promise((r) => setTimeout(r, 500));
    const afterKill = records(out);
    expect(afterKill.length).toBeGreaterThanOrEqual(1);
    expect(afterKill.length).toBeLessThan(4);
    const again = await reproduce(small(out, ['--steps', '120', '--jobs', '2']));
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`4 runs (${afterKill.length} already done`);
    expect(records(out)).toHaveLength(4);
    for (const f of records(out)) {
      const [r] = parseRunFile(fs.readFileSync(path.join(out, 'runs', f), 'utf8'));
      expect(r!.status).toBe('completed');
      expect(r!.steps).toBe(120);
    }
  });
});

describe.skipIf(!hasFmnist)('reproduce --quick on the real Fashion-MNIST', () => {
  it(`writes every file, and every run record is valid ${hasFmnist ? '' : SKIP_NO_SHARED}`, async () => {
    const out = tmp();
    const r = await reproduce(['--quick', '--out', out, '--data-dir', FMNIST], 290_000);
    expect(r.code, r.stderr).toBe(0);
    const files = records(out);
    expect(files).toHaveLength(4);
    for (const f of files) {
      const [rec] = parseRunFile(fs.readFileSync(path.join(out, 'runs', f), 'utf8'));
      expect(rec!.steps).toBe(300);
      expect(rec!.points.at(-1)!.testAcc).toBeGreaterThan(0.5);
    }
    const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('## Best λ per method');
    expect(report).toContain('Vanilla SGD (paper) | — | 92.43 | 0.294');
    expect(report).toContain('## Paired with vanilla on the same seeds');
    for (const f of [
      'figure2-test-ce-vs-lambda.svg',
      'curves-intra-class-distance.svg',
      'curves-test-accuracy.svg',
      'curves-test-ce.svg',
    ]) {
      expect(fs.readFileSync(path.join(out, f), 'utf8')).toMatch(/^<svg /);
    }
  }, 300_000);
});
