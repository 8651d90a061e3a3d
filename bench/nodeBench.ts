/**
 * The Node CLI path: the same engine on tfjs's cpu and wasm backends (setupNodeBackend), with
 * the CLI's yield between steps (setImmediate). Same cases as the browser, fewer on cpu.
 */
import { existsSync } from 'node:fs';
import type { DatasetSplits } from '../src/data/dataset';
import { readDatasetDir } from '../src/data/nodeFiles';
import { parseDatasetFiles } from '../src/data/parse';
import { type NodeBackendName, setupNodeBackend } from '../src/engine/nodeBackend';
import { DATASETS_DIR } from '../test/shared';
import { syntheticDataset } from '../test/synthetic';
import {
  benchModel,
  type GrowthResult,
  type ModelPlan,
  type ModelResult,
  tensorGrowth,
} from './engineBench';
import type { BrowserJob } from './protocol';

export interface NodeBackendResult {
  backend: NodeBackendName;
  models: ModelResult[];
  growth?: GrowthResult;
}

export interface NodeResult {
  dataset: { id: string; train: number; test: number; source: string };
  backends: NodeBackendResult[];
}

async function loadData(): Promise<{ data: DatasetSplits; source: string }> {
  const { cacheDir } = await import('../server/cache');
  const dirs = [`${DATASETS_DIR}/fashion-mnist`, cacheDir('fmnist')];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    try {
      const files = await readDatasetDir('fmnist', dir);
      return { data: await parseDatasetFiles({ id: 'fmnist', files }), source: dir };
    } catch {
      // Incomplete folder: try the next one.
    }
  }
  return { data: syntheticDataset(6000, 1000), source: 'synthetic (test/synthetic.ts)' };
}

const immediate = () => new Promise<void>((r) => setImmediate(r));

export async function runNodeBench(opts: {
  quick: boolean;
  plansFor(backend: 'node-wasm' | 'node-cpu'): ModelPlan[];
  growthFor(backend: 'node-wasm'): BrowserJob['growth'];
  say(msg: string): void;
}): Promise<NodeResult> {
  const { data, source } = await loadData();
  const out: NodeResult = {
    dataset: { id: data.id, train: data.train.count, test: data.test.count, source },
    backends: [],
  };
  for (const backend of ['wasm', 'cpu'] as const) {
    await setupNodeBackend(backend);
    const env = { backend, runtime: `node ${process.version}` };
    const models: ModelResult[] = [];
    for (const plan of opts.plansFor(`node-${backend}`)) {
      models.push(
        await benchModel(data, plan, immediate, env, (m) => opts.say(`[node ${backend}] ${m}`)),
      );
    }
    const g = backend === 'wasm' ? opts.growthFor('node-wasm') : undefined;
    const growth = g
      ? await tensorGrowth(data, g.model, g.steps, g.evalEvery, immediate, env)
      : undefined;
    out.backends.push({ backend, models, growth });
  }
  return out;
}
