/**
 * The controller between the UI, the stores and the worker. UI components call the
 * exported actions; worker messages come in here, high-frequency ones are queued and
 * applied in one store update per flush (at most 10 a second).
 */
import type { DatasetId } from '../data/dataset';
import { type LivePatch, type TrainConfig, validateConfig, validatePatch } from '../engine/config';
import type { RunEvent, RunRecord } from '../engine/runRecord';
import type { StartRequest } from '../protocol';
import { assertNever, type ErrorCode, type FromWorker, type RawDatasetFiles } from '../protocol';
import { useConfigStore } from './configStore';
import { canCarve, guessDataset, splitPresence } from './datasetFiles';
import {
  cacheContents,
  clearDatasetCache,
  DATASETS,
  describeDatasetError,
  downloadDataset,
  importOpenedFiles,
} from './datasetSource';
import { useDatasetStore } from './datasetStore';
import { createLivePatcher } from './livePatches';
import { useLibraryStore } from './runsLibrary';
import { applyStream, phaseFromStatuses, type StreamMessage } from './sessionLogic';
import { type AppAlert, isActive, type SpeedInfo, useSessionStore } from './sessionStore';
import { buildStartRequest } from './startRequest';
import type { TwinSettings } from './urlConfig';
import { type CrashInfo, createWorkerClient, type WorkerClient } from './workerClient';

/** Stream batches reach the stores (and redraw the charts) at most twice a second. */
const FLUSH_MS = 500;
const PERSIST_MS = 5000;
const READY_TIMEOUT_MS = 45_000;

let client: WorkerClient | null = null;
let initialised = false;
/** Whether the session in progress is a twin pair (decides which side a live change targets). */
let activeTwin = false;
/** For the sweep queue (sweepQueue.ts): told when the worker ends a session; vetoes live patches. */
export const sessionHooks = { onFinished: (_runs: RunRecord[]) => {}, livePatches: () => true };

// ------------------------------------------------------------------ waiting for replies

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}
let readyWaiter: Waiter<void> | null = null;
let datasetWaiter: Waiter<void> | null = null;

function rejectWaiters(err: Error) {
  readyWaiter?.reject(err);
  readyWaiter = null;
  datasetWaiter?.reject(err);
  datasetWaiter = null;
}

class HandledError extends Error {
  override name = 'HandledError';
}

// ------------------------------------------------------------------ alerts

function alert(a: AppAlert) {
  useSessionStore.getState().pushAlert(a);
}

function runName(runId: string | undefined): string {
  if (!runId) return '';
  const r =
    useSessionStore.getState().runs[runId] ?? useLibraryStore.getState().entries[runId]?.record;
  return r ? r.name : '';
}

const EVENT_ALERTS: Partial<
  Record<RunEvent['kind'], { level: AppAlert['level']; title: string; hint: string; why?: string }>
> = {
  collapsed: {
    level: 'warning',
    title: 'Features collapsed',
    why: 'Every feature became (nearly) the same, so the classifier cannot tell classes apart. The biased MMD rewards this when the matching loss starts before cross-entropy has made the features class-dependent.',
    hint: 'Reset, then train with a longer warm-up (200+ steps; CIFAR-10 may need ~1,200), a smaller λ, or the unbiased estimator. The curves so far stay for comparison.',
  },
  diverged: {
    level: 'error',
    title: 'Training diverged',
    hint: 'Lower the learning rate (or λ), then Reset and Train. The curves up to here are kept.',
  },
  'device-lost': {
    level: 'warning',
    title: 'GPU device lost',
    hint: 'The curves so far are kept. The worker restarts the GPU backend; press Train to start a new run (closing other GPU-heavy tabs helps).',
  },
  error: {
    level: 'error',
    title: 'Run error',
    hint: 'Reset and Train to start again. The curves so far are kept in the runs panel.',
  },
};

