/**
 * Headless training on the same engine as the browser worker (Node, wasm backend by default).
 *
 *   npm run train -- --dataset kmnist --data-dir ~/datasets/kmnist --carve \
 *     --method itra-c --lambda 0.8 --warmup 100 --model tiny --steps 400 --out run.json
 *
 * Progress on stderr, a one-line summary at the end, the run record (same JSON schema the UI
 * exports) in --out.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { cacheDir } from '../server/cache';
import { formatBytes } from '../src/data/bytes';
import type { DatasetId } from '../src/data/dataset';
import { DATASET_IDS } from '../src/data/dataset';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import { type Checkpoint, resumeSetup } from '../src/engine/checkpoint';
import { decodeCheckpointFile, encodeCheckpointFile } from '../src/engine/checkpointFile';
import {
  augmentationDefaults,
  DEFAULT_CONFIG,
  METHODS,
  MODEL_IDS,
  PAPER_LAMBDA,
  type TrainConfig,
  validateConfig,
} from '../src/engine/config';
import {
  NODE_BACKENDS,
  type NodeBackendName,
  nodeGpuAdapter,
  setupNodeBackend,
} from '../src/engine/nodeBackend';
import type { Point } from '../src/engine/runRecord';
import { TrainingSession } from '../src/engine/session';
import { createProgress } from './progress';

const HELP = `Usage: npm run train -- [options]

  --dataset ${DATASET_IDS.join('|')}   (default fmnist)
  --data-dir DIR        a folder of yours with the official files, e.g. ~/Downloads/kmnist
                        (default: the cache that \`npm run data -- fetch|import\` fills)
  --carve               carve train/test from the one split present (e.g. only the KMNIST
                        t10k files: first 8,000 train, last 2,000 test)
  --method ${METHODS.join('|')}   (default itra-c)
  --lambda L            ITRA λ (default: the paper's for the dataset, e.g. 0.8 KMNIST)
  --lambda-gini X  --lambda-kl Y   weights of Gini + KL for --method discern (default 0.5, 0.5)
  --estimator biased|unbiased   MMD estimator (default biased, the paper's)
  --warmup N            vanilla steps before λ applies (default 200)
  --model ${MODEL_IDS.join('|')}     (default small)
  --steps N             (default 300; with --resume: train on to step N)
  --eval-every N        (default 50)      --eval-size N   (default 2000)
  --embed-size N        images of the class-balanced embedding subset projected at each eval
                        step (confusion, per-class accuracy and intra-class distance, PCA
                        frames in the record; default 500, at most 2000, 0 = off)
  --batch-size N        m1 (default 64)   --batch-size2 N  m2 (default = m1)
  --lr X  --momentum X  --optimizer sgd|adam  --seed N
  --weight-decay X      L2 (SGD: added to the gradient; Adam: decoupled, AdamW) (default 0)
  --lr-schedule constant|step|cosine   (default constant; cosine runs over --steps)
  --lr-milestones 1000,2000  --lr-gamma X   step decay: lr × γ at each milestone (γ 0.1)
  --lr-floor X          cosine floor as a fraction of lr (default 0)
  --lr-warmup N         linear learning-rate warm-up over the first N steps (default 0)
  --augment on|off      random crop + flip of training images (default: on for cifar10)
  --crop-padding N      padding of the random crop (default 4 for cifar10, 2 otherwise)
  --flip on|off         horizontal flip when augmenting (default: on for cifar10)
  --label-noise F       fraction of training labels replaced by another class (0–0.8)
  --backend wasm|cpu|webgpu  (default wasm; webgpu: Dawn's Node binding on a Vulkan GPU,
                        or SwiftShader with VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)
  --out FILE            write the run record (JSON)
  --checkpoint FILE     keep a checkpoint there (weights, optimizer, batch streams), replaced
                        at every eval step and on Ctrl-C
  --resume FILE         continue the run of a checkpoint (the CLI's, or the app's "Export with
                        weights" file): its settings and its batch sequence; --data-dir as usual
  --quiet               no progress bar
Progress goes to stderr: a bar on a terminal, plain lines in a log.
`;

function fail(message: string): never {
  process.stderr.write(`train: ${message}\n`);
  process.exit(2);
}

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        dataset: { type: 'string', default: 'fmnist' },
        'data-dir': { type: 'string' },
        carve: { type: 'boolean', default: false },
        method: { type: 'string' },
        lambda: { type: 'string' },
        'lambda-gini': { type: 'string' },
        'lambda-kl': { type: 'string' },
        'weight-decay': { type: 'string' },
        'lr-schedule': { type: 'string' },
        'lr-milestones': { type: 'string' },
        'lr-gamma': { type: 'string' },
        'lr-floor': { type: 'string' },
        'lr-warmup': { type: 'string' },
        augment: { type: 'string' },
        'crop-padding': { type: 'string' },
        flip: { type: 'string' },
        'label-noise': { type: 'string' },
        estimator: { type: 'string' },
        warmup: { type: 'string' },
        model: { type: 'string' },
        steps: { type: 'string' },
        'eval-every': { type: 'string' },
        'eval-size': { type: 'string' },
        'embed-size': { type: 'string' },
        'batch-size': { type: 'string' },
        'batch-size2': { type: 'string' },
        lr: { type: 'string' },
        momentum: { type: 'string' },
        optimizer: { type: 'string' },
        seed: { type: 'string' },
        backend: { type: 'string', default: 'wasm' },
        out: { type: 'string' },
        checkpoint: { type: 'string' },
        resume: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (e) {
    fail(
      `${(e as Error).message} (negative numbers need the = form, e.g. --lambda=-1; see --help)`,
    );
  }
})();
const a = parsed.values;

if (a.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

/** The entries that were given (so they override the dataset's defaults). */
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const num = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`--${name} must be a number, got "${v}"`);
  return n;
};

