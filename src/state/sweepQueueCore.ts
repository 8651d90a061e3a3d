/**
 * The sweep queue, without the app around it: queued runs (each an ordinary single run whose
 * start request carries its sweep id and coordinates), one at a time, persisted so a reload
 * resumes where it stopped. Everything outside (starting a run, stopping it, the library, the
 * storage) comes in as `QueueDeps`, so the logic is tested in Node with fakes.
 *
 * Resume rules: a run that was starting or running when the page went away runs again from
 * the start (under the same run id, so its partial record is replaced, not doubled); a waiting
 * run whose record the library already has as finished (completed or diverged) is marked done
 * and not rerun.
 */
import { z } from 'zod';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { type TrainConfig, trainConfigSchema } from '../engine/config';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../engine/runRecord';
import type { Coords, GridRun } from '../reproduce/grid';
import type { SessionPhase } from './trainingStore';

export type ItemState = 'waiting' | 'starting' | 'running' | 'done' | 'cancelled' | 'failed';

export interface SweepItem {
  runId: string;
  sweepId: string;
  /** The grid's key of the run (unique within its sweep). */
  key: string;
  coords: Coords;
  config: TrainConfig;
  name: string;
  state: ItemState;
  /** The record's status when it ended. */
  status?: RunStatus;
}

export interface SweepMeta {
  id: string;
  label: string;
  createdAt: string;
}

/** What is kept across reloads. */
export interface QueueSnapshot {
  version: 1;
  paused: boolean;
  sweeps: SweepMeta[];
  items: SweepItem[];
}

const coordValue = z.union([z.string(), z.number(), z.boolean()]);
export const snapshotSchema = z.object({
  version: z.literal(1),
  paused: z.boolean(),
  sweeps: z.array(z.object({ id: z.string(), label: z.string(), createdAt: z.string() })),
  items: z.array(
    z.object({
      runId: z.string().min(1),
      sweepId: z.string().min(1),
      key: z.string(),
      coords: z.record(z.string(), coordValue),
      config: trainConfigSchema,
      name: z.string(),
      state: z.enum(['waiting', 'starting', 'running', 'done', 'cancelled', 'failed']),
      status: z.enum(RUN_STATUSES).optional(),
    }),
  ),
});

/** A stored snapshot, or null when absent or unreadable (a bad one is dropped, not fatal). */
export function parseSnapshot(text: string | null): QueueSnapshot | null {
  if (!text) return null;
  try {
    const r = snapshotSchema.safeParse(JSON.parse(text));
    return r.success ? (r.data as QueueSnapshot) : null;
  } catch {
    return null;
  }
}

/** What the queue sees of the session (src/state/sessionStore.ts). */
export interface SessionView {
  phase: SessionPhase;
  runIds: readonly string[];
  workerState: 'starting' | 'ready' | 'failed' | 'crashed';
}

export interface QueueDeps {
  /** Starts one run; resolves true once the start was sent to the worker. */
  start(item: SweepItem): Promise<boolean>;
  /** Stops the run in progress (the session's Reset). */
  stop(): void;
  session(): SessionView;
  /** The status of a run the library holds, if it holds it. */
  recordStatus(runId: string): RunStatus | undefined;
  /** Whether the library has loaded (resuming needs it, to skip finished runs). */
  libraryReady(): boolean;
  load(): QueueSnapshot | null;
  save(s: QueueSnapshot | null): void;
  newId(): string;
  now(): Date;
  /** Runs `f` after the current message is handled (setTimeout 0 in the app). */
  defer(f: () => void): void;
}

export interface QueueState {
  sweeps: SweepMeta[];
  items: SweepItem[];
  paused: boolean;
  /** What the queue is waiting for, or why it paused. */
  notice: string | null;
  /** Queues a sweep's runs (after any already queued); returns the sweep id. */
  enqueue(runs: readonly GridRun[], label: string): string;
  cancel(runId: string): void;
  cancelAll(): void;
  /** Stops the run in progress (it runs again from the start on resume) and starts no more. */
  pause(): void;
  resume(): void;
  /** Drops finished, cancelled and failed runs from the list (their records stay). */
  clearFinished(): void;
  /** The worker ended a session (its final records). */
  handleFinished(runs: readonly RunRecord[]): void;
  /** The session store changed. */
  handleSession(): void;
  /** Starts the next waiting run if nothing is in the way. */
  tick(): void;
}

