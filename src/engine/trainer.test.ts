/**
 * Behaviour of the training engine (wasm backend, see test/setupBackend.ts): gradients through
 * the whole model, determinism, twins, live changes, memory, divergence, refusal of bad settings.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { trainerFixture } from '../../test/trainerFixture';
import { BatchSampler, disposeBatch, EvalSet } from './batches';
import type { TrainConfig } from './config';
import type { Point } from './runRecord';
import { TrainingSession } from './session';
import { Trainer } from './trainer';

const { data, env, base } = trainerFixture();

/** Points without the wall-clock fields, which differ run to run. */
const strip = (points: Point[]) => points.map(({ samplesPerSec: _s, wallMs: _w, ...rest }) => rest);

async function runSession(config: TrainConfig, twinB?: Partial<TrainConfig>) {
  const s = new TrainingSession({
    runIds: twinB ? ['a', 'b'] : ['a'],
    names: twinB ? ['A', 'B'] : ['A'],
    config,
    twinB,
    data,
    environment: env,
    yieldToHost: () => Promise.resolve(),
  });
  const records = await s.run();
  s.dispose();
  return records;
}

describe('determinism and twins', () => {
  it('the same seed gives the same points', async () => {
    const [a] = await runSession(base);
    const [b] = await runSession(base);
    expect(a.points.length).toBe(2);
    expect(strip(a.points)).toEqual(strip(b.points));
    const [c] = await runSession({ ...base, seed: 2 });
    expect(strip(c.points)).not.toEqual(strip(a.points));
  });

  it('twins with the same settings stay identical: same initial weights, same batches', async () => {
    const [a, b] = await runSession(base, {});
    expect(a.points.length).toBe(2);
    expect(strip(b.points)).toEqual(strip(a.points));
    expect(a.twin?.pairId).toBe(b.twin?.pairId);
    expect([a.twin?.side, b.twin?.side]).toEqual(['A', 'B']);
  });

  it('twin B starts from A’s exact weights even with another method', async () => {
    const s = new TrainingSession({
      runIds: ['a', 'b'],
      names: ['A', 'B'],
      config: { ...base, method: 'vanilla' },
      twinB: { method: 'itra-c', estimator: 'unbiased' },
      data,
      environment: env,
    });
    const [wa, wb] = await Promise.all(s.trainers.map((t) => t.readWeights()));
    expect(wb).toEqual(wa);
    expect(s.trainers[1].config.method).toBe('itra-c');
    s.dispose();
  });
});

describe('live changes', () => {
  it('a method/λ switch changes the update from the next step on and is recorded', async () => {
    const evalSet = new EvalSet(data.test, 10, 10, 1);
    const mk = (id: string, initFrom?: Trainer) =>
      new Trainer({
        runId: id,
        name: id,
        config: base,
        data,
        evalSet,
        environment: env,
        initFrom: initFrom?.model,
      });
    const a = mk('a');
    const b = mk('b', a);
    const sampler = new BatchSampler(data.train, 10, 16, 16, 5);
    const stepBoth = () => {
      const batch = sampler.next();
      a.trainStep(batch);
      b.trainStep(batch);
      disposeBatch(batch);
    };
    for (let i = 0; i < 3; i++) stepBoth();
    expect(await b.readWeights()).toEqual(await a.readWeights());
    const events = b.patch({ method: 'vanilla', lambda: 0.3 });
    expect(events).toEqual([
      { kind: 'change', step: 3, setting: 'method', from: 'itra-c', to: 'vanilla' },
      { kind: 'change', step: 3, setting: 'lambda', from: 0.8, to: 0.3 },
    ]);
    expect(b.record.events).toEqual(events);
    expect(b.lambdaEffective).toBe(0);
    stepBoth();
    expect(await b.readWeights()).not.toEqual(await a.readWeights());
    expect(() => b.patch({ lambda: -1 })).toThrow(/λ must be ≥ 0/);
    a.dispose();
    b.dispose();
    evalSet.dispose();
  });

  it('the learning rate changes live without resetting the optimizer', async () => {
    const evalSet = new EvalSet(data.test, 10, 10, 1);
    const t = new Trainer({
      runId: 'lr',
      name: 'lr',
      config: base,
      data,
      evalSet,
      environment: env,
    });
    const sampler = new BatchSampler(data.train, 10, 16, 16, 5);
    const batch = sampler.next();
    t.trainStep(batch);
    const before = await t.readWeights();
    t.patch({ lr: 1e-12 });
    t.trainStep(batch);
    const after = await t.readWeights();
    // With lr ≈ 0 the parameters barely move: the new rate is in force.
    const maxDiff = Math.max(
      ...before.map((w, i) => Math.max(...w.map((v, k) => Math.abs(v - after[i][k])))),
    );
    expect(maxDiff).toBeLessThan(1e-8);
    expect(t.record.events.at(-1)).toMatchObject({
      kind: 'change',
      setting: 'lr',
      from: 0.01,
      to: 1e-12,
    });
    disposeBatch(batch);
    t.dispose();
    evalSet.dispose();
  });
});

