/**
 * What the feature views add to an eval step (issue #14's 5% budget): one process, Node wasm,
 * Fashion-MNIST, the `small` model, two trainers from the same seed, one with the embedding
 * subset (500) and one without, timed interleaved (A/B/A/B…) on the same batches. Reports the
 * median wall and CPU time of a training step and of an eval step each way, and the training
 * speed at the default eval interval (50). CPU time (process.cpuUsage, all threads) is the
 * figure to trust on a shared machine; wall time is printed beside it.
 *
 *   npx tsx bench/viewsCost.ts [embedSize=500] [reps=7]
 */
import * as tf from '@tensorflow/tfjs-core';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import { BatchSampler, disposeBatch, EvalSet } from '../src/engine/batches';
import { DEFAULT_CONFIG, validateConfig } from '../src/engine/config';
import { EmbedSet } from '../src/engine/features/embedSet';
import { setupNodeBackend } from '../src/engine/nodeBackend';
import { Trainer } from '../src/engine/trainer';
import { DATASETS_DIR } from '../test/shared';

const embedSize = Number(process.argv[2] ?? 500);
const reps = Number(process.argv[3] ?? 7);
const backend = await setupNodeBackend('wasm');
const files = await readDatasetDir('fmnist', `${DATASETS_DIR}/fashion-mnist`);
const data = await parseDatasetFiles({ id: 'fmnist', files });
const config = validateConfig({
  ...DEFAULT_CONFIG,
  dataset: 'fmnist',
  model: 'small',
  method: 'vanilla',
  seed: 1,
});
const environment = { backend, runtime: `node ${process.version}`, tfjsVersion: tf.version_core };
const evalSet = new EvalSet(data.test, 10, config.evalSize, config.seed);
const embedSet = new EmbedSet(data.test, 10, embedSize, config.seed);
const make = (id: string, views: boolean) =>
  new Trainer({
    runId: id,
    name: id,
    config: { ...config, embedSize: views ? embedSize : 0 },
    data,
    evalSet,
    environment,
    ...(views ? { embedSet } : {}),
  });
const on = make('on', true);
const off = make('off', false);
const sampler = new BatchSampler(data.train, 10, config.batchSize, config.batchSize2, config.seed);
const timing = { epoch: 0, samplesPerSec: null, wallMs: 0 };

async function timed(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const samples = { stepOn: [], stepOff: [], evalOn: [], evalOff: [] } as Record<
  string,
  Array<{ wall: number; cpu: number }>
>;
for (let r = -1; r < reps; r++) {
  // r = -1 warms both up (kernels compiled, buffers allocated) and is not counted.
  const order: Array<[Trainer, string]> =
    r % 2 === 0
      ? [
          [on, 'On'],
          [off, 'Off'],
        ]
      : [
          [off, 'Off'],
          [on, 'On'],
        ];
  const batch = sampler.next();
  for (const [t, k] of order) {
    const s = await timed(async () => {
      for (let i = 0; i < 5; i++) t.trainStep(batch);
      await t.flush();
    });
    const e = await timed(() => t.evaluate(batch, timing));
    if (r >= 0) {
      samples[`step${k}`]!.push({ wall: s.wall / 5, cpu: s.cpu / 5 });
      samples[`eval${k}`]!.push(e);
    }
  }
  disposeBatch(batch);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = (k: string, f: 'wall' | 'cpu') => median(samples[k]!.map((s) => s[f]));
for (const f of ['cpu', 'wall'] as const) {
  const step = (m('stepOn', f) + m('stepOff', f)) / 2;
  const evalOn = m('evalOn', f);
  const evalOff = m('evalOff', f);
  const per50 = (e: number) => 50 / (50 * step + e);
  console.log(
    `${f}: step ${step.toFixed(1)} ms · eval off ${evalOff.toFixed(0)} ms · eval on ${evalOn.toFixed(0)} ms ` +
      `(+${(evalOn - evalOff).toFixed(0)} ms) · steps/s at evalEvery 50: off ${(1000 * per50(evalOff)).toFixed(2)}, ` +
      `on ${(1000 * per50(evalOn)).toFixed(2)} (${((per50(evalOn) / per50(evalOff) - 1) * 100).toFixed(1)}%)`,
  );
}
console.log(`embedSize ${embedSize}, ${reps} interleaved reps, backend ${backend}, small, fmnist`);
