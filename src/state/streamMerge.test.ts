import { describe, expect, it } from 'vitest';
import { liveRun, vanillaPoint } from '../../test/recordFixture';
import { DEFAULT_CONFIG } from '../engine/config';
import { buildStartRequest, runLabel } from './startRequest';
import { applyStream, mergeEvents, mergePoints, phaseFromStatuses } from './streamMerge';

const pt = (step: number, testAcc = 0.5) => vanillaPoint(step, { testAcc });

const rec = (id: string) => liveRun(id);

describe('streamed records', () => {
  it('appends points and replaces a resent tail', () => {
    const a = mergePoints([pt(0), pt(50), pt(100)], [pt(150)]);
    expect(a.map((p) => p.step)).toEqual([0, 50, 100, 150]);
    const b = mergePoints(a, [pt(100, 0.9), pt(150, 0.9)]);
    expect(b.map((p) => p.step)).toEqual([0, 50, 100, 150]);
    expect(b[2].testAcc).toBe(0.9);
  });

  it('drops duplicate events', () => {
    const e = mergeEvents(
      [{ kind: 'warmup-end', step: 200 }],
      [
        { kind: 'warmup-end', step: 200 },
        { kind: 'collapsed', step: 300, detail: 'x' },
      ],
    );
    expect(e).toHaveLength(2);
  });

  it('applies a batch in one pass and ignores unknown runs', () => {
    const runs = { a: rec('a'), b: rec('b') };
    const out = applyStream(runs, [
      { type: 'points', runId: 'a', points: [pt(50)] },
      { type: 'points', runId: 'a', points: [pt(100)] },
      { type: 'events', runId: 'b', events: [{ kind: 'warmup-end', step: 10 }] },
      { type: 'status', runId: 'b', status: 'paused', step: 120 },
      { type: 'points', runId: 'zzz', points: [pt(1)] },
    ]);
    expect(out.a.points).toHaveLength(2);
    expect(out.a.steps).toBe(100);
    expect(out.b.status).toBe('paused');
    expect(out.b.steps).toBe(120);
    expect(out.b.events).toHaveLength(1);
    expect(runs.a.points).toHaveLength(0); // inputs untouched
    expect(applyStream(runs, [])).toBe(runs);
  });

  it('derives the session phase from run statuses', () => {
    expect(phaseFromStatuses([])).toBe('idle');
    expect(phaseFromStatuses(['running', 'paused'])).toBe('running');
    expect(phaseFromStatuses(['paused', 'paused'])).toBe('paused');
    expect(phaseFromStatuses(['completed', 'diverged'])).toBe('finished');
  });
});

describe('start request', () => {
  it('builds one run, or a twin pair whose side B overrides method, estimator and λ', () => {
    let n = 0;
    const id = () => `id${n++}`;
    const one = buildStartRequest(
      DEFAULT_CONFIG,
      {
        enabled: false,
        method: 'vanilla',
        estimator: 'biased',
        lambda: 0,
        lambdaGini: 0.5,
        lambdaKl: 0.5,
      },
      id,
    );
    expect(one.runIds).toEqual(['id0']);
    expect(one.twinB).toBeUndefined();
    expect(one.names[0]).toBe('ITRA-c λ0.6 · Fashion-MNIST · small · seed 1');
    const twin = buildStartRequest(
      { ...DEFAULT_CONFIG, method: 'vanilla' },
      {
        enabled: true,
        method: 'itra-c',
        estimator: 'unbiased',
        lambda: 0.8,
        lambdaGini: 0.5,
        lambdaKl: 0.5,
      },
      id,
    );
    expect(twin.runIds).toEqual(['id1', 'id2']);
    expect(twin.twinB).toEqual({ method: 'itra-c', estimator: 'unbiased', lambda: 0.8 });
    expect(twin.names[0]).toMatch(/^A: Vanilla SGD ·/);
    expect(twin.names[1]).toMatch(/^B: ITRA-c λ0.8 unbiased ·/);
  });

  it('names Gini + KL runs by their weights and sends side B its own when they differ', () => {
    const id = () => 'x';
    const config = { ...DEFAULT_CONFIG, method: 'itra-c' as const, lambda: 0.8, labelNoise: 0.4 };
    const twin = buildStartRequest(
      config,
      {
        enabled: true,
        method: 'discern',
        estimator: 'biased',
        lambda: 0.8,
        lambdaGini: 1,
        lambdaKl: 0.5,
      },
      id,
    );
    expect(twin.twinB).toEqual({
      method: 'discern',
      estimator: 'biased',
      lambda: 0.8,
      lambdaGini: 1,
    });
    expect(twin.names[1]).toBe(
      'B: Gini + KL (discriminability) g1 k0.5 · Fashion-MNIST · small · seed 1 · noise 40%',
    );
    expect(runLabel({ ...DEFAULT_CONFIG, method: 'discern' })).toBe(
      'Gini + KL (discriminability) g0.5 k0.5',
    );
  });
});
