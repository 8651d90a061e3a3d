/**
 * Seeds, sweeps and the paper's tables, headless: a grid of methods × λ × seeds (× any other
 * setting given as a list) trained in parallel worker processes on the engine in Node, then
 * summarized (results.json), reported (report.md) and drawn (SVG).
 *
 *   npm run reproduce -- --quick --out runs/quick
 *   npm run reproduce -- --preset table1-fmnist --out runs/t1 --jobs 2
 *   npm run reproduce -- --dataset fmnist --model tiny --methods vanilla,itra-c \
 *     --lambda 0.4,0.8 --seeds 1-3 --lr 0.01,0.05 --steps 500 --out runs/lr
 *
 * Resumable: a run whose record is in OUT/runs is not run again; a run that was killed left
 * no record (records are renamed into place when complete) and runs again from the start.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../server/cache';
import { DATASET_IDS } from '../src/data/dataset';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import {
  augmentationDefaults,
  DEFAULT_CONFIG,
  METHODS,
  type Method,
  MODEL_IDS,
  PAPER_LAMBDA,
  type TrainConfig,
  validateConfig,
} from '../src/engine/config';
import { parseRunFile, type RunRecord } from '../src/engine/runRecord';
import { checkSessionSettings } from '../src/engine/session';
import {
  type CoordValue,
  coordsLabel,
  expandGrid,
  GridError,
  type GridRun,
  type GridSpec,
  parseSettingList,
  parseSettingValue,
  settingKey,
} from '../src/reproduce/grid';
import { PRESETS } from '../src/reproduce/presets';
import { buildSweepOutputs } from '../src/reproduce/results';
import type { JobMessage, JobRequest } from './reproduceJob';

const HELP = `Usage: npm run reproduce -- --out DIR [options] [--SETTING v1,v2,...]

  --out DIR             where run records, results.json, report.md and the figures go (required)
  --quick               Fashion-MNIST, tiny, vanilla vs ITRA-c, 2 seeds, 300 steps (a few minutes)
  --preset NAME         ${Object.keys(PRESETS).join(', ')}
  --dataset ${DATASET_IDS.join('|')}   --model ${MODEL_IDS.join('|')}   --steps N
  --methods a,b,...     ${METHODS.join(', ')}
  --lambda x,y,...      λ values for ITRA / ITRA-c (default: the paper's for the dataset)
  --seeds 1,2,3 | 1-5   (default 1-3)
  --jobs N              worker processes (default: one per core, ${availableParallelism()} here)
  --data-dir DIR        your folder with the dataset's official files (default: the cache of
                        \`npm run data\`)    --carve   carve train/test from the one split present
  --SETTING v1,v2       vary any other setting, e.g. --lr 0.01,0.05 --weight-decay 0,5e-4
                        (one value fixes it: --eval-every 100)
Repeating a command with the same --out resumes it: finished runs are not run again.
`;

function fail(message: string): never {
  process.stderr.write(`reproduce: ${message}\n`);
  process.exit(2);
}

// ------------------------------------------------------------------ arguments

const FLAGS = new Set(['quick', 'carve', 'help']);
const OPTIONS = new Set([
  'out',
  'preset',
  'dataset',
  'model',
  'steps',
  'methods',
  'method',
  'lambda',
  'seeds',
  'jobs',
  'data-dir',
]);

function parseArgv(argv: string[]): { opts: Map<string, string>; settings: Map<string, string> } {
  const opts = new Map<string, string>();
  const settings = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) fail(`unexpected argument "${a}" (see --help)`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (FLAGS.has(name)) {
      opts.set(name, 'true');
      continue;
    }
    let value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      if (value === undefined || value.startsWith('--')) fail(`--${name} needs a value`);
      i++;
    }
    value ??= '';
    if (OPTIONS.has(name)) opts.set(name, value);
    else if (settingKey(name)) settings.set(name, value);
    else
      fail(
        `unknown setting --${name} (see --help for the options; settings are the run record's config keys)`,
      );
  }
  return { opts, settings };
}

function parseSeeds(text: string): number[] {
  return text.split(',').flatMap((part) => {
    const range = /^\s*(-?\d+)\s*-\s*(-?\d+)\s*$/.exec(part);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (hi < lo) fail(`--seeds ${text}: the range ${part} is empty`);
      return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    }
    const n = Number(part);
    if (part.trim() === '' || !Number.isInteger(n))
      fail(`--seeds ${text}: "${part}" is not a whole number`);
    return [n];
  });
}

const { opts, settings } = parseArgv(process.argv.slice(2));
if (opts.has('help')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const out = opts.get('out');
if (!out) fail('--out DIR is required (see --help)');
const presetName = opts.has('quick') ? 'quick' : opts.get('preset');
const preset = presetName ? PRESETS[presetName] : undefined;
if (presetName && !preset)
  fail(`unknown preset "${presetName}": use ${Object.keys(PRESETS).join(', ')}`);

const dataset = opts.get('dataset') ?? preset?.base.dataset ?? DEFAULT_CONFIG.dataset;
if (!(DATASET_IDS as readonly string[]).includes(dataset))
  fail(`unknown dataset "${dataset}": use ${DATASET_IDS.join(', ')}`);
const model = opts.get('model') ?? preset?.base.model ?? 'tiny';
if (!(MODEL_IDS as readonly string[]).includes(model))
  fail(`unknown model "${model}": use ${MODEL_IDS.join(', ')}`);
const methods = (opts.get('methods') ?? opts.get('method'))
  ?.split(',')
  .map((m) => m.trim())
  .filter((m) => m !== '') ??
  preset?.methods ?? ['vanilla', 'itra-c'];
for (const m of methods)
  if (!(METHODS as readonly string[]).includes(m))
    fail(`--methods: "${m}" is not a method (${METHODS.join(', ')})`);
let grid: GridSpec;
try {
  const lambdas = opts.has('lambda')
    ? (parseSettingList('lambda', opts.get('lambda')!) as number[])
    : (preset?.lambdas ?? [PAPER_LAMBDA[dataset as TrainConfig['dataset']]]);
  const fixed: Record<string, CoordValue | number[]> = {};
  const vary: Record<string, CoordValue[]> = {};
  for (const [name, text] of settings) {
    const key = settingKey(name)!;
    if (key === 'method' || key === 'lambda' || key === 'seed')
      fail(`use --methods, --lambda and --seeds for ${key}`);
    if (Array.isArray(DEFAULT_CONFIG[key])) {
      fixed[key] = text.trim() === '' ? [] : text.split(',').map(Number);
      continue;
    }
    const values = parseSettingList(key, text);
    if (values.length === 1) fixed[key] = values[0]!;
    else vary[key] = values;
  }
  const steps = opts.has('steps') ? parseSettingValue('maxSteps', opts.get('steps')!) : undefined;
  const base = validateConfig({
    ...DEFAULT_CONFIG,
    ...augmentationDefaults(dataset as TrainConfig['dataset']),
    ...(preset?.base ?? {}),
    dataset,
    model,
    maxSteps: steps ?? preset?.base.maxSteps ?? 300,
    ...fixed,
  });
  if (base.maxSteps < 1) fail('--steps must be at least 1');
  grid = {
    base,
    methods: methods as Method[],
    lambdas,
    seeds: opts.has('seeds') ? parseSeeds(opts.get('seeds')!) : (preset?.seeds ?? [1, 2, 3]),
    vary,
    // A carved split is other data from the same files: part of every run's key.
    dataNote: opts.has('carve') ? 'carved' : undefined,
  };
} catch (e) {
  fail((e as Error).message);
}
let runs: GridRun[];
try {
  runs = expandGrid(grid);
} catch (e) {
  fail(e instanceof GridError ? e.message : String(e));
}
const jobs = opts.has('jobs') ? Number(opts.get('jobs')) : availableParallelism();
if (!Number.isInteger(jobs) || jobs < 1)
  fail(`--jobs must be a whole number ≥ 1, got "${opts.get('jobs')}"`);
const dataDir = resolve(opts.get('data-dir') ?? cacheDir(grid.base.dataset));
const carve = opts.has('carve');

// The data-dependent checks (model for the image size, batch sizes against the split) before
// anything is created or forked: every run would otherwise fail in its worker.
try {
  const files = await readDatasetDir(grid.base.dataset, dataDir);
  const data = await parseDatasetFiles({ id: grid.base.dataset, files, carve });
  for (const r of runs) {
    try {
      checkSessionSettings(r.config, data);
    } catch (e) {
      fail(`${coordsLabel(r.coords, true)}: ${(e as Error).message}`);
    }
  }
} catch (e) {
  const hint = 'hint' in (e as object) ? (e as { hint?: string }).hint : undefined;
  fail(`${(e as Error).message}${hint ? `\n  ${hint}` : ''}`);
}

// ------------------------------------------------------------------ the output folder

const outDir = resolve(out);
const runsDir = join(outDir, 'runs');
mkdirSync(runsDir, { recursive: true });
const sweepFile = join(outDir, 'sweep.json');
function readSweepId(): string | null {
  if (!existsSync(sweepFile)) return null;
  try {
    const id = JSON.parse(readFileSync(sweepFile, 'utf8')).id;
    return typeof id === 'string' && id ? id : null;
  } catch {
    return null; // unreadable: a new id (the runs themselves are kept)
  }
}
const sweepId: string = readSweepId() ?? randomUUID();
if (readSweepId() !== sweepId) {
  // Written whole or not at all (renamed into place), like the run records.
  const tmp = `${sweepFile}.tmp-${process.pid}`;
  writeFileSync(
    tmp,
    `${JSON.stringify({ id: sweepId, createdAt: new Date().toISOString() }, null, 1)}\n`,
  );
  renameSync(tmp, sweepFile);
}
// Temporary files of runs killed mid-write: never adopted.
for (const f of readdirSync(runsDir)) if (f.includes('.tmp-')) rmSync(join(runsDir, f));

const fileOf = (r: GridRun) => join(runsDir, `${r.key}.json`);
function finishedRecord(r: GridRun): RunRecord | null {
  if (!existsSync(fileOf(r))) return null;
  try {
    const [rec] = parseRunFile(readFileSync(fileOf(r), 'utf8'));
    return rec && (rec.status === 'completed' || rec.status === 'diverged') ? rec : null;
  } catch {
    return null; // unreadable: run it again
  }
}
const todo = runs.filter((r) => !finishedRecord(r));
const say = (s: string) => process.stderr.write(`${s}\n`);
say(
  `reproduce: ${runs.length} runs (${runs.length - todo.length} already done in ${outDir}), ${Math.min(jobs, Math.max(1, todo.length))} jobs; data ${dataDir}`,
);

// ------------------------------------------------------------------ the pool

const tty = process.stderr.isTTY === true;
const started = Date.now();
const totalSteps = todo.reduce((a, r) => a + r.config.maxSteps, 0);
let doneSteps = 0;
const slots: Array<{ label: string; step: number; total: number } | null> = [];
let drawn = 0;
const fmtTime = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};
function overall(): string {
  const live = slots.reduce((a, s) => a + (s?.step ?? 0), 0);
  const steps = doneSteps + live;
  const elapsed = Date.now() - started;
  const eta = steps > 0 ? ((totalSteps - steps) * elapsed) / steps : null;
  return `overall: ${finished}/${todo.length} runs · ${steps}/${totalSteps} steps · elapsed ${fmtTime(elapsed)} · ETA ${eta === null ? '…' : fmtTime(eta)}`;
}
function draw() {
  if (!tty) return;
  const lines = [
    ...slots.map((s, i) => `job ${i + 1}: ${s ? `${s.label} · ${s.step}/${s.total}` : 'idle'}`),
    overall(),
  ];
  if (drawn) process.stderr.write(`\x1b[${drawn}A`);
  for (const l of lines) process.stderr.write(`\x1b[2K${l}\n`);
  drawn = lines.length;
}
let finished = 0;
let failures = 0;

/** One worker process: runs requests until the queue is empty; resolves when it exits. */
function runWorker(slot: number, queue: GridRun[]): Promise<{ clean: boolean; stderr: string }> {
  const here = dirname(fileURLToPath(import.meta.url));
  return new Promise((done) => {
    const child = fork(join(here, 'reproduceJob.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    let current: GridRun | null = null;
    let drained = false;
    const next = () => {
      current = queue.shift() ?? null;
      if (!current) {
        drained = true;
        slots[slot] = null;
        child.disconnect();
        return;
      }
      slots[slot] = {
        label: coordsLabel(current.coords, true),
        step: 0,
        total: current.config.maxSteps,
      };
      if (!tty) say(`job ${slot + 1}: start ${slots[slot]!.label}`);
      const req: JobRequest = {
        type: 'run',
        run: current,
        file: fileOf(current),
        dataDir,
        carve,
        sweepId,
        name: `${grid.base.dataset} ${grid.base.model} ${coordsLabel(current.coords, true)}`,
      };
      child.send(req);
      draw();
    };
    const report = (label: string, what: string) => {
      if (tty) {
        // The finished run's line scrolls up above the live block, which is drawn anew.
        if (drawn) process.stderr.write(`\x1b[${drawn}A\x1b[J`);
        drawn = 0;
        say(`${label}: ${what}`);
      } else say(`job ${slot + 1}: ${label}: ${what} · ${overall()}`);
    };
    child.on('message', (m: JobMessage) => {
      if (m.type === 'ready') next();
      else if (m.type === 'progress' && slots[slot]) {
        slots[slot]!.step = m.step;
        draw();
      } else if (m.type === 'done' || m.type === 'failed') {
        finished++;
        doneSteps += current?.config.maxSteps ?? 0;
        const label = slots[slot]?.label ?? m.key;
        slots[slot] = null;
        current = null;
        if (m.type === 'failed') failures++;
        report(
          label,
          m.type === 'done'
            ? `${m.status}${m.testAcc == null ? '' : ` · test acc ${(m.testAcc * 100).toFixed(2)}%`}`
            : `FAILED: ${m.message}`,
        );
        next();
      }
    });
    child.on('exit', (code, signal) => {
      const clean = drained && code === 0;
      if (current) {
        // Died during a run: that run failed (no record was written); the slot goes on.
        failures++;
        finished++;
        doneSteps += current.config.maxSteps;
        report(
          slots[slot]?.label ?? current.key,
          `FAILED: the worker process exited (${signal ?? code})`,
        );
        slots[slot] = null;
      }
      if (!clean)
        say(
          `job ${slot + 1}: worker process exited (${signal ?? code})${stderr ? `:\n${stderr.trim()}` : ''}`,
        );
      done({ clean, stderr });
    });
  });
}

/** Each slot runs workers until the queue is empty; three deaths in a row give the slot up. */
async function runPool(): Promise<void> {
  const queue = [...todo];
  const workers = Math.min(jobs, queue.length);
  await Promise.all(
    Array.from({ length: workers }, async (_, slot) => {
      slots[slot] = null;
      let deaths = 0;
      while (queue.length > 0 && deaths < 3) {
        const { clean } = await runWorker(slot, queue);
        deaths = clean ? 0 : deaths + 1;
      }
      if (deaths >= 3) say(`job ${slot + 1}: stopped after three worker failures in a row`);
    }),
  );
}

const onSignal = () => {
  say('\nreproduce: stopped; finished runs are kept, repeat the command to resume.');
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

if (todo.length) await runPool();
draw();

// ------------------------------------------------------------------ results

const records = runs.map(finishedRecord).filter((r): r is RunRecord => r !== null);
const missing = runs.length - records.length;
const outputs = buildSweepOutputs(records, {
  sweepId,
  grid,
  budget: preset?.budget,
  title: presetName
    ? `Reproduce: preset ${presetName}`
    : `Reproduce: ${grid.base.dataset} ${grid.base.model}`,
});
const written = ['results.json', 'report.md', ...Object.keys(outputs.figures)];
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(outputs.results, null, 1)}\n`);
writeFileSync(join(outDir, 'report.md'), outputs.report);
for (const [name, svg] of Object.entries(outputs.figures)) writeFileSync(join(outDir, name), svg);
say(
  `reproduce: ${records.length} runs summarized${missing ? `, ${missing} missing (failed: repeat the command to retry)` : ''} → ${written.join(', ')}`,
);
process.exit(failures || missing ? 1 : 0);