function alertForEvent(runId: string, e: RunEvent) {
  if (e.kind === 'change' || e.kind === 'warmup-end') return;
  const spec = EVENT_ALERTS[e.kind];
  if (!spec) return;
  const who = runName(runId);
  alert({
    id: `${runId}:${e.kind}`,
    level: spec.level,
    title: `${spec.title} at step ${e.step}${who ? ` — ${who}` : ''}`,
    message: [e.detail, spec.why].filter(Boolean).join(' '),
    hint: spec.hint,
  });
}

const ERROR_TITLES: Record<ErrorCode, string> = {
  'backend-init': 'No compute backend could start',
  dataset: 'Dataset failed to load',
  config: 'Invalid settings',
  diverged: 'Training diverged',
  collapsed: 'Features collapsed',
  'device-lost': 'GPU device lost',
  internal: 'Internal error in the training worker',
};

// ------------------------------------------------------------------ stream batching

let queue: StreamMessage[] = [];
let latestSpeed: SpeedInfo | null = null;
let latestProgress: { task: string; done: number; total: number } | null = null;
let flushTimer: ReturnType<typeof setTimeout> | null = null;
let lastPersist = 0;

function scheduleFlush() {
  flushTimer ??= setTimeout(flush, FLUSH_MS);
}

function flush() {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  const msgs = queue;
  queue = [];
  const s = useSessionStore.getState();
  const update: Partial<typeof s> = {};
  if (msgs.length) {
    const runs = applyStream(s.runs, msgs);
    if (runs !== s.runs) {
      update.runs = runs;
      const statuses = s.runIds.map((id) => runs[id]?.status).filter((x) => x !== undefined);
      if (s.phase !== 'idle' && s.phase !== 'starting') update.phase = phaseFromStatuses(statuses);
      const now = Date.now();
      const statusChanged = msgs.some((m) => m.type === 'status' && m.status !== 'running');
      const doPersist = statusChanged || now - lastPersist > PERSIST_MS;
      if (doPersist) lastPersist = now;
      useLibraryStore.getState().updateRecords(
        s.runIds.map((id) => runs[id]).filter((r): r is RunRecord => !!r),
        doPersist,
      );
    }
    for (const m of msgs)
      if (m.type === 'events') for (const e of m.events) alertForEvent(m.runId, e);
  }
  if (latestSpeed) {
    update.speed = latestSpeed;
    latestSpeed = null;
  }
  if (Object.keys(update).length) useSessionStore.setState(update);
  if (latestProgress) {
    const p = latestProgress;
    latestProgress = null;
    const id = useDatasetStore.getState().task?.id ?? useConfigStore.getState().config.dataset;
    useDatasetStore.setState({
      task: { kind: 'parse', id, task: p.task, done: p.done, total: p.total },
    });
  }
}

// ------------------------------------------------------------------ messages