const onOff = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'true' || v === '1') return true;
  if (v === 'off' || v === 'false' || v === '0') return false;
  fail(`--${name} must be on or off, got "${v}"`);
};

const list = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  if (v.trim() === '') return [];
  return v.split(',').map((x) => {
    const n = Number(x.trim());
    if (x.trim() === '' || !Number.isFinite(n))
      fail(`--${name} must be numbers separated by commas, got "${v}"`);
    return n;
  });
};

/** The checkpoint of --resume: a CLI checkpoint, or a bundle exported with weights. */
const resumeFrom: Checkpoint | null = (() => {
  if (!a.resume) return null;
  try {
    const json = JSON.parse(readFileSync(a.resume, 'utf8'));
    return decodeCheckpointFile(json?.checkpoint ?? json);
  } catch (e) {
    fail(`--resume ${a.resume}: ${(e as Error).message}`);
  }
})();
if (resumeFrom) {
  if (resumeFrom.sides.length > 1) fail('--resume: a twin pair resumes in the app, not here');
  a.dataset = resumeFrom.sides[0].record.config.dataset;
  a.carve = resumeFrom.sides[0].record.data.split === 'carved';
}

if (!(DATASET_IDS as readonly string[]).includes(a.dataset)) {
  fail(`unknown dataset "${a.dataset}": use ${DATASET_IDS.join(', ')}`);
}
const dataset = a.dataset as DatasetId;
const batchSize = num('batch-size', a['batch-size']) ?? DEFAULT_CONFIG.batchSize;
const raw: Record<string, unknown> = {
  ...DEFAULT_CONFIG,
  dataset,
  model: a.model ?? DEFAULT_CONFIG.model,
  method: a.method ?? DEFAULT_CONFIG.method,
  lambda: num('lambda', a.lambda) ?? PAPER_LAMBDA[dataset],
  estimator: a.estimator ?? DEFAULT_CONFIG.estimator,
  warmup: num('warmup', a.warmup) ?? DEFAULT_CONFIG.warmup,
  maxSteps: num('steps', a.steps) ?? 300,
  evalEvery: num('eval-every', a['eval-every']) ?? DEFAULT_CONFIG.evalEvery,
  evalSize: num('eval-size', a['eval-size']) ?? DEFAULT_CONFIG.evalSize,
  embedSize: num('embed-size', a['embed-size']) ?? DEFAULT_CONFIG.embedSize,
  batchSize,
  batchSize2: num('batch-size2', a['batch-size2']) ?? batchSize,
  lr: num('lr', a.lr) ?? DEFAULT_CONFIG.lr,
  momentum: num('momentum', a.momentum) ?? DEFAULT_CONFIG.momentum,
  optimizer: a.optimizer ?? DEFAULT_CONFIG.optimizer,
  seed: num('seed', a.seed) ?? DEFAULT_CONFIG.seed,
  lambdaGini: num('lambda-gini', a['lambda-gini']) ?? DEFAULT_CONFIG.lambdaGini,
  lambdaKl: num('lambda-kl', a['lambda-kl']) ?? DEFAULT_CONFIG.lambdaKl,
  weightDecay: num('weight-decay', a['weight-decay']) ?? DEFAULT_CONFIG.weightDecay,
  lrSchedule: a['lr-schedule'] ?? DEFAULT_CONFIG.lrSchedule,
  lrMilestones: list('lr-milestones', a['lr-milestones']) ?? DEFAULT_CONFIG.lrMilestones,
  lrGamma: num('lr-gamma', a['lr-gamma']) ?? DEFAULT_CONFIG.lrGamma,
  lrFloor: num('lr-floor', a['lr-floor']) ?? DEFAULT_CONFIG.lrFloor,
  lrWarmup: num('lr-warmup', a['lr-warmup']) ?? DEFAULT_CONFIG.lrWarmup,
  labelNoise: num('label-noise', a['label-noise']) ?? DEFAULT_CONFIG.labelNoise,
  ...augmentationDefaults(dataset),
  ...defined({
    augment: onOff('augment', a.augment),
    cropPadding: num('crop-padding', a['crop-padding']),
    flip: onOff('flip', a.flip),
  }),
};
let config: TrainConfig;
try {
  // Refuse bad settings before loading anything. A resumed run keeps its own.
  config = validateConfig(resumeFrom ? resumeSetup(resumeFrom).config : raw);
  // --steps on --resume trains on to that step (same points as one longer run, but for a
  // cosine schedule, whose shape is drawn over maxSteps).
  if (resumeFrom && a.steps !== undefined) {
    if (config.lrSchedule === 'cosine')
      fail('--steps cannot change with --resume under a cosine schedule');
    config = validateConfig({ ...config, maxSteps: num('steps', a.steps) });
    resumeFrom.sides[0].record.config.maxSteps = config.maxSteps;
    resumeFrom.sides[0].scalars.config.maxSteps = config.maxSteps;
  }
} catch (e) {
  fail((e as Error).message);
}
if (config.maxSteps < 1) fail('--steps must be at least 1');
if (!NODE_BACKENDS.includes(a.backend as NodeBackendName))
  fail(`--backend must be ${NODE_BACKENDS.join(', ')}, got "${a.backend}"`);

