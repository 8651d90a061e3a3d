/**
 * Per-op profile of one training step, the engine on Node wasm (tf.profile: wall ms per
 * kernel; wasm kernels run synchronously) against PyTorch on one CPU thread (torch.profiler,
 * self CPU time): where the engine's step spends its time that PyTorch's does not.
 *
 *   npx tsx bench/profileStep.ts [--model small] [--variant itra-c] [--steps 5] [--warmup 20]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { disposeBatch } from '../src/engine/batches';
import { setupNodeBackend } from '../src/engine/nodeBackend';
import { DATASETS_DIR } from '../test/shared';
import { type BenchModel, caseConfig, caseTrainer, type EngineVariant } from './engineBench';
import { loadData } from './nodeBench';
import { startTorchPeer } from './torchPeer';

const { values: opt } = parseArgs({
  options: {
    model: { type: 'string', default: 'small' },
    variant: { type: 'string', default: 'itra-c' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '20' },
  },
});
const model = opt.model as BenchModel;
const variant = opt.variant as EngineVariant;
const steps = Number(opt.steps);
const warmup = Number(opt.warmup);

await setupNodeBackend('wasm');
const { data } = await loadData(model === 'resnet' ? 'cifar10' : 'fmnist');
const config = caseConfig(data, model, variant);
const { trainer, evalSet, sampler } = caseTrainer(data, config, 'profile', {
  backend: 'wasm',
  runtime: `node ${process.version}`,
});
for (let i = 0; i < warmup; i++) {
  const b = sampler.next();
  trainer.trainStep(b);
  await trainer.flush();
  disposeBatch(b);
}
const byKernel = new Map<string, { ms: number; calls: number }>();
let total = 0;
for (let i = 0; i < steps; i++) {
  const b = sampler.next();
  const t0 = performance.now();
  const info = await tf.profile(() => {
    trainer.trainStep(b);
  });
  await trainer.flush();
  total += performance.now() - t0;
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byKernel.set(k.name, e);
  }
  disposeBatch(b);
}
const engine = [...byKernel.entries()]
  .map(([name, e]) => ({ name, ms: e.ms / steps, calls: e.calls / steps }))
  .sort((a, b) => b.ms - a.ms);

const { PYTHON } = await import('../test/python');
let torchOps: { name: string; selfMs: number; calls: number }[] = [];
if (PYTHON) {
  const peer = await startTorchPeer({
    python: PYTHON.python,
    dataDir: DATASETS_DIR,
    device: 'cpu',
  });
  if (!('error' in peer)) {
    await peer.make('p', config);
    await peer.run('p', warmup);
    torchOps = await peer.profile('p', steps);
    peer.close();
  }
}
const f = (x: number) => x.toFixed(2);
const lines = [
  `### One ${model} ${variant} step, batch ${config.batchSize} (after ${warmup} warm-up steps; mean of ${steps})`,
  '',
  `Engine on Node wasm (one thread): ${f(total / steps)} ms a step (profiled), kernels ${f(engine.reduce((s, k) => s + k.ms, 0))} ms.`,
  '',
  '| engine kernel | ms | calls |',
  '|---|---:|---:|',
  ...engine.slice(0, 20).map((k) => `| ${k.name} | ${f(k.ms)} | ${f(k.calls)} |`),
  '',
  `PyTorch (one thread): self CPU ms by op, total ${f(torchOps.reduce((s, k) => s + k.selfMs, 0))} ms.`,
  '',
  '| PyTorch op | self ms | calls |',
  '|---|---:|---:|',
  ...torchOps.slice(0, 20).map((k) => `| ${k.name} | ${f(k.selfMs)} | ${k.calls} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
trainer.dispose();
evalSet.dispose();
