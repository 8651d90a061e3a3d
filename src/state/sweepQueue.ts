/**
 * The app's sweep queue: sweepQueueCore.ts wired to the session module (a sweep run is an
 * ordinary single run started with `train(request)`; the worker's 'finished' chains the next),
 * the runs library (finished runs are not rerun after a reload) and localStorage.
 *
 * While a sweep runs, Train is refused with a message (pause the sweep to train by hand), and
 * live setting changes are not sent to the sweep's run: every run of a sweep trains with the
 * settings it was queued with.
 */
import { useStore } from 'zustand';
import type { GridRun } from '../reproduce/grid';
import { useLibraryStore } from './runsLibrary';
import { reset, train } from './session';
import { newRunId } from './startRequest';
import { sweepHooks } from './sweepHooks';
import {
  createSweepQueue,
  isActiveItem,
  isPending,
  parseSnapshot,
  type QueueState,
  type SweepItem,
} from './sweepQueueCore';
import { useTrainingStore } from './trainingStore';

const KEY = 'itra-playground:sweep-queue';

function startItem(item: SweepItem): Promise<boolean> {
  return train({
    runIds: [item.runId],
    names: [item.name],
    config: item.config,
    sweeps: [{ id: item.sweepId, coords: item.coords }],
  });
}

export const sweepQueue = createSweepQueue({
  start: startItem,
  stop: reset,
  session: () => {
    const s = useTrainingStore.getState();
    return { phase: s.phase, runIds: s.runIds, workerState: s.workerState };
  },
  recordStatus: (id) => useLibraryStore.getState().entries[id]?.record.status,
  libraryReady: () => useLibraryStore.getState().loaded,
  load: () => {
    try {
      return parseSnapshot(globalThis.localStorage?.getItem(KEY) ?? null);
    } catch {
      return null;
    }
  },
  save: (snap) => {
    try {
      if (snap) globalThis.localStorage?.setItem(KEY, JSON.stringify(snap));
      else globalThis.localStorage?.removeItem(KEY);
    } catch {
      // Private mode or quota: the queue is not kept across reloads.
    }
  },
  newId: newRunId,
  now: () => new Date(),
  defer: (f) => setTimeout(f, 0),
});

let wired = false;

/** Connects the queue to the session and the library (once, at app start). */
export function initSweepQueue(): void {
  if (wired) return;
  wired = true;
  const q = sweepQueue.getState;
  sweepHooks.onFinished = (runs) => q().handleFinished(runs);
  // Live changes reach a hand-started run, never a sweep's run.
  sweepHooks.livePatches = () => {
    const ids = useTrainingStore.getState().runIds;
    return !q().items.some((i) => isActiveItem(i) && ids.includes(i.runId));
  };
  useTrainingStore.subscribe((s, prev) => {
    if (s.phase !== prev.phase || s.runIds !== prev.runIds || s.workerState !== prev.workerState)
      q().handleSession();
  });
  useLibraryStore.subscribe((s, prev) => {
    if (s.loaded && !prev.loaded) q().tick();
  });
  q().tick();
}

/** Whether the sweep will start more runs by itself (waiting or running, not paused). */
export function sweepRunning(s: QueueState = sweepQueue.getState()): boolean {
  return !s.paused && s.items.some(isPending);
}

/** The Train button: refused with a message while a sweep runs. */
export async function trainByHand(): Promise<void> {
  const q = sweepQueue.getState();
  if (sweepRunning(q)) {
    const left = q.items.filter(isPending).length;
    useTrainingStore.getState().pushAlert({
      id: 'sweep:train',
      level: 'info',
      title: 'A sweep is running',
      message: `${left} run${left === 1 ? '' : 's'} of the sweep ${left === 1 ? 'is' : 'are'} still queued; Train would get in its way.`,
      hint: 'Hold the sweep in the Sweep panel to train by hand; Continue goes on where it stopped.',
    });
    return;
  }
  useTrainingStore.getState().dismissAlert('sweep:train');
  await train();
}

export function queueSweep(runs: readonly GridRun[], label: string): string {
  useTrainingStore.getState().dismissAlert('sweep:train');
  return sweepQueue.getState().enqueue(runs, label);
}

export function useSweepQueue<T>(selector: (s: QueueState) => T): T {
  return useStore(sweepQueue, selector);
}