describe('Gini + KL and the training knobs in a run', () => {
  it('discern waits for the warm-up: its points match vanilla until then, and differ after', async () => {
    const cfg = { ...base, warmup: 5, maxSteps: 15, evalEvery: 5 };
    const [v] = await runSession({ ...cfg, method: 'vanilla' });
    const [d] = await runSession({ ...cfg, method: 'discern', lambdaGini: 1, lambdaKl: 1 });
    const [vp, dp] = [strip(v!.points), strip(d!.points)];
    expect(dp[0]).toEqual({ ...vp[0], method: 'discern' });
    expect(dp[2]!.testCE).not.toBe(vp[2]!.testCE);
    expect(d!.events.filter((e) => e.kind === 'warmup-end')).toEqual([
      { kind: 'warmup-end', step: 5 },
    ]);
    // Every method reports Gini and KL on the current S1.
    for (const p of [...vp, ...dp]) {
      expect(p.gini).toBeGreaterThan(0);
      expect(p.gini).toBeLessThan(1);
      expect(p.kl).toBeGreaterThanOrEqual(0);
    }
  });

  it('λ_gini, λ_kl and weight decay change live and are recorded as change events', async () => {
    const evalSet = new EvalSet(data.test, 10, 10, 1);
    const t = new Trainer({
      runId: 'k',
      name: 'k',
      config: { ...base, method: 'discern', warmup: 0 },
      data,
      evalSet,
      environment: env,
    });
    const events = t.patch({ lambdaGini: 0.9, lambdaKl: 0.1, weightDecay: 1e-3 });
    expect(events.map((e) => e.kind === 'change' && [e.setting, e.from, e.to])).toEqual([
      ['lambdaGini', 0.5, 0.9],
      ['lambdaKl', 0.5, 0.1],
      ['weightDecay', 0, 1e-3],
    ]);
    expect(t.discernWeights).toEqual({ gini: 0.9, kl: 0.1 });
    expect(() => t.patch({ weightDecay: -1 })).toThrow(/weight decay must be ≥ 0/);
    t.dispose();
    evalSet.dispose();
  });

  it('the points carry the scheduled learning rate, and a live lr rescales it', async () => {
    const cfg: TrainConfig = {
      ...base,
      method: 'vanilla',
      lr: 0.1,
      lrSchedule: 'step',
      lrMilestones: [10],
      lrGamma: 0.5,
      maxSteps: 20,
    };
    const [r] = await runSession(cfg);
    expect(r!.points.map((p) => [p.step, p.lr])).toEqual([
      [5, 0.1],
      [10, 0.05],
      [15, 0.05],
      [20, 0.05],
    ]);
    // A live lr of 0.4 at step 12 replaces lr in lr · γ^k: 0.4 · 0.5 from then on, applied to
    // the optimizer at the next step (the step after a patch uses the new rate).
    const evalSet = new EvalSet(data.test, 10, 10, 1);
    const t = new Trainer({ runId: 's', name: 's', config: cfg, data, evalSet, environment: env });
    const sampler = new BatchSampler(data.train, 10, 16, 16, 5);
    for (let i = 0; i < 12; i++) {
      const b = sampler.next();
      t.trainStep(b);
      disposeBatch(b);
    }
    expect(t.learningRate).toBeCloseTo(0.05, 12);
    t.patch({ lr: 0.4 });
    expect(t.learningRate).toBeCloseTo(0.2, 12);
    const b = sampler.next();
    t.trainStep(b);
    disposeBatch(b);
    const opt = (t as unknown as { optimizer: { lr: tf.Variable } }).optimizer;
    expect(opt.lr.dataSync()[0]).toBeCloseTo(0.2, 6);
    t.dispose();
    evalSet.dispose();
  });

  it('label noise is recorded with the number of labels it replaced', async () => {
    const [r] = await runSession({ ...base, method: 'vanilla', labelNoise: 0.4, maxSteps: 5 });
    expect(r!.config.labelNoise).toBe(0.4);
    expect(r!.data.corruptedLabels).toBe(160);
  });

  it('refuses a twin side B that would need other batches', () => {
    expect(
      () =>
        new TrainingSession({
          runIds: ['a', 'b'],
          names: ['A', 'B'],
          config: base,
          twinB: { labelNoise: 0.2 },
          data,
          environment: env,
        }),
    ).toThrow(/"labelNoise" must be the same on both sides/);
  });
});

