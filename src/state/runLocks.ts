/**
 * Which tab trains a run, across tabs, with the Web Locks API: the tab training a run holds the
 * lock `itra-run:<id>` while the run is running or paused, and the browser releases it when that
 * tab closes or crashes. Another tab that shows the run as live waits on the lock; once it is
 * free and the run still reads running (no final save came), the run is shown stopped, with
 * Resume where a checkpoint exists, as a reload would show it. Without Web Locks nothing changes.
 */
import type { RunRecord } from '../engine/runRecord';
import { useLibraryStore } from './runsLibrary';
import { useTrainingStore } from './trainingStore';

const lockName = (id: string) => `itra-run:${id}`;
const isLive = (r: RunRecord | undefined) => r?.status === 'running' || r?.status === 'paused';
const locks = (): LockManager | undefined =>
  typeof navigator === 'undefined' ? undefined : navigator.locks;

/** This tab's held locks: their release functions. */
const held = new Map<string, () => void>();
/** Other tabs' live runs this tab waits on. */
const watching = new Set<string>();

function hold(id: string) {
  const lm = locks();
  if (!lm || held.has(id)) return;
  const done = new Promise<void>((res) => held.set(id, res));
  lm.request(lockName(id), () => done).catch(() => held.delete(id));
}

function release(id: string) {
  held.get(id)?.();
  held.delete(id);
}

/** The run's tab is gone (its lock is free): a run still shown live is shown stopped. */
function ended(id: string) {
  watching.delete(id);
  if (held.has(id) || useTrainingStore.getState().runIds.includes(id)) return;
  const lib = useLibraryStore.getState();
  const e = lib.entries[id];
  if (!e || !isLive(e.record)) return;
  useLibraryStore.setState({
    entries: { ...lib.entries, [id]: { ...e, record: { ...e.record, status: 'stopped' } } },
  });
}

async function watch(id: string) {
  const lm = locks();
  if (!lm || watching.has(id)) return;
  watching.add(id);
  try {
    const { held: now = [] } = await lm.query();
    // Not held: its tab went before this one looked. Held: wait until the browser frees it.
    if (now.some((l) => l.name === lockName(id))) await lm.request(lockName(id), () => {});
  } catch {
    watching.delete(id);
    return;
  }
  ended(id);
}

function sync() {
  const mine = new Set(useTrainingStore.getState().runIds);
  const { entries } = useLibraryStore.getState();
  for (const id of mine) if (isLive(entries[id]?.record)) hold(id);
  for (const id of [...held.keys()]) if (!mine.has(id) || !isLive(entries[id]?.record)) release(id);
  for (const e of Object.values(entries)) {
    if (!mine.has(e.id) && isLive(e.record)) void watch(e.id);
  }
}

let installed = false;

/** Keeps the locks in step with the stores (installed once with the page lifecycle). */
export function installRunLocks(): void {
  if (installed || !locks()) return;
  installed = true;
  useLibraryStore.subscribe(sync);
  useTrainingStore.subscribe(sync);
}
