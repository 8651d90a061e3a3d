/**
 * Every message between the UI (main thread) and the training worker.
 * Both sides import these types; `assertNever` makes their switches exhaustive.
 */
import type { DatasetId, DatasetSamples, RawDatasetFiles } from './data/dataset';
import type { Checkpoint } from './engine/checkpoint';
import type { LivePatch, TrainConfig } from './engine/config';
import type {
  EmbeddingFrame,
  Point,
  RunEvent,
  RunRecord,
  RunStatus,
  SweepInfo,
} from './engine/runRecord';
import type { Speed } from './engine/session';
import type { ProjectionReply } from './worker/projections';

/** Dataset payloads are declared with the data layer (src/data sits below the protocol). */
export type { DatasetSamples, RawDatasetFiles };

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';

/** What the worker found when it chose a backend. */
export interface BackendInfo {
  backend: BackendName;
  /** Adapter description where the browser gives it (vendor, architecture, description). */
  adapter?: { vendor?: string; architecture?: string; description?: string; device?: string };
  /** Why each faster backend was not used, in order tried, e.g. "webgpu: no navigator.gpu". */
  fallbackReasons: string[];
  /** Extra facts worth showing, e.g. "wasm: SIMD, 1 thread (page not cross-origin isolated)". */
  notes: string[];
  tfjsVersion: string;
}

/** What the worker holds after parsing a dataset. */
export interface LoadedDatasetInfo {
  id: DatasetId;
  trainSize: number;
  testSize: number;
  split: 'official' | 'carved';
  splitNote?: string;
  samples: DatasetSamples;
}

/** One training session: a single run, or an A/B twin pair from identical initial weights. */
export interface StartRequest {
  /** Run ids chosen by the UI: one, or two for a twin pair. */
  runIds: string[];
  names: string[];
  /** Base config; for twins, side B is `{...config, ...twinB}`. */
  config: TrainConfig;
  twinB?: Partial<TrainConfig>;
  /** Sweep membership of each run (same order as runIds), written into its record. */
  sweeps?: SweepInfo[];
}

// ---------------------------------------------------------------- UI → worker

export type ToWorker =
  /** `backend`: try this one first (skipping faster ones), e.g. from the page's ?backend=. */
  | { type: 'init'; backend?: BackendName }
  | { type: 'load-dataset'; data: RawDatasetFiles }
  /** `resume`: continue the runs of `request` from this checkpoint (`resumeSetup`). */
  | { type: 'start'; request: StartRequest; resume?: { checkpoint: Checkpoint; reason: string } }
  /** Take a checkpoint at the next point between steps (the page is being hidden or closed). */
  | { type: 'checkpoint-now' }
  /** Heartbeat: the worker answers 'pong' with the same `seq` (workerHeartbeat.ts). */
  | { type: 'ping'; seq: number }
  /** Live change between steps; `side` targets one twin (default: all sides). */
  | { type: 'patch'; patch: LivePatch; side?: 'A' | 'B' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** One step while paused (one step of each twin). */
  | { type: 'step' }
  | { type: 'stop' }
  /** UMAP of one eval step's features of a run of the current or last session. */
  | { type: 'project'; runId: string; step: number }
  | { type: 'cancel-projection' }
  /** A stored run's embedding-subset images from the loaded test split (same dataset and split). */
  | { type: 'subset-images'; runIds: string[]; indices: number[] }
  | TestHookMessage;

/**
 * Test hooks, handled only by builds made for tests (`vite build --mode e2e`,
 * src/worker/testHooks.ts); a production worker ignores them.
 */
export type TestHookMessage =
  /** Destroy the GPU device to exercise device-loss recovery. */
  | { type: 'simulate-device-loss' }
  /** Throw an uncaught error in the worker to exercise crash handling. */
  | { type: 'simulate-crash' }
  /** Block the worker's event loop for good (it stops answering pings). */
  | { type: 'simulate-hang' }
  /** The session's next wait never resolves (a GPU read that never returns): pings answered, no steps. */
  | { type: 'simulate-stuck-read' };

// ---------------------------------------------------------------- worker → UI

export type ErrorCode =
  | 'backend-init'
  | 'dataset'
  | 'config'
  /** The GPU device was lost outside a run, or no backend came back after a loss (a loss during
   * a run travels as the run's 'device-lost' event). Diverged and collapsed runs are events. */
  | 'device-lost'
  | 'internal';

export type FromWorker =
  | { type: 'ready'; info: BackendInfo }
  | ({ type: 'dataset-loaded' } & LoadedDatasetInfo)
  /** A session started: the initial (empty) records. */
  | { type: 'started'; runs: RunRecord[] }
  /** `frame`: the embedding frame of the (last) point's eval step, when the views are on. */
  | { type: 'points'; runId: string; points: Point[]; frame?: EmbeddingFrame }
  | { type: 'events'; runId: string; events: RunEvent[] }
  | { type: 'status'; runId: string; status: RunStatus; step: number }
  /** Throughput, sent at each eval step. */
  | ({ type: 'speed' } & Speed)
  /** The final record of each run when a session ends (completed, stopped, diverged, error). */
  | { type: 'finished'; runs: RunRecord[] }
  | { type: 'progress'; task: string; done: number; total: number }
  /** The embedding subset's images (uint8 NHWC, in embedSubset order), once per session. */
  | {
      type: 'embed-images';
      runIds: string[];
      /** Asked for by 'subset-images' (stored runs), not the new session's. */
      stored?: boolean;
      images: Uint8Array;
      height: number;
      width: number;
      channels: number;
    }
  | ProjectionReply
  | { type: 'backend-changed'; info: BackendInfo }
  /**
   * The worker wrote the session's checkpoint (eval steps, pause, stop, 'checkpoint-now') to
   * IndexedDB itself: the page reads it from there only when needed (Resume, export).
   */
  | { type: 'checkpoint-saved'; id: string; runIds: string[]; step: number }
  /** Its write failed (`reason`): the checkpoint itself, kept by the page in memory; `values` is transferred. */
  | { type: 'checkpoint-unsaved'; checkpoint: Checkpoint; reason: string }
  /** The heartbeat's answer: the session's step (null: no session) and whether it is paused. */
  | { type: 'pong'; seq: number; step: number | null; paused: boolean }
  | {
      type: 'error';
      code: ErrorCode;
      message: string;
      /** What the user can do next. */
      hint?: string;
      runId?: string;
      fatal: boolean;
    };

export function assertNever(x: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(x)}`);
}
