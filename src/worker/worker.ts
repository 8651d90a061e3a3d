/// <reference lib="webworker" />
/**
 * The training worker: owns TensorFlow.js, the parsed dataset and the training session.
 * Speaks only the messages of src/protocol.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetSplits } from '../data/dataset';
import { isDatasetError } from '../data/errors';
import { datasetSamples, parseDatasetFiles } from '../data/parse';
import { type Checkpoint, CheckpointError } from '../engine/checkpoint';
import { ConfigError } from '../engine/config';
import { gatherImages } from '../engine/features/embedSet';
import { clearMatchingCache } from '../engine/matching';
import { ModelError } from '../engine/models';
import { defaultYield, TrainingSession } from '../engine/session';
import type {
  BackendInfo,
  BackendName,
  ErrorCode,
  FromWorker,
  StartRequest,
  ToWorker,
} from '../protocol';
import { BACKEND_ORDER, chooseBackend, deviceLostSoon, watchDeviceLoss } from './backend';
import { createCheckpointWriter } from './checkpointWriter';
import { Projections } from './projections';
import { handleTestHook, hookedYield, TEST_HOOKS } from './testHooks';

declare const self: DedicatedWorkerGlobalScope;

const SAMPLES_PER_CLASS = 8;

let backendInfo: BackendInfo | null = null;
let dataset: DatasetSplits | null = null;
let session: TrainingSession | null = null;
let deviceLost = false;
/** The session told to stop, and the end of its run: a new start waits for it (Reset, Train). */
let stopping: TrainingSession | null = null;
let running: Promise<void> = Promise.resolve();
/** The last step the session finished, for the heartbeat's progress check. */
let lastStep = 0;
const projections = new Projections();
/** Sessions given up after a device loss: their late results are ignored. */
const abandoned = new WeakSet<TrainingSession>();
/** Checkpoints go to IndexedDB from here; the page gets a notice ('checkpoint-saved'). */
const checkpoints = createCheckpointWriter(post);

function post(msg: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(msg, transfer);
}

function postError(code: ErrorCode, message: string, hint?: string, fatal = false, runId?: string) {
  post({ type: 'error', code, message, hint, fatal, runId });
}

/** Backends to skip so that `preferred` is tried first (?backend=wasm on the page URL). */
function skippedBackends(preferred?: BackendName): BackendName[] {
  if (!preferred || !BACKEND_ORDER.includes(preferred)) return [];
  return BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(preferred));
}

/** Asked for with ?backend=webgpu: use WebGPU even on a software adapter. */
let forceWebGpu = false;

async function init(preferred?: BackendName) {
  forceWebGpu = preferred === 'webgpu';
  // Kept features live on the current backend.
  projections.reset();
  try {
    backendInfo = await chooseBackend(skippedBackends(preferred), {
      allowSoftwareGpu: forceWebGpu,
    });
    deviceLost = false;
    watchDeviceLoss(onDeviceLost);
    post({ type: 'ready', info: backendInfo });
  } catch (e) {
    postError(
      'backend-init',
      (e as Error).message,
      'Try a current Chrome or Edge; WebGPU is fastest.',
      true,
    );
  }
}

/**
 * The GPU device is gone (driver reset, tab in background too long, or a test's destroy()).
 * The run stops with its curves kept; the backend is rebuilt so the user can train again.
 */
