/**
 * The stream flush: the worker's frequent messages (points, events, statuses, speed, parse
 * progress) are queued here and applied in one store update per flush, at most twice a
 * second, so the charts redraw at that pace however fast the worker trains.
 */
import type { RunRecord } from '../engine/runRecord';
import type { Speed } from '../engine/session';
import { alertForEvent } from './alerts';
import { useConfigStore } from './configStore';
import { useDatasetStore } from './datasetStore';
import { recordsOf, useLibraryStore } from './runsLibrary';
import { applyStream, phaseFromStatuses, type StreamMessage } from './streamMerge';
import { useTrainingStore } from './trainingStore';

/** Stream batches reach the stores (and redraw the charts) at most twice a second. */
const FLUSH_MS = 500;
/** Live records are written to IndexedDB at most this often (and at once when a run ends). */
const PERSIST_MS = 5000;

interface Progress {
  task: string;
  done: number;
  total: number;
}

let queue: StreamMessage[] = [];
let latestSpeed: Speed | null = null;
let latestProgress: Progress | null = null;
let flushTimer: ReturnType<typeof setTimeout> | null = null;
let lastPersist = 0;

function scheduleFlush() {
  flushTimer ??= setTimeout(flush, FLUSH_MS);
}

export function queueStream(msg: StreamMessage): void {
  queue.push(msg);
  scheduleFlush();
}

export function queueSpeed(speed: Speed): void {
  latestSpeed = speed;
  scheduleFlush();
}

export function queueProgress(progress: Progress): void {
  latestProgress = progress;
  scheduleFlush();
}

/** The session's records were just saved (a new session started): the next save waits. */
export function markPersisted(): void {
  lastPersist = Date.now();
}

/**
 * The page is going away (pagehide, hidden): applies what is queued and writes the live runs'
 * new points to IndexedDB at once, not at the next 5 s save. Installed by pageLifecycle.ts.
 */
export function flushNow(): Promise<void> {
  flush();
  lastPersist = Date.now();
  return useLibraryStore.getState().persistNow(useTrainingStore.getState().runIds);
}

/** Applies everything queued now (before a rare message, so order is kept; on Reset). */
export function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  const msgs = queue;
  queue = [];
  const s = useTrainingStore.getState();
  const update: Partial<typeof s> = {};
  if (msgs.length) {
    const current = recordsOf(s.runIds);
    const runs = applyStream(current, msgs);
    if (runs !== current) {
      const statuses = s.runIds.map((id) => runs[id]?.status).filter((x) => x !== undefined);
      if (s.phase !== 'idle' && s.phase !== 'starting') update.phase = phaseFromStatuses(statuses);
      const now = Date.now();
      const statusChanged = msgs.some((m) => m.type === 'status' && m.status !== 'running');
      const doPersist = statusChanged || now - lastPersist > PERSIST_MS;
      if (doPersist) lastPersist = now;
      const live = s.runIds.map((id) => runs[id]).filter((r): r is RunRecord => !!r);
      const lib = useLibraryStore.getState();
      lib.updateRecords(live, doPersist);
      // What is drawn is noted at once (synchronously): the page may be gone before any save.
      lib.noteTails(
        live.map((r) => r.id),
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
  if (Object.keys(update).length) useTrainingStore.setState(update);
  if (latestProgress) {
    const p = latestProgress;
    latestProgress = null;
    const id = useDatasetStore.getState().task?.id ?? useConfigStore.getState().config.dataset;
    useDatasetStore.setState({
      task: { kind: 'parse', id, task: p.task, done: p.done, total: p.total },
    });
  }
}
