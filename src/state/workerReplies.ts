/**
 * What the worker says, routed into the stores: frequent messages are queued for the stream
 * flush; rare ones (ready, dataset loaded, started, finished, errors) apply at once, after
 * the queue so order is kept. A crashed worker ends the session but keeps every point.
 */
import { addFrame } from '../engine/features/frames';
import type { EmbeddingFrame } from '../engine/runRecord';
import { assertNever, type FromWorker } from '../protocol';
import { alert, alertForCrash, alertForError } from './alerts';
import { useConfigStore } from './configStore';
import { useDatasetStore } from './datasetStore';
import { onFeaturesMessage } from './featuresStore';
import { offerResume, onBackendRebuilt, onSessionFinished } from './resume';
import { recordsOf, useLibraryStore } from './runsLibrary';
import { flush, markPersisted, queueProgress, queueSpeed, queueStream } from './streamFlush';
import { phaseFromStatuses } from './streamMerge';
import { sweepHooks } from './sweepHooks';
import { useTrainingStore } from './trainingStore';
import type { CrashInfo } from './workerClient';
import { workerLink } from './workerLink';

export function onWorkerMessage(msg: FromWorker): void {
  switch (msg.type) {
    case 'points':
    case 'events':
    case 'status':
      queueStream(msg);
      return;
    case 'speed': {
      const { type: _type, ...speed } = msg;
      queueSpeed(speed);
      return;
    }
    case 'progress':
      queueProgress({ task: msg.task, done: msg.done, total: msg.total });
      return;
    // Heartbeat and checkpoints: their own listeners (session.ts).
    case 'pong':
    case 'checkpoint-saved':
    case 'checkpoint-unsaved':
      return;
    case 'embed-images':
    case 'projection-progress':
      onFeaturesMessage(msg);
      return;
    case 'projection': {
      const frame = onFeaturesMessage(msg);
      if (frame) addProjectedFrame(msg.runId, frame);
      return;
    }
    default:
      break;
  }
  // Rare messages: apply what is queued first so order is kept.
  flush();
  switch (msg.type) {
    case 'ready':
      workerLink.readyArrived(msg.info);
      return;
    case 'backend-changed':
      useTrainingStore.setState({ backend: msg.info });
      onBackendRebuilt();
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
      workerLink.datasetArrived();
      return;
    case 'started': {
      const lib = useLibraryStore.getState();
      const known = msg.runs.filter((r) => lib.entries[r.id]);
      lib.updateRecords(known, true);
      lib.addRuns(msg.runs.filter((r) => !lib.entries[r.id]));
      useTrainingStore.setState({
        runIds: msg.runs.map((r) => r.id),
        phase: phaseFromStatuses(msg.runs.map((r) => r.status)),
        speed: null,
      });
      markPersisted();
      return;
    }
    case 'finished': {
      const { runIds } = useTrainingStore.getState();
      useLibraryStore.getState().updateRecords(msg.runs, true);
      if (msg.runs.some((r) => runIds.includes(r.id)))
        useTrainingStore.setState({ phase: 'finished' });
      sweepHooks.onFinished(msg.runs);
      onSessionFinished(msg.runs);
      return;
    }
    case 'error':
      onWorkerError(msg);
      return;
    default:
      assertNever(msg);
  }
}

/** A UMAP frame joins its run's record (kept, exported), as the worker computed it. */
function addProjectedFrame(runId: string, frame: EmbeddingFrame) {
  flush();
  const rec = useLibraryStore.getState().entries[runId]?.record;
  if (!rec) return;
  const next = { ...rec, embeddings: addFrame(rec.embeddings ?? [], frame) };
  useLibraryStore.getState().updateRecords([next], true);
}

function onWorkerError(msg: Extract<FromWorker, { type: 'error' }>) {
  alertForError(msg);
  if (msg.code === 'dataset') {
    const id = useDatasetStore.getState().task?.id ?? useConfigStore.getState().config.dataset;
    useDatasetStore.setState({
      task: null,
      error: { id, message: msg.message, urls: [], hint: msg.hint },
    });
    workerLink.datasetFailed(msg.message);
  }
  if (msg.code === 'backend-init' && msg.fatal) {
    useTrainingStore.setState({ workerState: 'failed' });
    workerLink.failAll(msg.message);
  }
  // The worker refused to start (bad settings, no dataset, model error): back to idle.
  if (useTrainingStore.getState().phase === 'starting' && msg.code !== 'device-lost') {
    useTrainingStore.setState({ phase: 'idle' });
  }
}

export function onWorkerCrash(info: CrashInfo): void {
  flush();
  if (info.kind === 'message') {
    alertForCrash(info);
    return;
  }
  // The worker is gone: end the session but keep every point received.
  const { runIds } = useTrainingStore.getState();
  const ended = Object.values(recordsOf(runIds))
    .filter((r) => r.status === 'running' || r.status === 'paused')
    .map((r) => ({ ...r, status: 'error' as const }));
  useLibraryStore.getState().updateRecords(ended, true);
  useTrainingStore.setState({
    workerState: info.kind === 'load' ? 'failed' : 'crashed',
    backend: null,
    phase: runIds.length ? 'finished' : 'idle',
  });
  // The datasets lived in the dead worker.
  useDatasetStore.setState({ loaded: null, task: null });
  workerLink.failAll(info.message);
  alertForCrash(info);
  if (runIds.length) offerResume(runIds[0], 'worker:crash');
}
