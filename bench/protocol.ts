/** Messages between the bench page, its worker and the Node driver (bench/run.ts). */
import type { BackendInfo, BackendName } from '../src/protocol';
import type { BenchModel, GrowthResult, ModelPlan, ModelResult } from './engineBench';

export interface BrowserJob {
  backend: BackendName;
  /** Where the worker gets its data: official files from the dev server, or synthetic images. */
  data: { kind: 'server'; id: 'fmnist'; files: string[] } | { kind: 'synthetic' };
  plans: ModelPlan[];
  /** The real session loop for `steps` steps (tf.memory() at each eval point). */
  growth?: { model: BenchModel; steps: number; evalEvery: number };
}

export interface YieldCost {
  /** ms per `await new Promise(r => setTimeout(r, 0))` in a chain (the session's old yield). */
  setTimeoutMs: number;
  /** ms per TrainingSession `defaultYield` (a MessageChannel message: no 4 ms timer clamp). */
  sessionYieldMs: number;
}

export interface BrowserBackendResult {
  requested: BackendName;
  info: BackendInfo;
  /** WebGL: the unmasked renderer string (e.g. SwiftShader). */
  renderer?: string;
  dataset: { id: string; train: number; test: number; source: string; parseMs: number };
  models: ModelResult[];
  growth?: GrowthResult;
  yieldCost: YieldCost;
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
}

export type FromBenchWorker =
  | { type: 'log'; msg: string }
  | { type: 'done'; result: BrowserBackendResult }
  | { type: 'failed'; message: string; reasons?: string[] };