function onMessage(msg: FromWorker) {
  switch (msg.type) {
    case 'points':
    case 'events':
    case 'status':
      queue.push(msg);
      scheduleFlush();
      return;
    case 'speed':
      latestSpeed = {
        stepsPerSec: msg.stepsPerSec,
        samplesPerSec: msg.samplesPerSec,
        step: msg.step,
        epoch: msg.epoch,
      };
      scheduleFlush();
      return;
    case 'progress':
      latestProgress = { task: msg.task, done: msg.done, total: msg.total };
      scheduleFlush();
      return;
    default:
      break;
  }
  // Rare messages: apply what is queued first so order is kept.
  flush();
  switch (msg.type) {
    case 'ready':
      useSessionStore.setState({ workerState: 'ready', backend: msg.info });
      useSessionStore.getState().dismissAlert('worker:slow-start');
      readyWaiter?.resolve();
      readyWaiter = null;
      return;
    case 'backend-changed':
      useSessionStore.setState({ backend: msg.info });
      alert({
        id: 'backend-changed',
        level: 'info',
        title: `Now computing on ${msg.info.backend}`,
        message: msg.info.fallbackReasons.join('; ') || 'The worker switched backends.',
      });
      return;
    case 'dataset-loaded':
      useDatasetStore.setState({
        loaded: {
          id: msg.id,
          trainSize: msg.trainSize,
          testSize: msg.testSize,
          split: msg.split,
          splitNote: msg.splitNote,
          samples: msg.samples,
        },
        task: null,
        error: null,
        pending: null,
      });
      datasetWaiter?.resolve();
      datasetWaiter = null;
      return;
    case 'started': {
      activeTwin = msg.runs.some((r) => r.twin !== undefined);
      const runs: Record<string, RunRecord> = {};
      for (const r of msg.runs) runs[r.id] = r;
      useSessionStore.setState({
        runIds: msg.runs.map((r) => r.id),
        runs,
        phase: phaseFromStatuses(msg.runs.map((r) => r.status)),
        speed: null,
      });
      const lib = useLibraryStore.getState();
      const known = msg.runs.filter((r) => lib.entries[r.id]);
      lib.updateRecords(known, true);
      lib.addRuns(msg.runs.filter((r) => !lib.entries[r.id]));
      lastPersist = Date.now();
      return;
    }
    case 'finished': {
      const s = useSessionStore.getState();
      const runs = { ...s.runs };
      let mine = false;
      for (const r of msg.runs) {
        if (runs[r.id]) {
          runs[r.id] = r;
          mine = true;
        }
      }
      if (mine) useSessionStore.setState({ runs, phase: 'finished' });
      useLibraryStore.getState().updateRecords(msg.runs, true);
      sessionHooks.onFinished(msg.runs);
      return;
    }
    case 'error':
      onWorkerError(msg);
      return;
    default:
      assertNever(msg);
  }
}

function onWorkerError(msg: Extract<FromWorker, { type: 'error' }>) {
  const who = runName(msg.runId);
  const id = msg.runId ? `${msg.runId}:${msg.code}` : `${msg.code}:${msg.message}`;
  const eventSpec =
    msg.code === 'collapsed' || msg.code === 'diverged' || msg.code === 'device-lost'
      ? EVENT_ALERTS[msg.code]
      : undefined;
  alert({
    id,
    level: msg.fatal || msg.code === 'dataset' || msg.code === 'diverged' ? 'error' : 'warning',
    title: `${ERROR_TITLES[msg.code]}${who ? ` — ${who}` : ''}`,
    message: [msg.message, eventSpec?.why].filter(Boolean).join(' '),
    hint: msg.hint ?? eventSpec?.hint ?? defaultHint(msg.code),
  });
  if (msg.code === 'dataset') {
    const id = useDatasetStore.getState().task?.id ?? useConfigStore.getState().config.dataset;
    useDatasetStore.setState({
      task: null,
      error: { id, message: msg.message, urls: [], hint: msg.hint },
    });
    datasetWaiter?.reject(new HandledError(msg.message));
    datasetWaiter = null;
  }
  if (msg.code === 'backend-init' && msg.fatal) {
    useSessionStore.setState({ workerState: 'failed' });
    rejectWaiters(new HandledError(msg.message));
  }
  // The worker refused to start (bad settings, no dataset, model error): back to idle.
  if (useSessionStore.getState().phase === 'starting' && msg.code !== 'device-lost') {
    useSessionStore.setState({ phase: 'idle' });
  }
}

function defaultHint(code: ErrorCode): string {
  switch (code) {
    case 'backend-init':
      return 'Try a browser with WebGPU (recent Chrome or Edge), or reload the page.';
    case 'dataset':
      return 'Open the official files with "Open files…" in the Dataset panel, or run `npm run data -- import <dir>`.';
    case 'config':
      return 'Fix the highlighted setting, then press Train.';
    default:
      return 'Reset and Train to start again; the curves so far are kept.';
  }
}

