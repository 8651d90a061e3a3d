/**
 * The Node CLI path: the same engine on tfjs's wasm and cpu backends and on WebGPU through
 * Dawn's Node binding (setupNodeBackend), with the CLI's yield between steps (setImmediate).
 * Same cases as the browser, fewer on cpu. Where a Python with torch is present, the PyTorch
 * peer (bench/torch_peer.py) runs interleaved with the engine's rounds (one thread each on wasm).
 */
import { existsSync } from 'node:fs';
import type { DatasetId, DatasetSplits } from '../src/data/dataset';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import { type NodeBackendName, nodeGpuAdapter, setupNodeBackend } from '../src/engine/nodeBackend';
import { DATASETS_DIR } from '../test/shared';
import { syntheticDataset } from '../test/synthetic';
import {
  type BenchModel,
  benchModel,
  caseConfig,
  type EngineVariant,
  type ExtraRunner,
  type GrowthResult,
  type ModelPlan,
  type ModelResult,
  type Runner,
  tensorGrowth,
} from './engineBench';
import type { BrowserJob } from './protocol';
import type { TorchInfo, TorchPeer } from './torchPeer';

export interface NodeBackendResult {
  backend: NodeBackendName;
  /** WebGPU: the adapter Dawn gave ("google swiftshader (SwiftShader driver 5.0.0)"). */
  adapter?: string;
  models: ModelResult[];
  growth?: GrowthResult;
  /** The PyTorch peer that ran beside this backend's rounds, if any. */
  torch?: TorchInfo;
}

export interface NodeResult {
  dataset: { id: string; train: number; test: number; source: string };
  backends: NodeBackendResult[];
  /** Backends (or peers) asked for that did not run, and why. */
  skipped: { what: string; reason: string }[];
}

export type NodePlanKey = 'node-wasm' | 'node-cpu' | 'node-webgpu';

export async function loadData(id: DatasetId): Promise<{ data: DatasetSplits; source: string }> {
  const { cacheDir } = await import('../server/cache');
  const shared = id === 'fmnist' ? 'fashion-mnist' : id;
  const dirs = [`${DATASETS_DIR}/${shared}`, cacheDir(id)];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    try {
      const files = await readDatasetDir(id, dir);
      return { data: await parseDatasetFiles({ id, files }), source: dir };
    } catch {
      // Incomplete folder: try the next one.
    }
  }
  if (id !== 'fmnist')
    throw new Error(`${id}: no files in ${dirs.join(' or ')} (npm run data -- fetch ${id})`);
  return { data: syntheticDataset(6000, 1000), source: 'synthetic (test/synthetic.ts)' };
}

const immediate = () => new Promise<void>((r) => setImmediate(r));

/** The peer's Runner for one variant of one model: same config as the engine's case. */
function torchRunner(
  peer: TorchPeer,
  data: DatasetSplits,
  plan: ModelPlan,
  variant: string,
): Runner {
  const base = variant.replace('torch-', '') as EngineVariant;
  const id = `${plan.model}/${plan.batch ?? 64}/${variant}`;
  const config = caseConfig(data, plan.model, base, {}, plan.batch);
  let made: Promise<unknown> | null = null;
  const steps = async (k: number) => {
    made ??= peer.make(id, config);
    await made;
    const t = k > 0 ? await peer.run(id, k) : { ms: 0, cpuMs: 0 };
    runner.cpuMs = Number.isFinite(t.cpuMs) ? t.cpuMs : undefined;
    return t.ms;
  };
  const runner: Runner = {
    variant: variant as Runner['variant'],
    warm: steps,
    run: steps,
    dispose() {
      void peer.dispose(id).catch(() => {});
    },
  };
  return runner;
}

export async function runNodeBench(opts: {
  quick: boolean;
  backends: NodeBackendName[];
  plansFor(backend: NodePlanKey): ModelPlan[];
  growthFor(backend: NodePlanKey): BrowserJob['growth'];
  say(msg: string): void;
  /** The PyTorch peer's device per backend ('cpu' beside wasm, 'cuda' beside WebGPU). */
  torch?: (backend: NodeBackendName) => Promise<TorchPeer | { error: string } | null>;
}): Promise<NodeResult> {
  const datasets = new Map<DatasetId, { data: DatasetSplits; source: string }>();
  const dataFor = async (model: BenchModel) => {
    const id: DatasetId = model === 'resnet' ? 'cifar10' : 'fmnist';
    if (!datasets.has(id)) datasets.set(id, await loadData(id));
    return datasets.get(id)!;
  };
  const first = await dataFor('tiny');
  const out: NodeResult = {
    dataset: {
      id: first.data.id,
      train: first.data.train.count,
      test: first.data.test.count,
      source: first.source,
    },
    backends: [],
    skipped: [],
  };
  for (const backend of opts.backends) {
    try {
      await setupNodeBackend(backend);
    } catch (e) {
      const reason = (e as Error).message;
      opts.say(`[node ${backend}] skipped: ${reason}`);
      out.skipped.push({ what: `node ${backend}`, reason });
      continue;
    }
    const adapter = backend === 'webgpu' ? nodeGpuAdapter() : undefined;
    if (adapter) opts.say(`[node webgpu] adapter: ${adapter}`);
    const env = { backend, runtime: `node ${process.version}` };
    const models: ModelResult[] = [];
    const key = `node-${backend}` as NodePlanKey;
    const plans = opts.plansFor(key);
    const wantsTorch = plans.some((p) => p.variants.some((v) => v.startsWith('torch-')));
    const peer = wantsTorch && opts.torch ? await opts.torch(backend) : null;
    let torch: TorchInfo | undefined;
    if (peer && 'error' in peer) {
      out.skipped.push({ what: `PyTorch beside node ${backend}`, reason: peer.error });
      opts.say(`[node ${backend}] PyTorch peer skipped: ${peer.error}`);
    } else if (peer) {
      torch = peer.info;
      opts.say(
        `[node ${backend}] PyTorch ${peer.info.torch} on ${peer.info.device} (${peer.info.deviceName}), ${peer.info.threads} thread(s)`,
      );
    } else if (wantsTorch) {
      out.skipped.push({
        what: `PyTorch beside node ${backend}`,
        reason: 'no Python with torch and numpy ($ITRA_PYTHON, python3, /usr/bin/python3)',
      });
    }
    try {
      for (const plan of plans) {
        let d: { data: DatasetSplits; source: string };
        try {
          d = await dataFor(plan.model);
        } catch (e) {
          out.skipped.push({ what: `node ${backend} ${plan.model}`, reason: (e as Error).message });
          continue;
        }
        const usable = {
          ...plan,
          variants: plan.variants.filter(
            (v) => !v.startsWith('torch-') || (peer && !('error' in peer)),
          ),
        };
        const extra: ExtraRunner | undefined =
          peer && !('error' in peer) ? async (v, p) => torchRunner(peer, d.data, p, v) : undefined;
        const tag = `[node ${backend}${plan.batch ? ` b${plan.batch}` : ''}]`;
        models.push(
          await benchModel(d.data, usable, immediate, env, (m) => opts.say(`${tag} ${m}`), extra),
        );
      }
    } finally {
      if (peer && !('error' in peer)) peer.close();
    }
    const g = opts.growthFor(key);
    const growth = g
      ? await tensorGrowth(
          (await dataFor(g.model)).data,
          g.model,
          g.steps,
          g.evalEvery,
          immediate,
          env,
        )
      : undefined;
    out.backends.push({ backend, adapter, models, growth, torch });
  }
  return out;
}
