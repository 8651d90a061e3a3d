/**
 * The engine on WebGPU in Node (Dawn's binding, the `webgpu` npm package): the browser kernel
 * checks of e2e/pages/kernels.ts, judged as kernels.spec.ts judges them (e2e/kernelVerdict.ts),
 * a short training run against the cpu backend, and the CLI with `--backend webgpu`, its
 * adapter in the run record and its message when no adapter comes up. Runs on SwiftShader's
 * Vulkan driver (VK_ICD_FILENAMES, set here where unset and Debian's chromium ships it, as the
 * e2e browser is pinned to SwiftShader) or on the driver VK_ICD_FILENAMES names; skips, saying
 * why, where no adapter comes up.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BackendCheck,
  expectCpuReference,
  expectExactKernels,
  expectGpuAgrees,
} from '../e2e/kernelVerdict';
import { checkBackend } from '../e2e/pages/kernels';
import { nodeGpuAdapter, setupNodeBackend } from '../src/engine/nodeBackend';
import { noAdapterReason, SWIFTSHADER_ICD } from '../src/engine/nodeWebGpu';
import type { Point } from '../src/engine/runRecord';
import { TrainingSession } from '../src/engine/session';
import { syntheticDataset, writeSyntheticIdx } from './synthetic';
import { trainerFixture } from './trainerFixture';

if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
const gpu = await setupNodeBackend('webgpu').then(
  () => ({ adapter: nodeGpuAdapter()!, error: null }),
  (e: Error) => ({ adapter: null, error: e.message }),
);
await setupNodeBackend('wasm');
if (gpu.error) console.warn(`skipped: Node WebGPU tests: ${gpu.error}`);
const emulated = /swiftshader/i.test(gpu.adapter ?? '');

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const TSX = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'itra-webgpu-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function trainCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [TSX, path.join(repoRoot, 'cli', 'train.ts'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 240_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every number of a run's points but the wall-clock ones. */
function pointValues(points: Point[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of points) {
    for (const [k, v] of Object.entries(p)) {
      if (typeof v === 'number' && k !== 'samplesPerSec' && k !== 'wallMs')
        out[`${p.step} ${k}`] = v;
    }
  }
  return out;
}

describe.skipIf(gpu.error !== null)(`the engine on Node WebGPU (${gpu.adapter})`, () => {
  it('passes the browser kernel checks against the cpu backend', async () => {
    const cpu = (await checkBackend('cpu')) as unknown as BackendCheck;
    const webgpu = (await checkBackend('webgpu')) as unknown as BackendCheck;
    await setupNodeBackend('wasm');
    expectCpuReference(expect, cpu);
    expectGpuAgrees(expect, cpu, webgpu, 'webgpu', emulated);
    expectExactKernels(expect, cpu, 'cpu');
    expectExactKernels(expect, webgpu, 'webgpu');
  });

  it('trains ITRA-c as the cpu backend does (same seed: same points to float32 tolerance)', async () => {
    const { data, base: config } = trainerFixture(
      { evalEvery: 2, evalSize: 50, embedSize: 40, maxSteps: 4 },
      { train: 200, test: 100 },
    );
    const run = async (backend: 'cpu' | 'webgpu') => {
      await setupNodeBackend(backend);
      const before = tf.memory().numTensors;
      const s = new TrainingSession({
        runIds: [backend],
        names: [backend],
        config,
        data,
        environment: { backend, runtime: 'node', tfjsVersion: tf.version_core },
        yieldToHost: () => Promise.resolve(),
      });
      const [record] = await s.run();
      s.dispose();
      return { record: record!, left: tf.memory().numTensors - before };
    };
    const cpu = await run('cpu');
    const webgpu = await run('webgpu');
    await setupNodeBackend('wasm');
    expect(webgpu.record.status).toBe('completed');
    expect(webgpu.left, 'tensors left after dispose on webgpu').toBe(0);
    const want = pointValues(cpu.record.points);
    const got = pointValues(webgpu.record.points);
    expect(Object.keys(got)).toEqual(Object.keys(want));
    expect(Object.keys(want).length).toBeGreaterThan(10);
    for (const [k, w] of Object.entries(want)) {
      expect(Math.abs(got[k]! - w), `${k}: webgpu ${got[k]} vs cpu ${w}`).toBeLessThan(
        1e-3 * Math.max(1, Math.abs(w)),
      );
    }
  });

  it('npm run train -- --backend webgpu names the adapter in the run record', async () => {
    const dir = path.join(tmp, 'kmnist');
    mkdirSync(dir);
    writeSyntheticIdx(dir, syntheticDataset(200, 100));
    const out = path.join(tmp, 'run.json');
    const r = await trainCli([
      ...['--dataset', 'kmnist', '--data-dir', dir, '--model', 'tiny', '--method', 'itra-c'],
      // Small enough for a loaded machine: no embedding projection, 20 eval images, 2 steps.
      ...['--steps', '2', '--eval-every', '1', '--eval-size', '20', '--embed-size', '0'],
      ...['--batch-size', '8'],
      ...['--backend', 'webgpu', '--quiet', '--out', out],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[webgpu]');
    const record = JSON.parse(readFileSync(out, 'utf8'));
    expect(record.environment.backend).toBe('webgpu');
    expect(record.environment.adapter).toBe(gpu.adapter);
    expect(record.points.length).toBe(2);
  });
});

describe('Node WebGPU without an adapter', () => {
  it('says why and what to install (a driver file that does not exist)', async () => {
    const saved = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json';
    try {
      expect(noAdapterReason()).toContain('names driver files that do not exist');
    } finally {
      if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = saved;
    }
    const dir = path.join(tmp, 'kmnist-none');
    mkdirSync(dir);
    writeSyntheticIdx(dir, syntheticDataset(50, 50));
    const r = await trainCli(
      ['--dataset', 'kmnist', '--data-dir', dir, '--steps', '1', '--backend', 'webgpu'],
      { VK_ICD_FILENAMES: '/nonexistent/icd.json' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('train: webgpu: no WebGPU adapter');
    expect(r.stderr).toContain('/nonexistent/icd.json');
  });
});
