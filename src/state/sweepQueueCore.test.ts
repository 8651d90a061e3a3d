/**
 * The sweep queue's logic with a fake start function and a fake session: one run after another,
 * resume after a reload (the interrupted run again from the start, finished ones skipped),
 * cancel one, cancel all, pause/resume, a Reset, a refused start, a run by hand in the way.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../engine/config';
import type { RunRecord, RunStatus } from '../engine/runRecord';
import type { GridRun } from '../reproduce/grid';
import {
  createSweepQueue,
  parseSnapshot,
  type QueueSnapshot,
  type SessionView,
  type SweepItem,
} from './sweepQueueCore';

const gridRun = (method: 'vanilla' | 'itra-c', seed: number): GridRun => ({
  key: `${method}-${seed}`,
  groupKey: method,
  coords: { method, ...(method === 'itra-c' ? { lambda: 0.8 } : {}), seed },
  config: { ...DEFAULT_CONFIG, method, seed, maxSteps: 8 },
});
const RUNS = [gridRun('vanilla', 1), gridRun('vanilla', 2), gridRun('itra-c', 1)];

const tick = () => new Promise((r) => setTimeout(r, 0));

function harness(
  opts: {
    initial?: QueueSnapshot;
    library?: Record<string, RunStatus>;
    accept?: (item: SweepItem) => boolean;
  } = {},
) {
  const session: SessionView = { phase: 'idle', runIds: [], workerState: 'ready' };
  const started: string[] = [];
  const saved: (QueueSnapshot | null)[] = [];
  const deferred: (() => void)[] = [];
  let stops = 0;
  let ids = 0;
  const store = createSweepQueue({
    start: async (item) => {
      if (opts.accept && !opts.accept(item)) return false;
      started.push(item.runId);
      session.phase = 'starting';
      return true;
    },
    stop: () => {
      stops++;
      session.phase = 'idle';
      session.runIds = [];
    },
    session: () => session,
    recordStatus: (id) => opts.library?.[id],
    libraryReady: () => true,
    load: () => opts.initial ?? null,
    save: (s) => saved.push(s),
    newId: () => `id${++ids}`,
    now: () => new Date('2026-12-01T00:00:00Z'),
    defer: (f) => deferred.push(f),
  });
  const q = store.getState;
  const runDeferred = () => {
    while (deferred.length) deferred.shift()!();
  };
  /** The worker's 'started' for the run just sent. */
  const workerStarts = () => {
    const id = started.at(-1)!;
    session.runIds = [id];
    session.phase = 'running';
    q().handleSession();
  };
  /** The worker's 'finished' for the session's run. */
  const workerEnds = (status: RunStatus, id = session.runIds[0] ?? started.at(-1)!) => {
    if (session.runIds.includes(id)) session.phase = 'finished';
    q().handleFinished([{ id, status } as RunRecord]);
    q().handleSession();
    runDeferred();
  };
  const states = () => q().items.map((i) => i.state);
  return {
    store,
    q,
    session,
    started,
    saved,
    stops: () => stops,
    workerStarts,
    workerEnds,
    states,
    runDeferred,
  };
}