const quiet = a.quiet;
const progressTo = () =>
  createProgress({
    write: (t) => {
      if (!quiet) process.stderr.write(t);
    },
    tty: Boolean(process.stderr.isTTY),
    unit: 'steps',
  });
// Phase lines now; the bar (and its clock, for steps/s and the ETA) once training starts.
const phases = progressTo();
let progress = phases;
const phase = (what: string) => phases.line(what);
const t0 = performance.now();
const since = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

const dataDir = a['data-dir'] ?? cacheDir(dataset);
phase(`reading files from ${dataDir}…`);
const files = await readDatasetDir(dataset, dataDir).catch((e: Error) => fail(e.message));
const size = Object.values(files).reduce((n, b) => n + b.byteLength, 0);
phase(`parsing ${Object.keys(files).length} files (${formatBytes(size)})… [${since()}]`);
const data = await parseDatasetFiles({ id: dataset, files, carve: a.carve }).catch((e: Error) =>
  fail(`${e.message}${'hint' in e && e.hint ? `\n  ${e.hint}` : ''}`),
);
phase(
  `${data.train.count.toLocaleString('en-US')} train + ${data.test.count.toLocaleString('en-US')} test images${data.split === 'carved' ? ' (carved split)' : ''}; starting the ${a.backend} backend… [${since()}]`,
);
const backend = await setupNodeBackend(a.backend as NodeBackendName).catch((e: Error) =>
  fail(e.message),
);
const adapter = nodeGpuAdapter();
if (adapter) phase(`webgpu adapter: ${adapter}`);
phase(`training on ${backend} [${since()}]`);

