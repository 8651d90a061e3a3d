import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CPU_INFO, FakeWorker, fakeRun } from '../../test/fakeWorker';
import { vanillaPoint } from '../../test/recordFixture';
import { useLibraryStore } from './runsLibrary';
import { reset } from './session';
import { flush } from './streamFlush';
import { useTrainingStore } from './trainingStore';
import { workerLink } from './workerLink';
import { onWorkerCrash, onWorkerMessage } from './workerReplies';

vi.stubGlobal('Worker', FakeWorker);

const pt = (step: number) => vanillaPoint(step, { epoch: 0 });

const record = (id: string) => useLibraryStore.getState().entries[id]?.record;
const worker = () => FakeWorker.latest;

describe('worker replies', () => {
  beforeAll(async () => {
    workerLink.onMessage(onWorkerMessage);
    workerLink.onCrash(onWorkerCrash);
    const ready = workerLink.start();
    worker().reply({ type: 'ready', info: CPU_INFO });
    await ready;
  });
  afterEach(() => {
    reset();
    useTrainingStore.setState({ alerts: [] });
  });

  it('keeps the live runs in the runs library only: streamed points land there', () => {
    worker().reply({ type: 'started', runs: [fakeRun('s1')] });
    expect(useTrainingStore.getState()).toMatchObject({ runIds: ['s1'], phase: 'running' });
    expect(useTrainingStore.getState()).not.toHaveProperty('runs');
    worker().reply({ type: 'points', runId: 's1', points: [pt(10)] });
    worker().reply({ type: 'points', runId: 's1', points: [pt(20)] });
    expect(record('s1')?.points).toEqual([]); // queued until the flush
    flush();
    expect(record('s1')?.points.map((p) => p.step)).toEqual([10, 20]);
    expect(record('s1')?.steps).toBe(20);
    // The user's rename during training survives the stream.
    useLibraryStore.getState().rename('s1', 'mine');
    worker().reply({ type: 'points', runId: 's1', points: [pt(30)] });
    flush();
    expect(record('s1')).toMatchObject({ name: 'mine', steps: 30 });
  });

  it("builds a diverged run's alert from its event, once, and ends the session", () => {
    worker().reply({ type: 'started', runs: [fakeRun('d1')] });
    const detail =
      'The loss or the parameters became NaN or infinite at step 7 (learning rate 1000000).';
    const ev = { kind: 'diverged' as const, step: 7, detail };
    worker().reply({ type: 'events', runId: 'd1', events: [ev] });
    worker().reply({ type: 'status', runId: 'd1', status: 'diverged', step: 7 });
    flush();
    expect(record('d1')).toMatchObject({ status: 'diverged', events: [ev] });
    worker().reply({
      type: 'finished',
      runs: [{ ...fakeRun('d1'), status: 'diverged', events: [ev] }],
    });
    expect(useTrainingStore.getState().phase).toBe('finished');
    expect(useTrainingStore.getState().alerts).toEqual([
      {
        id: 'd1:diverged',
        level: 'error',
        title: 'Training diverged — d1',
        message: detail,
        hint: 'Lower the learning rate and train again; the curves so far are kept.',
      },
    ]);
  });

  it('names a device loss as such, from its event, with the step it happened at', () => {
    worker().reply({ type: 'started', runs: [fakeRun('g1')] });
    const ev = { kind: 'device-lost' as const, step: 12, detail: 'destroyed' };
    worker().reply({ type: 'events', runId: 'g1', events: [ev] });
    worker().reply({
      type: 'finished',
      runs: [{ ...fakeRun('g1'), status: 'error', events: [ev] }],
    });
    const [a] = useTrainingStore.getState().alerts;
    expect(a).toMatchObject({
      id: 'g1:device-lost',
      level: 'warning',
      title: 'GPU device lost — g1',
    });
    expect(a.message).toBe(
      'The GPU device was lost at step 12 (destroyed). The curves recorded so far are kept.',
    );
  });

  it('ends the session of a crashed worker in the library, keeping every point', () => {
    worker().reply({ type: 'started', runs: [fakeRun('c1')] });
    worker().reply({ type: 'points', runId: 'c1', points: [pt(5)] });
    worker().crash('boom');
    expect(record('c1')).toMatchObject({ status: 'error', steps: 5 });
    expect(useTrainingStore.getState()).toMatchObject({
      workerState: 'crashed',
      phase: 'finished',
    });
    expect(useTrainingStore.getState().alerts.map((a) => a.id)).toEqual(['worker:crash']);
  });
});
