/**
 * ms per training step (forward + backward + SGD update), batch 64 of 28x28x1, 10 classes, for
 * the `tiny` and `small` CNNs on the cpu and wasm backends in Node. Prints a markdown table.
 *
 *   npx tsx bench/wasmStep.ts            # cpu small: 2 timed steps (~40 s each)
 *   npx tsx bench/wasmStep.ts --quick    # skips cpu small
 *   npx tsx bench/wasmStep.ts --steps 30 # timed wasm steps (default 20)
 */
import * as tf from '@tensorflow/tfjs-core';
import { type NodeBackendName, setupNodeBackend } from '../src/engine/nodeBackend';

const BATCH = 64;
const CLASSES = 10;

type Arch = { conv1: number; conv2: number; dense: number };
const ARCHS: Record<'tiny' | 'small', Arch> = {
  tiny: { conv1: 8, conv2: 16, dense: 32 },
  small: { conv1: 32, conv2: 64, dense: 128 },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const quick = process.argv.includes('--quick');
const wasmSteps = Number(arg('--steps') ?? 20);

/** conv3x3-relu-maxpool-conv3x3-relu-maxpool-dense-relu-dense, He-initialised, seeded. */
function makeModel(a: Arch) {
  const he = (shape: number[], fanIn: number, seed: number) =>
    tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed));
  const zeros = (n: number) => tf.variable(tf.zeros([n]));
  const w = {
    c1: he([3, 3, 1, a.conv1], 9, 1),
    b1: zeros(a.conv1),
    c2: he([3, 3, a.conv1, a.conv2], 9 * a.conv1, 2),
    b2: zeros(a.conv2),
    d1: he([7 * 7 * a.conv2, a.dense], 7 * 7 * a.conv2, 3),
    e1: zeros(a.dense),
    d2: he([a.dense, CLASSES], a.dense, 4),
    e2: zeros(CLASSES),
  };
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    let h = tf.relu(tf.add(tf.conv2d(x, w.c1 as tf.Tensor4D, 1, 'same'), w.b1)) as tf.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    h = tf.relu(tf.add(tf.conv2d(h, w.c2 as tf.Tensor4D, 1, 'same'), w.b2)) as tf.Tensor4D;
    h = tf.maxPool(h, 2, 2, 'valid');
    const f = tf.reshape(h, [x.shape[0], -1]);
    const z = tf.relu(tf.add(tf.matMul(f, w.d1), w.e1));
    return tf.add(tf.matMul(z, w.d2), w.e2) as tf.Tensor2D;
  };
  return { vars: Object.values(w), forward };
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median ms of `steps` timed steps after `warmup` untimed ones. */
async function timeSteps(backend: NodeBackendName, arch: Arch, warmup: number, steps: number) {
  await setupNodeBackend(backend);
  const model = makeModel(arch);
  const opt = tf.train.sgd(0.01);
  const x = tf.randomNormal([BATCH, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniformInt([BATCH], 0, CLASSES, 6) as tf.Tensor1D, CLASSES);
  const step = async () => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.forward(x)) as tf.Scalar,
      true,
      model.vars,
    );
    // Reading the loss waits for the step (wasm runs synchronously, but keep it honest).
    await loss?.data();
    loss?.dispose();
  };
  for (let i = 0; i < warmup; i++) await step();
  const before = tf.memory().numTensors;
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    ms.push(performance.now() - t0);
  }
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, labels, ...model.vars]);
  opt.dispose();
  return { ms: median(ms), steps, leaked };
}

const rows: string[] = [];
const results: Record<string, number> = {};
for (const name of ['tiny', 'small'] as const) {
  for (const backend of ['cpu', 'wasm'] as const) {
    const cpuSmall = backend === 'cpu' && name === 'small';
    if (cpuSmall && quick) {
      rows.push(`| ${name} | ${backend} | skipped (--quick) | | |`);
      continue;
    }
    const warmup = backend === 'cpu' ? 1 : 3;
    const steps = backend === 'wasm' ? wasmSteps : cpuSmall ? 2 : 3;
    const r = await timeSteps(backend, ARCHS[name], warmup, steps);
    results[`${name}/${backend}`] = r.ms;
    const speedup =
      backend === 'wasm' && results[`${name}/cpu`] != null
        ? `${(results[`${name}/cpu`]! / r.ms).toFixed(1)}x`
        : '';
    rows.push(`| ${name} | ${backend} | ${r.ms.toFixed(1)} | ${r.steps} | ${speedup} |`);
    console.error(`${name}/${backend}: ${r.ms.toFixed(1)} ms/step (tensor growth ${r.leaked})`);
  }
}

console.log(`\nNode ${process.version}, batch ${BATCH}, 28x28x1, ${CLASSES} classes, SGD\n`);
console.log('| model | backend | ms/step (median) | timed steps | wasm speed-up |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) console.log(r);
