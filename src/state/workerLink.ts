/**
 * The link to the training worker: one client, the replies being waited for (the worker's
 * 'ready', a dataset's 'dataset-loaded'), and (re)starting the worker when it is needed.
 * What the worker says is routed by workerReplies.ts; this module only keeps the waiters.
 */
import type { BackendInfo, FromWorker, ToWorker } from '../protocol';
import { alertSlowStart, dismissAlert } from './alerts';
import { useTrainingStore } from './trainingStore';
import { type CrashInfo, createWorkerClient, type WorkerFactory } from './workerClient';

export const READY_TIMEOUT_MS = 45_000;

/** A failure already shown to the user (an alert or a panel): callers stop without another. */
export class HandledError extends Error {
  override name = 'HandledError';
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;

export interface WorkerLink {
  /** The worker client's own `send` (no wrapper): posts to the worker; false when there is none. */
  send(msg: ToWorker, transfer?: Transferable[]): boolean;
  readonly alive: boolean;
  /** Ends the worker without a crash report (a stalled worker being restarted). */
  terminate(): void;
  onMessage(fn: (msg: FromWorker) => void): () => void;
  onCrash(fn: (info: CrashInfo) => void): () => void;
  /** A fresh worker, resolved when it is ready (rejected if it fails or is restarted again). */
  start(): Promise<void>;
  /** Resolves once a worker is ready, starting one if there is none (e.g. after a crash). */
  ensureReady(): Promise<void>;
  /** The worker's 'ready'. */
  readyArrived(info: BackendInfo): void;
  /** The next 'dataset-loaded' (a pending wait is superseded). */
  expectDataset(): Promise<void>;
  datasetArrived(): void;
  datasetFailed(message: string): void;
  /** The worker is gone or cannot start: every wait fails with `message`. */
  failAll(message: string): void;
}

/** `?backend=wasm|webgl|cpu` on the page URL starts from that backend (comparisons, tests). */
function preferredBackend(): (typeof BACKENDS)[number] | undefined {
  const wanted = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  return BACKENDS.find((b) => b === wanted);
}

export function createWorkerLink(factory?: WorkerFactory): WorkerLink {
  const client = createWorkerClient(factory);
  let ready: Waiter | null = null;
  let dataset: Waiter | null = null;
  let readyPromise: Promise<void> | null = null;

  const start = (): Promise<void> => {
    ready?.reject(new HandledError('restarted'));
    useTrainingStore.setState({ workerState: 'starting', backend: null });
    const p = new Promise<void>((resolve, reject) => {
      ready = { resolve, reject };
    });
    client.restart();
    client.send({ type: 'init', backend: preferredBackend() });
    const timer = setTimeout(() => {
      if (useTrainingStore.getState().workerState === 'starting') alertSlowStart(READY_TIMEOUT_MS);
    }, READY_TIMEOUT_MS);
    readyPromise = p.finally(() => clearTimeout(timer));
    readyPromise.catch(() => {});
    return readyPromise;
  };

  return {
    send: client.send,
    get alive() {
      return client.alive;
    },
    terminate: () => client.terminate(),
    onMessage: (fn) => client.onMessage(fn),
    onCrash: (fn) => client.onCrash(fn),
    start,
    ensureReady() {
      const st = useTrainingStore.getState().workerState;
      if (client.alive && st === 'ready') return Promise.resolve();
      if (client.alive && st === 'starting' && readyPromise) return readyPromise;
      if (st === 'failed') return Promise.reject(new HandledError('no backend'));
      return start();
    },
    readyArrived(info) {
      useTrainingStore.setState({ workerState: 'ready', backend: info });
      dismissAlert('worker:slow-start');
      ready?.resolve();
      ready = null;
    },
    expectDataset() {
      dataset?.reject(new HandledError('superseded'));
      return new Promise<void>((resolve, reject) => {
        dataset = { resolve, reject };
      });
    },
    datasetArrived() {
      dataset?.resolve();
      dataset = null;
    },
    datasetFailed(message) {
      dataset?.reject(new HandledError(message));
      dataset = null;
    },
    failAll(message) {
      const err = new HandledError(message);
      ready?.reject(err);
      ready = null;
      dataset?.reject(err);
      dataset = null;
    },
  };
}

/** The app's one link (its worker starts on the first `start()`, from initApp). */
export const workerLink: WorkerLink = createWorkerLink();
