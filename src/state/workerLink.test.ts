import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CPU_INFO, FakeWorker } from '../../test/fakeWorker';
import { useTrainingStore } from './trainingStore';
import { createWorkerLink, HandledError, READY_TIMEOUT_MS, type WorkerLink } from './workerLink';

describe('worker link', () => {
  let link: WorkerLink;
  beforeEach(() => {
    FakeWorker.all = [];
    useTrainingStore.setState({ workerState: 'starting', backend: null, alerts: [] });
    link = createWorkerLink(() => new FakeWorker().asWorker());
    // The replies the app routes back (workerReplies.ts), as the link needs them.
    link.onMessage((m) => {
      if (m.type === 'ready') link.readyArrived(m.info);
      if (m.type === 'dataset-loaded') link.datasetArrived();
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts a worker, asks it to init, and is ready on its reply', async () => {
    const ready = link.start();
    expect(useTrainingStore.getState().workerState).toBe('starting');
    expect(FakeWorker.latest.sent('init')).toHaveLength(1);
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await ready;
    expect(useTrainingStore.getState()).toMatchObject({ workerState: 'ready', backend: CPU_INFO });
    // Ready and alive: no second worker.
    await link.ensureReady();
    expect(FakeWorker.all).toHaveLength(1);
  });

  it('shares one start between callers that wait while the worker starts', async () => {
    link.start();
    const a = link.ensureReady();
    const b = link.ensureReady();
    expect(FakeWorker.all).toHaveLength(1);
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await Promise.all([a, b]);
  });

  it('starts a fresh worker after a crash, and fails the waits of the dead one', async () => {
    link.onCrash((info) => {
      useTrainingStore.setState({ workerState: 'crashed' });
      link.failAll(info.message);
    });
    const first = link.start();
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await first;
    const dataset = link.expectDataset();
    FakeWorker.latest.crash('out of memory');
    await expect(dataset).rejects.toThrow(HandledError);
    expect(FakeWorker.all[0].terminated).toBe(true);
    expect(link.alive).toBe(false);
    const again = link.ensureReady();
    expect(FakeWorker.all).toHaveLength(2);
    expect(FakeWorker.latest.sent('init')).toHaveLength(1);
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await again;
    expect(link.alive).toBe(true);
  });

  it('ignores what a replaced worker still says', async () => {
    link.start();
    const old = FakeWorker.latest;
    const ready = link.start(); // restarted before the first answered
    expect(old.terminated).toBe(true);
    old.reply({ type: 'ready', info: CPU_INFO });
    expect(useTrainingStore.getState().workerState).toBe('starting');
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await ready;
    expect(useTrainingStore.getState().workerState).toBe('ready');
  });

  it('refuses to start again once no backend could start', async () => {
    useTrainingStore.setState({ workerState: 'failed' });
    await expect(link.ensureReady()).rejects.toThrow('no backend');
    expect(FakeWorker.all).toHaveLength(0);
  });

  it('resolves a dataset wait on its reply; a newer wait supersedes an older one', async () => {
    const ready = link.start();
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await ready;
    const older = link.expectDataset();
    const newer = link.expectDataset();
    await expect(older).rejects.toThrow('superseded');
    link.datasetFailed('bad file');
    await expect(newer).rejects.toThrow('bad file');
    const third = link.expectDataset();
    FakeWorker.latest.reply({
      type: 'dataset-loaded',
      id: 'kmnist',
      trainSize: 1,
      testSize: 1,
      split: 'official',
      samples: { perClass: 0, height: 28, width: 28, channels: 1, images: new Uint8Array() },
    });
    await third;
  });

  it('warns when the worker has not answered in time, and takes the warning back on ready', async () => {
    vi.useFakeTimers();
    const ready = link.start();
    vi.advanceTimersByTime(READY_TIMEOUT_MS);
    expect(useTrainingStore.getState().alerts.map((a) => a.id)).toEqual(['worker:slow-start']);
    FakeWorker.latest.reply({ type: 'ready', info: CPU_INFO });
    await ready;
    expect(useTrainingStore.getState().alerts).toEqual([]);
  });

  it('reports a worker that cannot be created as a load failure', async () => {
    const broken = createWorkerLink(() => {
      throw new Error('no module workers');
    });
    const crashes: string[] = [];
    broken.onCrash((c) => {
      crashes.push(`${c.kind}: ${c.message}`);
      broken.failAll(c.message);
    });
    await expect(broken.start()).rejects.toThrow('no module workers');
    expect(crashes).toEqual(['load: no module workers']);
  });
});