function onCrash(info: CrashInfo) {
  flush();
  const s = useSessionStore.getState();
  if (info.kind === 'message') {
    alert({
      id: 'worker:message',
      level: 'warning',
      title: 'A message from the training worker was lost',
      message: info.message,
      hint: 'The charts may miss a point. If they stop updating, Reset and Train.',
    });
    return;
  }
  // The worker is gone: end the session but keep every point received.
  const runs = { ...s.runs };
  const ended: RunRecord[] = [];
  for (const id of s.runIds) {
    const r = runs[id];
    if (r && (r.status === 'running' || r.status === 'paused')) {
      runs[id] = { ...r, status: 'error' };
      ended.push(runs[id]);
    }
  }
  useSessionStore.setState({
    workerState: info.kind === 'load' ? 'failed' : 'crashed',
    backend: null,
    runs,
    phase: s.runIds.length ? 'finished' : 'idle',
  });
  useLibraryStore.getState().updateRecords(ended, true);
  // The datasets lived in the dead worker.
  useDatasetStore.setState({ loaded: null, task: null });
  rejectWaiters(new HandledError(info.message));
  alert({
    id: 'worker:crash',
    level: 'error',
    title:
      info.kind === 'load' ? 'The training worker could not start' : 'The training worker crashed',
    message: info.message,
    hint:
      info.kind === 'load'
        ? 'Reload the page. If it keeps happening, the build may be incomplete: check the browser console.'
        : 'Your curves are kept in the runs panel. Press Train to start again in a fresh worker (training restarts from new weights).',
  });
}

// ------------------------------------------------------------------ worker lifecycle

function waitForReady(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    readyWaiter = { resolve, reject };
  });
}

function startWorker(): Promise<void> {
  client ??= createWorkerClient();
  readyWaiter?.reject(new HandledError('restarted'));
  useSessionStore.setState({ workerState: 'starting', backend: null });
  const ready = waitForReady();
  client.restart();
  // ?backend=wasm|webgl|cpu on the page URL starts from that backend (comparisons, tests).
  const preferred = new URLSearchParams(window.location.search).get('backend');
  client.send({
    type: 'init',
    backend: (['webgpu', 'wasm', 'webgl', 'cpu'] as const).find((b) => b === preferred),
  });
  const timer = setTimeout(() => {
    if (useSessionStore.getState().workerState === 'starting') {
      alert({
        id: 'worker:slow-start',
        level: 'warning',
        title: 'The training worker has not answered yet',
        message: `No reply ${READY_TIMEOUT_MS / 1000} s after start: choosing a compute backend can take a while on a software GPU.`,
        hint: 'Wait a little longer, or reload the page.',
      });
    }
  }, READY_TIMEOUT_MS);
  return ready.finally(() => clearTimeout(timer));
}

let readyPromise: Promise<void> | null = null;

async function ensureWorker(): Promise<void> {
  const st = useSessionStore.getState().workerState;
  if (client?.alive && st === 'ready') return;
  if (client?.alive && st === 'starting' && readyPromise) return readyPromise;
  if (st === 'failed') throw new HandledError('no backend');
  readyPromise = startWorker();
  return readyPromise;
}

/** Starts everything once: the saved runs, the worker, the cache summary. */
export function initApp(): void {
  if (initialised) return;
  initialised = true;
  client = createWorkerClient();
  client.onMessage(onMessage);
  client.onCrash(onCrash);
  void useLibraryStore.getState().load();
  readyPromise = startWorker();
  readyPromise.catch(() => {});
  void refreshCache();
  // Test hook for e2e: exercise device-loss recovery.
  (window as unknown as { __itra?: unknown }).__itra = {
    simulateDeviceLoss: () => client?.send({ type: 'simulate-device-loss' }),
    simulateCrash: () => client?.send({ type: 'simulate-crash' }),
  };
}

// ------------------------------------------------------------------ datasets

let downloadAbort: AbortController | null = null;
let lastProgressAt = 0;

function transferList(data: RawDatasetFiles): ArrayBuffer[] {
  return [...new Set(Object.values(data.files))];
}