describe('memory', () => {
  it('tf.memory() is the same after step 20 and after step 200, with switches in between', async () => {
    const at = new Map<number, { numTensors: number; numBytes: number }>();
    let s!: TrainingSession;
    s = new TrainingSession({
      runIds: ['m'],
      names: ['m'],
      config: { ...base, batchSize: 8, batchSize2: 8, evalEvery: 20, evalSize: 40, maxSteps: 200 },
      data,
      environment: env,
      yieldToHost: () => Promise.resolve(),
      listener: {
        onPoint: (_id, p) => {
          const { numTensors, numBytes } = tf.memory();
          at.set(p.step, { numTensors, numBytes });
          if (p.step === 40) s.patch({ method: 'lsr' });
          if (p.step === 80) s.patch({ method: 'center', lr: 0.005 });
          if (p.step === 120) s.patch({ method: 'itra', estimator: 'unbiased' });
          if (p.step === 160) s.patch({ method: 'itra-c', lambda: 0.3 });
        },
      },
    });
    await s.run();
    expect(at.get(200)).toEqual(at.get(20));
    expect(s.records[0].events.filter((e) => e.kind === 'change').length).toBe(7);
    s.dispose();
  });
});

describe('reliability', () => {
  it('a learning rate of 1e6 gives a "diverged" event and leaves finite parameters', async () => {
    const s = new TrainingSession({
      runIds: ['d'],
      names: ['d'],
      config: { ...base, method: 'vanilla', lr: 1e6, maxSteps: 40 },
      data,
      environment: env,
      yieldToHost: () => Promise.resolve(),
    });
    const [rec] = await s.run();
    const ev = rec.events.find((e) => e.kind === 'diverged');
    expect(ev, JSON.stringify(rec.events)).toBeDefined();
    expect(rec.status).toBe('diverged');
    expect(ev!.step).toBeGreaterThan(0);
    expect(rec.steps).toBeLessThan(40);
    for (const w of await s.trainers[0].readWeights()) expect(w.every(Number.isFinite)).toBe(true);
    s.dispose();
  });

  it.each([
    [{ lambda: -1 }, /λ must be ≥ 0/],
    [{ method: 'sgd-magic' as never }, /method must be one of/],
    [{ batchSize: 0 }, /batch size must be at least 1/],
    [{ model: 'resnet' as const }, /ResNet model is for CIFAR-10/],
    [{ dataset: 'cifar10' as const }, /loaded data is "kmnist"/],
  ])('refuses bad settings before any work: %o', (patch, message) => {
    const before = tf.memory().numTensors;
    expect(
      () =>
        new TrainingSession({
          runIds: ['x'],
          names: ['x'],
          config: { ...base, ...patch },
          data,
          environment: env,
        }),
    ).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});