async function onDeviceLost(message: string) {
  if (deviceLost) return;
  deviceLost = true;
  projections.reset();
  // The session's tensors lived on the lost device and a pending read may never resolve:
  // abandon it now, report its records with what they had, and let a new run start.
  const s = session;
  session = null;
  if (s) {
    abandoned.add(s);
    s.stop();
    const step = s.step;
    const runs = s.records.map((r) => {
      const ev = { kind: 'device-lost' as const, step, detail: message };
      post({ type: 'events', runId: r.id, events: [ev] });
      return { ...structuredClone(r), status: 'error' as const, events: [...r.events, ev] };
    });
    // The loss travels as each run's 'device-lost' event only; the page builds its alert.
    post({ type: 'finished', runs });
  } else {
    postError(
      'device-lost',
      `The GPU device was lost (${message}).`,
      'The worker is restarting the GPU backend.',
    );
  }
  try {
    clearMatchingCache(false);
    tf.removeBackend('webgpu');
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const gpu = (
      navigator as unknown as {
        gpu: { requestAdapter(): Promise<{ requestDevice(): Promise<unknown> } | null> };
      }
    ).gpu;
    const adapter = await gpu.requestAdapter();
    if (adapter) {
      const device = await adapter.requestDevice();
      tf.registerBackend('webgpu', () => new WebGPUBackend(device as never));
    }
    backendInfo = await chooseBackend(adapter ? [] : ['webgpu'], { allowSoftwareGpu: forceWebGpu });
    deviceLost = false;
    watchDeviceLoss(onDeviceLost);
    // The page resumes the lost run from its stored checkpoint on this message.
    await checkpoints.idle();
    post({ type: 'backend-changed', info: backendInfo });
  } catch (e) {
    postError(
      'device-lost',
      `Could not restart a backend after the device loss: ${(e as Error).message}`,
      'Reload the page.',
      true,
    );
  }
}

async function loadDataset(msg: Extract<ToWorker, { type: 'load-dataset' }>) {
  try {
    post({ type: 'progress', task: 'Parsing dataset', done: 0, total: 1 });
    const splits = await parseDatasetFiles({
      id: msg.data.id,
      files: msg.data.files,
      carve: msg.data.carve,
    });
    dataset = splits;
    const samples = datasetSamples(splits, SAMPLES_PER_CLASS);
    post({ type: 'progress', task: 'Parsing dataset', done: 1, total: 1 });
    post(
      {
        type: 'dataset-loaded',
        id: splits.id,
        trainSize: splits.train.count,
        testSize: splits.test.count,
        split: splits.split,
        splitNote: splits.splitNote,
        samples,
      },
      [samples.images.buffer],
    );
  } catch (e) {
    const err = e as Error;
    postError('dataset', err.message, isDatasetError(e) ? e.hint : undefined);
  }
}