function sendDataset(data: RawDatasetFiles): Promise<void> {
  if (!client?.alive) return Promise.reject(new HandledError('worker not running'));
  datasetWaiter?.reject(new HandledError('superseded'));
  const p = new Promise<void>((resolve, reject) => {
    datasetWaiter = { resolve, reject };
  });
  useDatasetStore.setState({
    task: { kind: 'parse', id: data.id, task: 'Parsing', done: 0, total: 0 },
    error: null,
    pending: null,
  });
  client.send({ type: 'load-dataset', data }, transferList(data));
  return p;
}

/**
 * Sends obtained files, or holds them for the carve offer when only one split is present
 * and the user has not agreed to carving yet (`autoCarve`: Train was pressed, so carve and say so).
 */
async function deliverFiles(
  data: RawDatasetFiles,
  missing: string[],
  autoCarve: boolean,
): Promise<'loaded' | 'pending'> {
  const presence = splitPresence(data.id, Object.keys(data.files));
  const oneSplit = data.carve || canCarve(presence);
  if (oneSplit && !autoCarve) {
    useDatasetStore.setState({ pending: { data, presence, missing }, task: null });
    return 'pending';
  }
  if (oneSplit) {
    alert({
      id: `dataset:carved:${data.id}`,
      level: 'info',
      title: `${DATASETS[data.id].name}: only the ${presence.test ? 'test' : 'train'} split is available`,
      message: `Training on a seeded train/test split carved from it; the run record says so.${missing.length ? ` Missing: ${missing.join(', ')}.` : ''}`,
      hint: 'For the official split, open the missing files with "Open files…" or run `npm run data -- import <dir>`.',
    });
  }
  await ensureWorker();
  await sendDataset({ ...data, carve: oneSplit ? true : data.carve });
  return 'loaded';
}

/**
 * Downloads (cache first) and loads a dataset into the worker. From Train (`autoCarve`) a
 * one-split dataset is carved at once; from the Download button the user is asked first.
 */