describe('sweep queue', () => {
  it('runs the queued runs one after another, carrying their sweep coordinates', async () => {
    const h = harness();
    const sweepId = h.q().enqueue(RUNS, '3 runs');
    await tick();
    expect(h.started).toEqual(['id2']);
    expect(h.states()).toEqual(['starting', 'waiting', 'waiting']);
    h.workerStarts();
    expect(h.states()).toEqual(['running', 'waiting', 'waiting']);
    h.workerEnds('completed');
    await tick();
    expect(h.started).toEqual(['id2', 'id3']);
    h.workerStarts();
    h.workerEnds('diverged');
    await tick();
    h.workerStarts();
    h.workerEnds('completed');
    await tick();
    expect(h.started).toEqual(['id2', 'id3', 'id4']);
    expect(h.q().items.map((i) => [i.state, i.status])).toEqual([
      ['done', 'completed'],
      ['done', 'diverged'],
      ['done', 'completed'],
    ]);
    const item = h.q().items[2]!;
    expect(item).toMatchObject({ sweepId, coords: { method: 'itra-c', lambda: 0.8, seed: 1 } });
    expect(item.name).toBe('sweep id1: itra-c λ0.8 · fmnist · small · seed 1');
    // Persisted at every change; the last snapshot has every run done.
    expect(h.saved.at(-1)?.items.map((i) => i.state)).toEqual(['done', 'done', 'done']);
  });

  it('resumes after a reload: the interrupted run again from the start, finished ones not rerun', async () => {
    const first = harness();
    first.q().enqueue([...RUNS, gridRun('itra-c', 2)], '4 runs');
    await tick();
    first.workerStarts();
    first.workerEnds('completed');
    await tick();
    first.workerStarts(); // id3 is running when the page goes away
    const snapshot = first.saved.at(-1)!;
    expect(snapshot.items.map((i) => i.state)).toEqual(['done', 'running', 'waiting', 'waiting']);
    // The library has id5 as completed (say its end was saved, the queue's was not).
    const stored = parseSnapshot(JSON.stringify(snapshot));
    const h = harness({ initial: stored!, library: { id2: 'completed', id5: 'completed' } });
    expect(h.states()).toEqual(['done', 'waiting', 'waiting', 'waiting']);
    expect(h.q().notice).toMatch(/runs again from the start/);
    h.q().tick();
    await tick();
    expect(h.started).toEqual(['id3']); // same run id: its partial record is replaced
    h.workerStarts();
    h.workerEnds('completed');
    await tick();
    expect(h.started).toEqual(['id3', 'id4']);
    h.workerStarts();
    h.workerEnds('completed');
    await tick();
    expect(h.started).toEqual(['id3', 'id4']); // id5 is in the library: done, not rerun
    expect(h.states()).toEqual(['done', 'done', 'done', 'done']);
  });

  it('cancels a waiting run, the running one (stopped, then the next), and all', async () => {
    const h = harness();
    h.q().enqueue([...RUNS, gridRun('itra-c', 2)], '4 runs');
    await tick();
    h.workerStarts();
    h.q().cancel('id3');
    expect(h.states()).toEqual(['running', 'cancelled', 'waiting', 'waiting']);
    h.q().cancel('id2');
    expect(h.stops()).toBe(1);
    h.workerEnds('stopped', 'id2');
    await tick();
    expect(h.states()).toEqual(['cancelled', 'cancelled', 'starting', 'waiting']);
    expect(h.started).toEqual(['id2', 'id4']);
    h.workerStarts();
    h.q().cancelAll();
    expect(h.stops()).toBe(2);
    h.workerEnds('stopped', 'id4');
    await tick();
    expect(h.states()).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(h.started).toEqual(['id2', 'id4']);
    h.q().clearFinished();
    expect(h.q().items).toEqual([]);
    expect(h.q().sweeps).toEqual([]);
    expect(h.saved.at(-1)).toBeNull();
  });

  it('pause stops the run in progress; resume runs it again from the start', async () => {
    const h = harness();
    h.q().enqueue(RUNS, '3 runs');
    await tick();
    h.workerStarts();
    h.q().pause();
    expect(h.stops()).toBe(1);
    h.workerEnds('stopped', 'id2');
    await tick();
    expect(h.states()).toEqual(['waiting', 'waiting', 'waiting']);
    expect(h.q().paused).toBe(true);
    expect(h.started).toEqual(['id2']);
    h.q().resume();
    await tick();
    expect(h.started).toEqual(['id2', 'id2']);
  });

  it('a Reset of the sweep run pauses the sweep, with a message', async () => {
    const h = harness();
    h.q().enqueue(RUNS, '3 runs');
    await tick();
    h.workerStarts();
    h.session.phase = 'idle'; // the user's Reset: no intent of the queue's
    h.session.runIds = [];
    h.q().handleSession();
    h.workerEnds('stopped', 'id2');
    await tick();
    expect(h.q().paused).toBe(true);
    expect(h.q().notice).toMatch(/stopped \(Reset\)/);
    expect(h.states()).toEqual(['waiting', 'waiting', 'waiting']);
  });

  it('a run that ends in an error is marked failed and pauses the sweep', async () => {
    const h = harness();
    h.q().enqueue(RUNS, '3 runs');
    await tick();
    h.workerStarts();
    h.workerEnds('error');
    await tick();
    expect(h.states()).toEqual(['failed', 'waiting', 'waiting']);
    expect(h.q().paused).toBe(true);
    h.q().resume();
    await tick();
    expect(h.started).toEqual(['id2', 'id3']);
  });

  it('a refused start pauses the sweep (sent or not), the run waiting', async () => {
    const h = harness({ accept: () => false });
    h.q().enqueue(RUNS, '3 runs');
    await tick();
    expect(h.q().paused).toBe(true);
    expect(h.q().notice).toMatch(/could not start/);
    expect(h.states()).toEqual(['waiting', 'waiting', 'waiting']);

    const w = harness();
    w.q().enqueue(RUNS, '3 runs');
    await tick();
    w.session.phase = 'idle'; // the worker answered with an error
    w.q().handleSession();
    expect(w.q().paused).toBe(true);
    expect(w.states()).toEqual(['waiting', 'waiting', 'waiting']);
  });

  it('waits for a run started by hand to end, then starts', async () => {
    const h = harness();
    h.session.phase = 'running';
    h.session.runIds = ['by-hand'];
    h.q().handleSession();
    h.q().enqueue(RUNS, '3 runs');
    await tick();
    expect(h.started).toEqual([]);
    expect(h.q().notice).toMatch(/not part of the sweep/);
    h.session.phase = 'finished';
    h.q().handleSession();
    await tick();
    // The worker has not said it finished yet.
    expect(h.started).toEqual([]);
    h.q().handleFinished([{ id: 'by-hand', status: 'completed' } as RunRecord]);
    h.runDeferred();
    await tick();
    expect(h.started).toEqual(['id2']);
  });

  it('after a Reset of a run by hand, waits for the worker to finish it before starting', async () => {
    const h = harness();
    h.session.phase = 'running';
    h.session.runIds = ['by-hand'];
    h.q().handleSession();
    h.q().enqueue(RUNS, '3 runs');
    h.session.phase = 'idle'; // Reset: the page is idle at once, the worker is still stopping
    h.session.runIds = [];
    h.q().handleSession();
    await tick();
    expect(h.started).toEqual([]);
    expect(h.q().notice).toMatch(/stopped run to end/);
    h.q().handleFinished([{ id: 'by-hand', status: 'stopped' } as RunRecord]);
    h.runDeferred();
    await tick();
    expect(h.started).toEqual(['id2']);
    expect(h.q().notice).toBeNull();
  });

  it('a worker crash pauses the sweep; the run goes back to waiting', async () => {
    const h = harness();
    h.q().enqueue(RUNS, '3 runs');
    await tick();
    h.workerStarts();
    h.session.workerState = 'crashed';
    h.q().handleSession();
    expect(h.q().paused).toBe(true);
    expect(h.states()).toEqual(['waiting', 'waiting', 'waiting']);
  });
});

describe('snapshot', () => {
  it('drops what it cannot read', () => {
    expect(parseSnapshot(null)).toBeNull();
    expect(parseSnapshot('{')).toBeNull();
    expect(parseSnapshot('{"version":2}')).toBeNull();
    expect(
      parseSnapshot(
        JSON.stringify({ version: 1, paused: false, sweeps: [], items: [{ runId: 'x' }] }),
      ),
    ).toBeNull();
  });
});