async function start(request: StartRequest, resume?: { checkpoint: Checkpoint; reason: string }) {
  // Reset then Train: the stopped session may still be finishing its step; wait for its end.
  if (session && session === stopping) await running;
  if (session) {
    postError('config', 'A session is already running; stop it first.');
    return;
  }
  if (!dataset || !backendInfo) {
    postError('dataset', 'No dataset is loaded yet.', 'Load or open a dataset first.');
    return;
  }
  let s: TrainingSession;
  try {
    s = new TrainingSession({
      runIds: request.runIds,
      names: request.names,
      config: request.config,
      twinB: request.twinB,
      sweeps: request.sweeps,
      data: dataset,
      keepFeatures: true,
      resumeFrom: resume,
      yieldToHost: TEST_HOOKS ? hookedYield : defaultYield,
      environment: {
        backend: backendInfo.backend,
        adapter: backendInfo.adapter
          ? [
              backendInfo.adapter.vendor,
              backendInfo.adapter.architecture,
              backendInfo.adapter.description,
            ]
              .filter(Boolean)
              .join(' · ')
          : undefined,
        runtime: navigator.userAgent,
        tfjsVersion: tf.version_core,
      },
      listener: {
        onPoint: (runId, point, views) => {
          post({ type: 'points', runId, points: [point], frame: views?.frame });
          if (views) projections.keep(runId, views);
        },
        onEvents: (runId, events) => {
          // Diverged and collapsed travel as events only; the page builds their alerts.
          post({ type: 'events', runId, events });
        },
        onStatus: (runId, status, step) => post({ type: 'status', runId, status, step }),
        onSpeed: (sp) => post({ type: 'speed', ...sp }),
        onStep: (step) => {
          lastStep = step;
        },
        onCheckpoint: (ckpt) => {
          if (!abandoned.has(s)) checkpoints.keep(ckpt);
        },
        onCheckpointError: (e) => {
          if (abandoned.has(s)) return;
          postError(
            'internal',
            `A checkpoint could not be taken: ${e.message}`,
            'Training goes on; Resume would start from the last checkpoint taken.',
          );
        },
      },
    });
  } catch (e) {
    const code: ErrorCode =
      e instanceof ConfigError || e instanceof ModelError || e instanceof CheckpointError
        ? 'config'
        : 'internal';
    postError(code, (e as Error).message);
    return;
  }
  session = s;
  lastStep = s.step;
  projections.reset();
  post({ type: 'started', runs: structuredClone(s.records) });
  if (s.embedSet) {
    const images = s.embedSet.images();
    const { height, width, channels } = dataset.test;
    post({ type: 'embed-images', runIds: request.runIds, images, height, width, channels }, [
      images.buffer,
    ]);
  }
  let ended = () => {};
  running = new Promise<void>((r) => {
    ended = r;
  });
  try {
    const records = await s.run();
    // The last checkpoint (stop) is on disk before the page may offer Resume from it.
    await checkpoints.idle();
    if (!abandoned.has(s)) post({ type: 'finished', runs: structuredClone(records) });
  } catch (e) {
    // A read that failed because the device went away: onDeviceLost reports that properly.
    if (!abandoned.has(s) && tf.getBackend() === 'webgpu') await deviceLostSoon();
    if (!abandoned.has(s)) {
      const records = s.records.map((r) => ({ ...r, status: 'error' as const }));
      postError(
        'internal',
        `Training stopped: ${(e as Error).message}`,
        'The curves so far are kept.',
      );
      await checkpoints.idle();
      post({ type: 'finished', runs: structuredClone(records) });
    }
  } finally {
    try {
      s.dispose();
    } catch {
      // Its backend may be gone (device loss): nothing left to free.
    }
    if (session === s) session = null;
    if (stopping === s) stopping = null;
    ended();
  }
}

/** A stored run's subset images; the page asks only when the loaded data is the run's. */
function postSubsetImages(runIds: string[], indices: number[]) {
  const test = dataset?.test;
  if (!test || indices.some((i) => !(i >= 0 && i < test.count))) return;
  const images = gatherImages(test, indices);
  const { height, width, channels } = test;
  post({ type: 'embed-images', runIds, stored: true, images, height, width, channels }, [
    images.buffer,
  ]);
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'init':
      void init(msg.backend);
      break;
    case 'load-dataset':
      void loadDataset(msg);
      break;
    case 'start':
      void start(msg.request, msg.resume);
      break;
    case 'checkpoint-now':
      session?.requestCheckpoint();
      break;
    case 'ping':
      post({
        type: 'pong',
        seq: msg.seq,
        step: session ? lastStep : null,
        paused: session?.isPaused ?? false,
      });
      break;
    case 'patch':
      try {
        session?.patch(msg.patch, msg.side);
      } catch (e) {
        postError('config', (e as Error).message);
      }
      break;
    case 'pause':
      session?.pause();
      break;
    case 'resume':
      session?.resume();
      break;
    case 'step':
      session?.singleStep();
      break;
    case 'stop':
      stopping = session;
      session?.stop();
      break;
    case 'project':
      void projections.run(msg.runId, msg.step, post, defaultYield);
      break;
    case 'cancel-projection':
      projections.cancel();
      break;
    case 'subset-images':
      postSubsetImages(msg.runIds, msg.indices);
      break;
    default:
      // Only test hooks are left (a new message type would not type-check here). The constant
      // is false in a production build, so the hooks are not built and the message is ignored.
      if (TEST_HOOKS) handleTestHook(msg, (m) => postError('internal', m));
  }
};

self.addEventListener('unhandledrejection', (ev) => {
  postError(
    'internal',
    `Unexpected error in the worker: ${String(ev.reason?.message ?? ev.reason)}`,
  );
});