export async function loadDatasetFromServer(
  id: DatasetId,
  autoCarve = false,
): Promise<'loaded' | 'pending'> {
  downloadAbort?.abort();
  const ac = new AbortController();
  downloadAbort = ac;
  useDatasetStore.setState({
    task: { kind: 'download', id, loaded: 0, total: 0, file: '', fileIndex: 0, fileCount: 0 },
    error: null,
    pending: null,
  });
  const warnings: string[] = [];
  try {
    const { missing, ...data } = await downloadDataset(id, {
      signal: ac.signal,
      onProgress: (p) => {
        // Progress fires per chunk: update the store at most ~10 times a second.
        const now = performance.now();
        if (now - lastProgressAt < 100 && p.phase === 'download') return;
        lastProgressAt = now;
        useDatasetStore.setState({
          task: {
            kind: 'download',
            id,
            loaded: p.loaded,
            total: p.total,
            file: p.file,
            fileIndex: p.fileIndex,
            fileCount: p.fileCount,
            phase: p.phase,
          },
        });
      },
      onWarning: (message) => warnings.push(message),
    });
    if (ac.signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    // Download failures of a missing split are summed up by the carve notice; show the rest.
    const other = warnings.filter((w) => !missing.some((f) => w.includes(f)));
    if (other.length) {
      alert({
        id: `dataset:warning:${id}`,
        level: 'warning',
        title: `${DATASETS[id].name}: loaded, with a note`,
        message: other.join(' '),
      });
    }
    void refreshCache();
    return await deliverFiles(data, missing, autoCarve);
  } catch (e) {
    if (e instanceof HandledError) throw e;
    const view = describeDatasetError(e);
    if (view.aborted) {
      useDatasetStore.setState({ task: null });
      throw new HandledError('cancelled');
    }
    useDatasetStore.setState({
      task: null,
      error: { id, message: view.message, urls: view.urls, hint: view.hint },
    });
    alert({
      id: `dataset:failed:${id}`,
      level: 'error',
      title: `${DATASETS[id].name} failed to load`,
      message: view.urls.length ? `Could not download ${view.urls.join(', ')}.` : view.message,
      hint: 'See the Dataset panel: run `npm run data -- import <dir>`, or use "Open files…" to pick the official files.',
    });
    throw new HandledError(view.message);
  } finally {
    if (downloadAbort === ac) downloadAbort = null;
  }
}

export function cancelDatasetDownload(): void {
  downloadAbort?.abort();
}

/** "Open files…" and drag-and-drop: reads, verifies and caches the files, then loads them. */
export async function openDatasetFiles(files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  if (isActive(useSessionStore.getState().phase)) {
    alert({
      id: 'dataset:busy',
      level: 'warning',
      title: 'Training is in progress',
      message: 'A dataset cannot be swapped under a running model.',
      hint: 'Press Reset, then open the files again.',
    });
    return;
  }
  const names = files.map((f) => f.name);
  const selected = useConfigStore.getState().config.dataset;
  const guess = guessDataset(names, selected);
  if ('error' in guess) {
    useDatasetStore.setState({ error: { id: selected, message: guess.error, urls: [] } });
    return;
  }
  if (guess.switched) {
    useConfigStore.getState().setConfig({ dataset: guess.id });
    alert({
      id: 'dataset:switched',
      level: 'info',
      title: `Switched the dataset to ${DATASETS[guess.id].name}`,
      message: 'The opened files are CIFAR-10 files.',
    });
  }
  useDatasetStore.setState({
    task: { kind: 'read', id: guess.id, files: files.length },
    error: null,
    pending: null,
  });
  try {
    const picked = await Promise.all(
      files.map(async (f) => ({ name: f.name, data: await f.arrayBuffer() })),
    );
    const res = await importOpenedFiles(guess.id, picked);
    if (res.ignored.length) {
      alert({
        id: 'dataset:ignored',
        level: 'warning',
        title: 'Some files were ignored',
        message: `Not official ${DATASETS[guess.id].name} files: ${res.ignored.join(', ')}.`,
      });
    }
    void refreshCache();
    await deliverFiles({ id: guess.id, files: res.files }, [], false);
  } catch (e) {
    if (e instanceof HandledError) return;
    const view = describeDatasetError(e);
    useDatasetStore.setState({
      task: null,
      error: { id: guess.id, message: view.message, urls: view.urls, hint: view.hint },
    });
  }
}

/** The user's answer to the carve offer. */
export async function acceptPending(carve: boolean): Promise<void> {
  const p = useDatasetStore.getState().pending;
  if (!p) return;
  try {
    await ensureWorker();
    await sendDataset({ ...p.data, carve });
  } catch {
    // Shown by the error handlers.
  }
}

export function discardPending(): void {
  useDatasetStore.setState({ pending: null });
}

export async function refreshCache(): Promise<void> {
  try {
    const items = await cacheContents();
    useDatasetStore.setState({ cache: items ?? 'unavailable' });
  } catch {
    useDatasetStore.setState({ cache: 'unavailable' });
  }
}

export async function clearCache(): Promise<void> {
  try {
    await clearDatasetCache();
  } catch (e) {
    alert({
      id: 'cache:clear',
      level: 'warning',
      title: 'Could not clear the dataset cache',
      message: (e as Error).message,
    });
  }
  await refreshCache();
}

// ------------------------------------------------------------------ training

/** Starts a run from the settings, or `planned` (a sweep's run); true once the start is sent. */
export async function train(planned?: StartRequest): Promise<boolean> {
  const s = useSessionStore.getState();
  if (isActive(s.phase)) return false;
  const store = useConfigStore.getState();
  const raw = planned?.config ?? store.config;
  const twin = planned ? { ...store.twin, enabled: false } : store.twin;
  let config: TrainConfig;
  try {
    config = validateConfig(raw);
    if (twin.enabled) {
      const { enabled: _enabled, ...twinB } = twin;
      validateConfig({ ...config, ...twinB });
    }
  } catch (e) {
    alert({
      id: 'config:invalid',
      level: 'error',
      title: 'Invalid settings',
      message: (e as Error).message,
      hint: 'Fix the setting, then press Train.',
    });
    return false;
  }
  useSessionStore.getState().dismissAlert('worker:crash');
  useSessionStore.setState({ phase: 'starting', runIds: [], runs: {}, speed: null });
  try {
    await ensureWorker();
    if (useDatasetStore.getState().loaded?.id !== config.dataset) {
      const res = await loadDatasetFromServer(config.dataset, true);
      if (res === 'pending') {
        alert({
          id: 'dataset:carve',
          level: 'info',
          title: 'Only one split of the dataset is present',
          message: 'Training needs a train and a test split.',
          hint: 'In the Dataset panel, tick "Carve train/test split from this file" and load, then press Train.',
        });
        useSessionStore.setState({ phase: 'idle' });
        return false;
      }
    }
    const request = planned ? { ...planned, config } : buildStartRequest(config, twin);
    if (!client?.send({ type: 'start', request })) throw new HandledError('worker not running');
    return true;
  } catch (e) {
    if (useSessionStore.getState().phase === 'starting')
      useSessionStore.setState({ phase: 'idle' });
    if (!(e instanceof HandledError)) {
      alert({
        id: 'train:failed',
        level: 'error',
        title: 'Could not start training',
        message: (e as Error).message,
        hint: 'Reload the page and try again.',
      });
    }
    return false;
  }
}

export function pause(): void {
  if (useSessionStore.getState().phase === 'running') client?.send({ type: 'pause' });
}

export function resume(): void {
  if (useSessionStore.getState().phase === 'paused') client?.send({ type: 'resume' });
}

export function togglePause(): void {
  const phase = useSessionStore.getState().phase;
  if (phase === 'running') pause();
  else if (phase === 'paused') resume();
}

export function stepOnce(): void {
  if (useSessionStore.getState().phase === 'paused') client?.send({ type: 'step' });
}

/** Stops the session; its runs stay in the library. The next Train starts from new weights. */
export function reset(): void {
  const s = useSessionStore.getState();
  flush();
  flushLive();
  if (isActive(s.phase)) client?.send({ type: 'stop' });
  // Mark them stopped now; the worker's 'finished' replaces this with the final record.
  const ended = s.runIds
    .map((id) => s.runs[id])
    .filter((r): r is RunRecord => !!r && (r.status === 'running' || r.status === 'paused'))
    .map((r) => ({ ...r, status: 'stopped' as const }));
  useLibraryStore.getState().updateRecords(ended, true);
  useSessionStore.setState({ phase: 'idle', runIds: [], runs: {}, speed: null });
}

// ------------------------------------------------------------------ live changes

// Patches reach the worker only during a session: one still pending after it ends is dropped.
const live = createLivePatcher((patch, side) => {
  if (!isActive(useSessionStore.getState().phase)) return;
  client?.send(side === 'all' ? { type: 'patch', patch } : { type: 'patch', patch, side });
});

/**
 * A change of a live setting from the controls. Updates the settings and, during a session,
 * patches the model in place (never resets it). Side 'B' is the twin's side-B control; the
 * main controls target side A of a twin pair (lr and weight decay target both sides).
 */
export function changeLive(patch: LivePatch, from: 'main' | 'B' = 'main'): void {
  if (from === 'B') useConfigStore.getState().setTwin(patch as Partial<TwinSettings>);
  else useConfigStore.getState().setConfig(patch);
  if (!isActive(useSessionStore.getState().phase) || !sessionHooks.livePatches()) return;
  const { config, twin } = useConfigStore.getState();
  let valid: LivePatch;
  try {
    const { enabled: _enabled, ...twinB } = twin;
    const base = from === 'B' ? { ...config, ...twinB } : config;
    valid = validatePatch(validateConfig(base), patch);
  } catch {
    return; // the control shows the problem; nothing invalid reaches the worker
  }
  live.send(valid, from === 'B' ? 'B' : activeTwin ? 'A' : 'all');
}

/** Sends every pending live patch now (slider released, Reset). */
export function flushLive(): void {
  live.flush();
}

export function restartWorker(): void {
  readyPromise = startWorker();
  readyPromise.catch(() => {});
}
