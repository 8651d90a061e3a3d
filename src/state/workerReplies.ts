/**
 * What the worker says, routed into the stores: frequent messages are queued for the stream
 * flush; rare ones (ready, dataset loaded, started, finished, errors) apply at once, after
 * the queue so order is kept. A crashed worker ends the session but keeps every point.
 */
import { addFrame } from '../engine/features/frames';
import type { EmbeddingFrame, RunRecord } from '../engine/runRecord';
import { assertNever, type FromWorker } from '../protocol';
import { alert, alertForCrash, alertForError } from './alerts';
import { useConfigStore } from './configStore';
import { useDatasetStore } from './datasetStore';
import { onFeaturesMessage } from './featuresStore';
import { useLibraryStore } from './runsLibrary';
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
    case 'speed':
      queueSpeed({
        stepsPerSec: msg.stepsPerSec,
        samplesPerSec: msg.samplesPerSec,
        step: msg.step,
        epoch: msg.epoch,
      });
      return;
    case 'progress':
      queueProgress({ task: msg.task, done: msg.done, total: msg.total });
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
      const runs: Record<string, RunRecord> = {};
      for (const r of msg.runs) runs[r.id] = r;
      useTrainingStore.setState({
        runIds: msg.runs.map((r) => r.id),
        runs,
        phase: phaseFromStatuses(msg.runs.map((r) => r.status)),
        speed: null,
      });
      const lib = useLibraryStore.getState();
      const known = msg.runs.filter((r) => lib.entries[r.id]);
      lib.updateRecords(known, true);
      lib.addRuns(msg.runs.filter((r) => !lib.entries[r.id]));
      markPersisted();
      return;
    }
    case 'finished': {
      const s = useTrainingStore.getState();
      const runs = { ...s.runs };
      let mine = false;
      for (const r of msg.runs) {
        if (runs[r.id]) {
          runs[r.id] = r;
          mine = true;
        }
      }
      if (mine) useTrainingStore.setState({ runs, phase: 'finished' });
      useLibraryStore.getState().updateRecords(msg.runs, true);
      sweepHooks.onFinished(msg.runs);
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
  const s = useTrainingStore.getState();
  const lib = useLibraryStore.getState();
  const rec = s.runs[runId] ?? lib.entries[runId]?.record;
  if (!rec) return;
  const next = { ...rec, embeddings: addFrame(rec.embeddings ?? [], frame) };
  if (s.runs[runId]) useTrainingStore.setState({ runs: { ...s.runs, [runId]: next } });
  if (lib.entries[runId]) lib.updateRecords([next], true);
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
  const s = useTrainingStore.getState();
  const runs = { ...s.runs };
  const ended: RunRecord[] = [];
  for (const id of s.runIds) {
    const r = runs[id];
    if (r && (r.status === 'running' || r.status === 'paused')) {
      runs[id] = { ...r, status: 'error' };
      ended.push(runs[id]);
    }
  }
  useTrainingStore.setState({
    workerState: info.kind === 'load' ? 'failed' : 'crashed',
    backend: null,
    runs,
    phase: s.runIds.length ? 'finished' : 'idle',
  });
  useLibraryStore.getState().updateRecords(ended, true);
  // The datasets lived in the dead worker.
  useDatasetStore.setState({ loaded: null, task: null });
  workerLink.failAll(info.message);
  alertForCrash(info);
}