const ACTIVE: ItemState[] = ['starting', 'running'];
export const isActiveItem = (i: SweepItem) => ACTIVE.includes(i.state);
export const isPending = (i: SweepItem) => i.state === 'waiting' || isActiveItem(i);
const FINISHED: RunStatus[] = ['completed', 'diverged'];

export function runName(coords: Coords, config: TrainConfig, sweepId: string): string {
  const parts = [String(coords.method)];
  if (coords.lambda !== undefined) parts.push(`λ${coords.lambda}`);
  for (const [k, v] of Object.entries(coords)) {
    if (k !== 'method' && k !== 'lambda' && k !== 'seed') parts.push(`${k}=${v}`);
  }
  return `sweep ${sweepId.slice(0, 4)}: ${parts.join(' ')} · ${config.dataset} · ${config.model} · seed ${config.seed}`;
}

/** The snapshot after a reload: interrupted runs go back to waiting (to run from the start). */
export function resumedItems(items: readonly SweepItem[]): SweepItem[] {
  return items.map((i) => (isActiveItem(i) ? { ...i, state: 'waiting' as const } : i));
}

export function createSweepQueue(deps: QueueDeps): StoreApi<QueueState> {
  /** Why the run in progress is being stopped (set before deps.stop()). */
  let stopIntent: 'cancel' | 'pause' | null = null;
  /** The active item's start has been sent (a later return to idle means the worker refused). */
  let sent = false;
  /**
   * The runs of the session the worker last started, until it reports them finished: a Reset
   * returns the page to idle at once, but the worker takes the next start only after that.
   */
  let workerIds: readonly string[] = [];

  const initial = deps.load();
  const store = createStore<QueueState>()(() => ({
    sweeps: initial?.sweeps ?? [],
    items: resumedItems(initial?.items ?? []),
    paused: initial?.paused ?? false,
    notice:
      initial?.items.some(isActiveItem) && !initial.paused
        ? 'Resuming the sweep: the run interrupted by the reload runs again from the start.'
        : null,
    enqueue,
    cancel,
    cancelAll,
    pause,
    resume,
    clearFinished,
    handleFinished,
    handleSession,
    tick,
  }));
  const get = store.getState;

  function persist() {
    const { sweeps, items, paused } = get();
    deps.save(items.length ? { version: 1, paused, sweeps, items } : null);
  }

  function update(patch: Partial<QueueState>, save = true) {
    store.setState(patch);
    if (save) persist();
  }

  function setItem(runId: string, patch: Partial<SweepItem>) {
    update({ items: get().items.map((i) => (i.runId === runId ? { ...i, ...patch } : i)) });
  }

  const active = () => get().items.find(isActiveItem);

  function enqueue(runs: readonly GridRun[], label: string): string {
    const id = deps.newId();
    const items: SweepItem[] = runs.map((r) => ({
      runId: deps.newId(),
      sweepId: id,
      key: r.key,
      coords: r.coords,
      config: r.config,
      name: runName(r.coords, r.config, id),
      state: 'waiting',
    }));
    update({
      sweeps: [...get().sweeps, { id, label, createdAt: deps.now().toISOString() }],
      items: [...get().items, ...items],
      paused: false,
      notice: null,
    });
    tick();
    return id;
  }

  function stopActive(intent: 'cancel' | 'pause') {
    const a = active();
    if (!a) return;
    stopIntent = intent;
    if (a.state === 'running' || sent) deps.stop();
    else {
      // Not sent yet (the dataset may still be loading): stop it when it shows up.
      setItem(a.runId, { state: intent === 'cancel' ? 'cancelled' : 'waiting' });
      stopIntent = null;
      sent = false;
    }
  }

  function cancel(runId: string) {
    const item = get().items.find((i) => i.runId === runId);
    if (!item) return;
    if (item.state === 'waiting') setItem(runId, { state: 'cancelled' });
    else if (isActiveItem(item)) stopActive('cancel');
    deps.defer(tick);
  }

  function cancelAll() {
    update({
      items: get().items.map((i) => (i.state === 'waiting' ? { ...i, state: 'cancelled' } : i)),
      notice: null,
    });
    stopActive('cancel');
  }

  function pause() {
    update({
      paused: true,
      notice: 'Sweep on hold. Continue runs the rest, from where it stopped.',
    });
    stopActive('pause');
  }

  function resume() {
    update({ paused: false, notice: null });
    tick();
  }

  function clearFinished() {
    const items = get().items.filter(isPending);
    const ids = new Set(items.map((i) => i.sweepId));
    update({ items, sweeps: get().sweeps.filter((s) => ids.has(s.id)) });
  }

  function handleFinished(runs: readonly RunRecord[]) {
    if (runs.some((r) => workerIds.includes(r.id))) workerIds = [];
    const a = active();
    const rec = a && runs.find((r) => r.id === a.runId);
    if (!a || !rec) {
      deps.defer(tick);
      return;
    }
    const intent = stopIntent;
    stopIntent = null;
    sent = false;
    if (FINISHED.includes(rec.status)) {
      setItem(a.runId, { state: 'done', status: rec.status });
      if (get().notice?.startsWith('Resuming')) update({ notice: null });
    } else if (rec.status === 'stopped' && intent === 'cancel') {
      setItem(a.runId, { state: 'cancelled', status: rec.status });
    } else if (rec.status === 'stopped') {
      setItem(a.runId, { state: 'waiting', status: undefined });
      if (intent !== 'pause') {
        update({
          paused: true,
          notice:
            'Sweep on hold: its run was stopped (Reset). Continue runs it again from the start.',
        });
      }
    } else {
      setItem(a.runId, { state: 'failed', status: rec.status });
      update({
        paused: true,
        notice: `Sweep on hold: ${a.name} ended with an error (see the alert). Continue goes on with the next run.`,
      });
    }
    deps.defer(tick);
  }

  function handleSession() {
    const s = deps.session();
    const a = active();
    if (s.runIds.length && (s.phase === 'running' || s.phase === 'paused')) workerIds = s.runIds;
    if (s.workerState !== 'ready') workerIds = [];
    // A run cancelled before its start was sent, that started anyway: stop it.
    const stray = get().items.find((i) => i.state === 'cancelled' && s.runIds.includes(i.runId));
    if (stray && (s.phase === 'running' || s.phase === 'paused')) deps.stop();
    if (a) {
      if (s.workerState === 'crashed' || s.workerState === 'failed') {
        stopIntent = null;
        sent = false;
        setItem(a.runId, { state: 'waiting' });
        update({
          paused: true,
          notice:
            'Sweep on hold: the training worker stopped. Continue runs the interrupted run again from the start.',
        });
        return;
      }
      if (a.state === 'starting' && s.runIds.includes(a.runId)) {
        setItem(a.runId, { state: 'running' });
      } else if (a.state === 'starting' && sent && s.phase === 'idle') {
        sent = false;
        setItem(a.runId, { state: 'waiting' });
        update({
          paused: true,
          notice: `Sweep on hold: ${a.name} could not start (see the alert). Continue tries again.`,
        });
      }
      return;
    }
    if (s.phase !== 'starting') tick();
  }

  function tick() {
    const st = get();
    if (st.paused || active() || !st.items.some((i) => i.state === 'waiting')) return;
    if (!deps.libraryReady()) return;
    const s = deps.session();
    if (s.workerState === 'failed') return;
    if (
      s.phase === 'starting' ||
      s.phase === 'running' ||
      s.phase === 'paused' ||
      workerIds.length
    ) {
      const note = workerIds.some((id) => !s.runIds.includes(id))
        ? 'Waiting for the stopped run to end…'
        : 'Waiting for the run in progress to end: it is not part of the sweep (Reset ends it).';
      if (st.notice !== note) update({ notice: note }, false);
      return;
    }
    // Runs the library already has as finished are not run again (a reload after the end).
    const items = st.items.map((i) => {
      const status = i.state === 'waiting' ? deps.recordStatus(i.runId) : undefined;
      return status && FINISHED.includes(status) ? { ...i, state: 'done' as const, status } : i;
    });
    const next = items.find((i) => i.state === 'waiting');
    if (!next) {
      update({ items, notice: null });
      return;
    }
    sent = false;
    stopIntent = null;
    update({
      items: items.map((i) => (i === next ? { ...i, state: 'starting' } : i)),
      notice: st.notice?.startsWith('Waiting') ? null : st.notice,
    });
    const runId = next.runId;
    deps.start({ ...next, state: 'starting' }).then(
      (ok) => onStartSent(runId, ok),
      () => onStartSent(runId, false),
    );
  }

  function onStartSent(runId: string, ok: boolean) {
    const a = active();
    if (!a || a.runId !== runId) return;
    if (ok) {
      sent = true;
      handleSession();
      return;
    }
    setItem(runId, { state: 'waiting' });
    update({
      paused: true,
      notice: `Sweep on hold: ${a.name} could not start (see the alert). Continue tries again.`,
    });
  }

  return store;
}