let last: Point | null = null;
let from = 0;
const note = () =>
  last?.testAcc != null ? `test acc ${(last.testAcc * 100).toFixed(1)}%` : undefined;

function runName(c: TrainConfig): string {
  const parts: string[] = [dataset, c.model, c.method];
  if (c.method.startsWith('itra')) parts.push(`λ=${c.lambda}`);
  if (c.method === 'discern') parts.push(`gini=${c.lambdaGini} kl=${c.lambdaKl}`);
  if (c.labelNoise > 0) parts.push(`noise=${c.labelNoise}`);
  return parts.join(' ');
}

/**
 * Indented JSON with arrays of numbers on one line: the embedding frames' thousands of
 * coordinates would otherwise take a line each (about twice the bytes).
 */
function readableJson(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(
    /\[\n\s*(-?[\d.eE+-]+(?:,\n\s*-?[\d.eE+-]+)*)\n\s*\]/g,
    (_m, body: string) => `[${body.replace(/,\n\s*/g, ',')}]`,
  );
}

/** Written beside, then renamed over: a reader never sees half a checkpoint. */
function writeCheckpoint(c: Checkpoint) {
  if (!a.checkpoint) return;
  const tmp = `${a.checkpoint}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(encodeCheckpointFile(c)));
  renameSync(tmp, a.checkpoint);
}

const started = performance.now();
const setup = resumeFrom ? resumeSetup(resumeFrom) : null;
const session = (() => {
  try {
    return new TrainingSession({
      runIds: setup?.runIds ?? [`cli-${Date.now().toString(36)}`],
      names: setup?.names ?? [runName(config)],
      config,
      resumeFrom: resumeFrom
        ? { checkpoint: resumeFrom, reason: `--resume ${a.resume}` }
        : undefined,
      data,
      environment: {
        backend,
        ...(adapter ? { adapter } : {}),
        runtime: `node ${process.version}`,
        tfjsVersion: tf.version_core,
      },
      // setImmediate lets Ctrl-C and stderr writes through between steps.
      yieldToHost: () => new Promise((r) => setImmediate(r)),
      listener: {
        onStep: (step) => progress.update(step, config.maxSteps, { from, note: note() }),
        onPoint: (_id, p) => {
          last = p;
          progress.update(p.step, config.maxSteps, { from, note: note(), force: true });
        },
        ...(a.checkpoint
          ? {
              onCheckpoint: writeCheckpoint,
              onCheckpointError: (e: Error) =>
                progress.line(`checkpoint not written: ${e.message}`),
            }
          : {}),
        onEvents: (_id, events) => {
          for (const e of events) {
            if (e.kind === 'change') continue;
            // Events are worth a line even with --quiet.
            const text = `[step ${e.step}] ${e.kind}${'detail' in e ? `: ${e.detail}` : ''}`;
            if (quiet) process.stderr.write(`${text}\n`);
            else progress.line(text);
          }
        },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
})();
process.on('SIGINT', () => session.stop());
// A resumed run starts at its checkpoint's step: steps/s and the ETA count from there.
from = session.step;
progress = progressTo();
const [record] = await session.run();
session.dispose();
progress.end();
const msPerStep = (performance.now() - started) / Math.max(1, record.steps);
if (a.out) writeFileSync(a.out, `${readableJson(record)}\n`);
const p = record.points.at(-1);
const f = (x: number | null | undefined, d = 3) => (x == null ? 'n/a' : x.toFixed(d));
process.stdout.write(
  `${record.name} [${backend}${data.split === 'carved' ? ', carved split' : ''}]: ${record.status} after ${record.steps} steps · ` +
    `test acc ${f(p?.testAcc == null ? null : p.testAcc * 100, 2)}% · test CE ${f(p?.testCE)} · intra-class dist ${f(p?.intraDist)} · ` +
    `Gini ${f(p?.gini, 4)} · KL ${f(p?.kl, 4)} · ` +
    (p?.silhouette !== undefined ? `silhouette ${f(p.silhouette)} · ` : '') +
    `${msPerStep.toFixed(0)} ms/step${a.out ? ` → ${a.out}` : ''}\n`,
);
process.exit(record.status === 'diverged' ? 1 : 0);
