import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CPU_INFO, FakeWorker, fakeRun } from '../../test/fakeWorker';
import { DEFAULT_CONFIG } from '../engine/config';
import type { ToWorker } from '../protocol';
import { useConfigStore } from './configStore';
import { changeLive, flushLive } from './liveChanges';
import { SLIDER_PATCH_MS, TYPED_PATCH_MS } from './livePatches';
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
});
