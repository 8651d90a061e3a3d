import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CPU_INFO, FakeWorker, fakeRun } from '../../test/fakeWorker';
import { DEFAULT_CONFIG } from '../engine/config';
import type { ToWorker } from '../protocol';
import { useConfigStore } from './configStore';
import { changeLive, flushLive, SLIDER_PATCH_MS, TYPED_PATCH_MS } from './liveChanges';
import { sweepHooks } from './sweepHooks';
import { useTrainingStore } from './trainingStore';
import { workerLink } from './workerLink';
import { onWorkerMessage } from './workerReplies';

// The app's own link, on a fake worker: the default factory constructs the global Worker.
vi.stubGlobal('Worker', FakeWorker);

const patches = (): ToWorker[] => FakeWorker.latest.sent('patch');

describe('live changes', () => {
  beforeAll(async () => {
    workerLink.onMessage(onWorkerMessage);
    const ready = workerLink.start();
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await ready;
  });
  // Each test a minute after the last: the pacers (one per setting, kept by the app) start fresh.
  let now = Date.now();
  beforeEach(() => {
    now += 60_000;
    vi.useFakeTimers({ now });
    useConfigStore.setState({
      config: { ...DEFAULT_CONFIG, method: 'itra', lambda: 1 },
      twin: { ...useConfigStore.getState().twin, enabled: false },
    });
    FakeWorker.latest.posted.length = 0;
    sweepHooks.livePatches = () => true;
  });
  afterEach(() => {
    flushLive();
    useTrainingStore.setState({ phase: 'idle', runIds: [] });
    vi.useRealTimers();
  });

  const startSession = (...runs: ReturnType<typeof fakeRun>[]) =>
    FakeWorker.latest.reply({ type: 'started', runs });

  it('changes the settings but sends nothing while no session runs', () => {
    changeLive({ lambda: 2 });
    expect(useConfigStore.getState().config.lambda).toBe(2);
    flushLive();
    expect(patches()).toEqual([]);
  });

  it('sends a λ drag paced, ending on the value let go at, to the only run', () => {
    startSession(fakeRun('r1'));
    changeLive({ lambda: 2 });
    changeLive({ lambda: 3 });
    changeLive({ lambda: 4 });
    expect(patches()).toEqual([{ type: 'patch', patch: { lambda: 2 } }]);
    vi.advanceTimersByTime(SLIDER_PATCH_MS);
    expect(patches()).toEqual([
      { type: 'patch', patch: { lambda: 2 } },
      { type: 'patch', patch: { lambda: 4 } },
    ]);
  });

  it('targets side A from the main controls of a twin pair, side B from its own, lr both', () => {
    startSession(fakeRun('a', { twin: 'A' }), fakeRun('b', { twin: 'B' }));
    changeLive({ lambda: 2 });
    changeLive({ lambda: 5 }, 'B');
    expect(useConfigStore.getState().twin.lambda).toBe(5);
    changeLive({ lr: 0.05 });
    vi.advanceTimersByTime(TYPED_PATCH_MS);
    expect(patches()).toEqual([
      { type: 'patch', patch: { lambda: 2 }, side: 'A' },
      { type: 'patch', patch: { lambda: 5 }, side: 'B' },
      { type: 'patch', patch: { lr: 0.05 } },
    ]);
  });

  it('sends nothing invalid: the settings keep the value, the worker never sees it', () => {
    startSession(fakeRun('r1'));
    changeLive({ lambda: -1 });
    expect(useConfigStore.getState().config.lambda).toBe(-1);
    flushLive();
    expect(patches()).toEqual([]);
  });

  it('checks the patched setting only: λ goes through while another field is mid-edit', () => {
    startSession(fakeRun('r1'));
    useConfigStore.getState().setConfig({ batchSize: 0 }); // not a live setting; the run keeps its own
    changeLive({ lambda: 2 });
    expect(patches()).toEqual([{ type: 'patch', patch: { lambda: 2 } }]);
  });

  it('sends nothing to a sweep run, which keeps the settings it was queued with', () => {
    startSession(fakeRun('r1'));
    sweepHooks.livePatches = () => false;
    changeLive({ method: 'vanilla' });
    expect(patches()).toEqual([]);
  });

  it('drops a patch still pending when the session ends', () => {
    startSession(fakeRun('r1'));
    changeLive({ lr: 0.02 });
    useTrainingStore.setState({ phase: 'idle' });
    vi.advanceTimersByTime(TYPED_PATCH_MS);
    expect(patches()).toEqual([]);
  });

  // The pacing (once throttle.ts and livePatches.ts, now inside liveChanges.ts).
  it('sends at most 5 λ patches a second during a 2 s drag and always ends on the final value', () => {
    startSession(fakeRun('r1'));
    let v = 0;
    for (let ms = 0; ms < 2000; ms += 16) {
      v = Math.round(ms / 16) / 100;
      changeLive({ lambda: v });
      vi.advanceTimersByTime(16);
    }
    vi.advanceTimersByTime(500);
    expect(patches().length).toBeLessThanOrEqual(11);
    expect(patches().at(-1)).toEqual({ type: 'patch', patch: { lambda: v } });
  });

  it('flush sends a pending λ now; the session ending drops it', () => {
    startSession(fakeRun('r1'));
    changeLive({ lambda: 1 });
    changeLive({ lambda: 2 });
    flushLive();
    expect(patches()).toEqual([
      { type: 'patch', patch: { lambda: 1 } },
      { type: 'patch', patch: { lambda: 2 } },
    ]);
    changeLive({ lambda: 3 });
    useTrainingStore.setState({ phase: 'idle' });
    vi.advanceTimersByTime(1000);
    expect(patches()).toHaveLength(2);
  });

  it('sends only the last learning rate once typing pauses', () => {
    startSession(fakeRun('r1'));
    changeLive({ lr: 0.001 });
    vi.advanceTimersByTime(200);
    changeLive({ lr: 0.005 });
    vi.advanceTimersByTime(TYPED_PATCH_MS - 1);
    expect(patches()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(patches()).toEqual([{ type: 'patch', patch: { lr: 0.005 } }]);
    changeLive({ lr: 0.1 });
    flushLive();
    expect(patches()).toEqual([
      { type: 'patch', patch: { lr: 0.005 } },
      { type: 'patch', patch: { lr: 0.1 } },
    ]);
  });

  it('throttles λ_gini and λ_kl like λ, each on its own, ending on the last values', () => {
    startSession(fakeRun('a', { twin: 'A' }), fakeRun('b', { twin: 'B' }));
    changeLive({ lambdaGini: 0.6 });
    changeLive({ lambdaKl: 0.7 });
    changeLive({ lambdaGini: 0.8 });
    changeLive({ lambdaKl: 0.9 });
    // The first of each at once; neither pending value replaced the other's.
    expect(patches()).toEqual([
      { type: 'patch', patch: { lambdaGini: 0.6 }, side: 'A' },
      { type: 'patch', patch: { lambdaKl: 0.7 }, side: 'A' },
    ]);
    vi.advanceTimersByTime(SLIDER_PATCH_MS);
    expect(patches().slice(2)).toEqual(
      expect.arrayContaining([
        { type: 'patch', patch: { lambdaGini: 0.8 }, side: 'A' },
        { type: 'patch', patch: { lambdaKl: 0.9 }, side: 'A' },
      ]),
    );
    expect(patches()).toHaveLength(4);
  });

  it('debounces weight decay like lr and sends it to both twin sides', () => {
    startSession(fakeRun('a', { twin: 'A' }), fakeRun('b', { twin: 'B' }));
    changeLive({ weightDecay: 0.0001 });
    changeLive({ lr: 0.005 });
    changeLive({ weightDecay: 0.0005 });
    expect(patches()).toEqual([]);
    vi.advanceTimersByTime(TYPED_PATCH_MS);
    expect(patches()).toEqual(
      expect.arrayContaining([
        { type: 'patch', patch: { weightDecay: 0.0005 } },
        { type: 'patch', patch: { lr: 0.005 } },
      ]),
    );
    expect(patches()).toHaveLength(2);
  });

  it('sends a method switch at once to its side, and flush delivers what is pending', () => {
    startSession(fakeRun('a', { twin: 'A' }), fakeRun('b', { twin: 'B' }));
    changeLive({ method: 'discern', lambdaGini: 1 }, 'B');
    expect(patches()).toEqual([
      { type: 'patch', patch: { lambdaGini: 1 }, side: 'B' },
      { type: 'patch', patch: { method: 'discern' }, side: 'B' },
    ]);
    changeLive({ lambdaGini: 1.5 }, 'B');
    changeLive({ weightDecay: 0.001 });
    flushLive();
    expect(patches().slice(2)).toEqual(
      expect.arrayContaining([
        { type: 'patch', patch: { lambdaGini: 1.5 }, side: 'B' },
        { type: 'patch', patch: { weightDecay: 0.001 } },
      ]),
    );
    vi.advanceTimersByTime(1000);
    expect(patches()).toHaveLength(4);
  });
});
