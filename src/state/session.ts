/**
 * The session commands the UI calls: start the app, Train, Pause/Resume, Step, Reset. The
 * rest of the controller, by concern: workerLink.ts (the worker and its waiters),
 * workerReplies.ts (what the worker says), streamFlush.ts (batched stream updates),
 * alerts.ts, datasetActions.ts and liveChanges.ts.
 */

import { bundledWeights } from '../engine/checkpointFile';
import { type TrainConfig, validateConfig } from '../engine/config';
import type { StartRequest } from '../protocol';
import { alert, dismissAlert } from './alerts';
import {
  checkpointSaved,
  checkpointUnsaved,
  forgetCheckpoints,
  loadCheckpointIndex,
} from './checkpoints';
import { useConfigStore } from './configStore';
import { loadDatasetFromServer, refreshCache } from './datasetActions';
import { useDatasetStore } from './datasetStore';
import { adoptImportedWeights } from './importedWeights';
import { onImportedCheckpoint } from './importRuns';
import { flushLive } from './liveChanges';
import { resumeRun } from './resume';
import { recordsOf, useLibraryStore } from './runsLibrary';
import { buildStartRequest } from './startRequest';
import { flush } from './streamFlush';
import { isActive, useTrainingStore } from './trainingStore';
import { alertStalled, createHeartbeat, type HeartbeatTimes } from './workerHeartbeat';
import { HandledError, workerLink } from './workerLink';
import { onWorkerCrash, onWorkerMessage } from './workerReplies';

/** Built with `vite build --mode e2e` only: a production page has no test hooks. */
const TEST_HOOKS = import.meta.env.MODE === 'e2e';

/** A stalled worker, restarted by the user: it is treated as crashed (runs can Resume). */
function restartStalled() {
  workerLink.terminate();
  onWorkerCrash({ kind: 'crash', message: 'The stalled worker was restarted.' });
  void workerLink.start().catch(() => {});
}

const heartbeat = createHeartbeat(
  (m) => workerLink.send(m),
  (message) => alertStalled(message, restartStalled),
);

let initialised = false;

/** Starts everything once: the saved runs, the worker, the cache summary. */
export function initApp(): void {
  if (initialised) return;
  initialised = true;
  workerLink.onMessage(onWorkerMessage);
  workerLink.onMessage((m) => {
    if (m.type === 'pong') heartbeat.onPong(m);
    if (m.type === 'checkpoint-saved') checkpointSaved(m.id, m.runIds, m.step);
    if (m.type === 'checkpoint-unsaved') checkpointUnsaved(m.checkpoint, m.reason);
    if (m.type === 'ready') heartbeat.reset();
  });
  workerLink.onCrash(onWorkerCrash);
  void useLibraryStore.getState().load();
  void loadCheckpointIndex();
  // An imported "Export with weights" file: its checkpoint is kept for its runs.
  onImportedCheckpoint((raw) =>
    adoptImportedWeights(bundledWeights(raw), useLibraryStore.getState().entries),
  );
  // A run leaves the library (deleted here or in another tab): its checkpoint goes too.
  useLibraryStore.subscribe((now, before) => {
    if (now.entries === before.entries) return;
    const gone = Object.keys(before.entries).filter((id) => !now.entries[id]);
    if (gone.length) forgetCheckpoints(gone);
  });
  void workerLink.start().catch(() => {});
  void refreshCache();
  heartbeat.start();
  // The page is going away: ask for a checkpoint of the steps since the last one.
  window.addEventListener('pagehide', () => workerLink.send({ type: 'checkpoint-now' }));
  if (TEST_HOOKS) installTestHooks();
}

/** e2e only: exercise device loss, crash, a hung worker and a read that never returns. */
function installTestHooks() {
  (window as unknown as { __itra?: unknown }).__itra = {
    simulateDeviceLoss: () => workerLink.send({ type: 'simulate-device-loss' }),
    simulateCrash: () => workerLink.send({ type: 'simulate-crash' }),
    simulateHang: () => workerLink.send({ type: 'simulate-hang' }),
    simulateStuckRead: () => workerLink.send({ type: 'simulate-stuck-read' }),
    heartbeat: (times: Partial<HeartbeatTimes>) => heartbeat.start(times),
    resume: (runId: string) => resumeRun(runId),
  };
}

/** Starts a run from the settings, or `planned` (a sweep's run); true once the start is sent. */
export async function train(planned?: StartRequest): Promise<boolean> {
  const s = useTrainingStore.getState();
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
  dismissAlert('worker:crash');
  useTrainingStore.setState({ phase: 'starting', runIds: [], speed: null });
  try {
    await workerLink.ensureReady();
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
        useTrainingStore.setState({ phase: 'idle' });
        return false;
      }
    }
    const request = planned ? { ...planned, config } : buildStartRequest(config, twin);
    if (!workerLink.send({ type: 'start', request })) throw new HandledError('worker not running');
    return true;
  } catch (e) {
    if (useTrainingStore.getState().phase === 'starting')
      useTrainingStore.setState({ phase: 'idle' });
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
  if (useTrainingStore.getState().phase === 'running') workerLink.send({ type: 'pause' });
}

export function resume(): void {
  if (useTrainingStore.getState().phase === 'paused') workerLink.send({ type: 'resume' });
}

export function togglePause(): void {
  const phase = useTrainingStore.getState().phase;
  if (phase === 'running') pause();
  else if (phase === 'paused') resume();
}

export function stepOnce(): void {
  if (useTrainingStore.getState().phase === 'paused') workerLink.send({ type: 'step' });
}

/** Stops the session; its runs stay in the library. The next Train starts from new weights. */
export function reset(): void {
  const s = useTrainingStore.getState();
  flush();
  flushLive();
  if (isActive(s.phase)) workerLink.send({ type: 'stop' });
  // Mark them stopped now; the worker's 'finished' replaces this with the final record.
  const ended = Object.values(recordsOf(s.runIds))
    .filter((r) => r.status === 'running' || r.status === 'paused')
    .map((r) => ({ ...r, status: 'stopped' as const }));
  useLibraryStore.getState().updateRecords(ended, true);
  useTrainingStore.setState({ phase: 'idle', runIds: [], speed: null });
}
