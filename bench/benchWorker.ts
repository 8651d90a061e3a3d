/// <reference types="vite/client" />
/**
 * The bench worker (a module worker, like the app's training worker): picks one backend with
 * the app's chooser, loads the data with the app's parser and times the engine and the
 * tf.layers peer (bench/engineBench.ts). Typed with the DOM lib only, so that tsconfig.node.json
 * (which includes bench/) checks it without the WebWorker lib.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplits } from '../src/data/dataset';
import { parseDatasetFiles } from '../src/data/parse';
import { defaultYield } from '../src/engine/session';
import { BACKEND_ORDER, chooseBackend } from '../src/worker/backend';
import { syntheticDataset } from '../test/synthetic';
import { benchModel, tensorGrowth, timeoutYield } from './engineBench';
import type { BrowserJob, FromBenchWorker, YieldCost } from './protocol';

const post = (m: FromBenchWorker) => self.postMessage(m);
const log = (msg: string) => post({ type: 'log', msg });

async function yieldCost(): Promise<YieldCost> {
  const n = 100;
  const time = async (y: () => Promise<void>) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await y();
    return (performance.now() - t0) / n;
  };
  return { setTimeoutMs: await time(timeoutYield), sessionYieldMs: await time(defaultYield) };
}

async function loadData(job: BrowserJob): Promise<{ data: DatasetSplits; source: string }> {
  if (job.data.kind === 'synthetic') {
    return { data: syntheticDataset(6000, 1000), source: 'synthetic (test/synthetic.ts)' };
  }
  const files: Record<string, ArrayBuffer> = {};
  for (const name of job.data.files) {
    const res = await fetch(`/data/${job.data.id}/${name}`);
    if (!res.ok) throw new Error(`GET /data/${job.data.id}/${name}: HTTP ${res.status}`);
    files[name] = await res.arrayBuffer();
  }
  const data = await parseDatasetFiles({ id: job.data.id, files });
  return { data, source: `${job.data.id} from the dev server (/data/${job.data.id}/)` };
}

/** WebGL's renderer string, to tell a real GPU from SwiftShader. */
function webglRenderer(): string | undefined {
  if (tf.getBackend() !== 'webgl') return undefined;
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl;
  if (!gl) return undefined;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

async function run(job: BrowserJob) {
  const skip = BACKEND_ORDER.filter((b) => b !== job.backend);
  let info: Awaited<ReturnType<typeof chooseBackend>>;
  try {
    info = await chooseBackend(skip);
  } catch (e) {
    post({ type: 'failed', message: (e as Error).message });
    return;
  }
  log(`backend ${info.backend}${info.notes.length ? ` (${info.notes.join('; ')})` : ''}`);
  const t0 = performance.now();
  const { data, source } = await loadData(job);
  const parseMs = performance.now() - t0;
  const env = { backend: info.backend, runtime: navigator.userAgent };
  const models = [];
  for (const plan of job.plans) {
    models.push(await benchModel(data, plan, defaultYield, env, log));
  }
  const growth = job.growth
    ? await tensorGrowth(
        data,
        job.growth.model,
        job.growth.steps,
        job.growth.evalEvery,
        defaultYield,
        env,
      )
    : undefined;
  if (growth) {
    log(
      `growth ${growth.model}: ${growth.steps} steps, tensors ${growth.samples.map((s) => s.numTensors).join(' ')}, residual ${growth.residualTensors}`,
    );
  }
  post({
    type: 'done',
    result: {
      requested: job.backend,
      info,
      renderer: webglRenderer(),
      dataset: {
        id: data.id,
        train: data.train.count,
        test: data.test.count,
        source,
        parseMs,
      },
      models,
      growth,
      yieldCost: await yieldCost(),
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated:
        (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    },
  });
}

self.onmessage = (ev: MessageEvent<BrowserJob>) => {
  run(ev.data).catch((e: Error) =>
    post({ type: 'failed', message: `${e.message}\n${e.stack ?? ''}` }),
  );
};
