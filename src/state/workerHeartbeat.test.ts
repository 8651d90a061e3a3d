import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useDatasetStore } from './datasetStore';
import { useTrainingStore } from './trainingStore';
import { createHeartbeat } from './workerHeartbeat';

describe('worker heartbeat', () => {
  let t = 0;
  let pings: number[] = [];
  let stalls: string[] = [];
  const times = { intervalMs: 1_000, answerMs: 10_000, progressMs: 30_000 };
  const make = () =>
    createHeartbeat(
      (m) => {
        pings.push(m.seq);
        return true;
      },
      (message) => stalls.push(message),
      () => t,
    );
  const advance = (ms: number) => {
    for (let i = 0; i < ms / 1000; i++) {
      t += 1000;
      vi.advanceTimersByTime(1000);
    }
  };

  beforeEach(() => {
    vi.useFakeTimers();
    t = 0;
    pings = [];
    stalls = [];
    useTrainingStore.setState({ workerState: 'ready', phase: 'running', alerts: [] });
    useDatasetStore.setState({ task: null });
  });
  afterEach(() => vi.useRealTimers());

  it('a worker that answers and steps is never reported', () => {
    const hb = make();
    hb.start(times);
    for (let s = 1; s <= 60; s++) {
      advance(1000);
      hb.onPong({ type: 'pong', seq: pings.at(-1) ?? 0, step: s, paused: false });
    }
    expect(pings.length).toBeGreaterThan(30);
    expect(stalls).toEqual([]);
    hb.stop();
  });

  it('a worker that stops answering is reported once, after answerMs', () => {
    const hb = make();
    hb.start(times);
    advance(1000);
    hb.onPong({ type: 'pong', seq: pings.at(-1) ?? 0, step: 1, paused: false });
    advance(9_000);
    expect(stalls).toEqual([]);
    advance(5_000);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatch(/has not answered/);
    advance(20_000);
    expect(stalls).toHaveLength(1);
    hb.stop();
  });

  it('a worker that answers but makes no step while running is reported (a stuck read)', () => {
    const hb = make();
    hb.start(times);
    for (let i = 0; i < 40; i++) {
      advance(1000);
      hb.onPong({ type: 'pong', seq: pings.at(-1) ?? 0, step: 7, paused: false });
    }
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatch(/no progress .* step 7/);
    // Pings go on after the report: their answers are what can clear it.
    const sent = pings.length;
    advance(1000);
    hb.onPong({ type: 'pong', seq: pings.at(-1) ?? 0, step: 7, paused: false });
    advance(1000);
    expect(pings.length).toBeGreaterThan(sent);
    // It steps again: the alert goes (a very long step, not a hang).
    useTrainingStore
      .getState()
      .pushAlert({ id: 'worker:stalled', level: 'error', title: 'x', message: '' });
    hb.onPong({ type: 'pong', seq: pings.at(-1) ?? 0, step: 8, paused: false });
    expect(useTrainingStore.getState().alerts).toEqual([]);
    hb.stop();
  });

  it('paused, idle or parsing a dataset: no step is expected', () => {
    const hb = make();
    hb.start(times);
    useTrainingStore.setState({ phase: 'paused' });
    for (let i = 0; i < 40; i++) {
      advance(1000);
      hb.onPong({ type: 'pong', seq: pings.at(-1) ?? 0, step: 7, paused: true });
    }
    useTrainingStore.setState({ phase: 'idle' });
    advance(60_000); // no pong at all: an idle worker is not watched
    useTrainingStore.setState({ phase: 'starting' });
    useDatasetStore.setState({
      task: { kind: 'parse', id: 'kmnist', task: 'Parsing', done: 0, total: 0 },
    });
    advance(60_000);
    expect(stalls).toEqual([]);
    hb.stop();
  });
});
