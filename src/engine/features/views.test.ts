/**
 * The feature views an eval step records (wasm backend, synthetic data): the confusion matrix
 * against an independent recount with the trained model, its agreement with test accuracy,
 * per-class accuracy, embedding frames, and the edge cases (collapse, divergence, a test split
 * smaller than the embedding subset, embedSize 0).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { trainerFixture } from '../../../test/trainerFixture';
import { Rng } from '../../util/rng';
import { BatchSampler, EvalSet } from '../batches';
import type { TrainConfig } from '../config';
import { type EmbeddingFrame, runRecordSchema } from '../runRecord';
import { TrainingSession } from '../session';
import { Trainer } from '../trainer';
import type { FrameResult } from './embedding';
import { balancedSubset, EmbedSet } from './embedSet';
import { addFrame, frameAt, maxFrames } from './frames';

const { data, env, base } = trainerFixture({ evalSize: 150, embedSize: 120, maxSteps: 15 });

function session(config: TrainConfig, twinB?: Partial<TrainConfig>) {
  return new TrainingSession({
    runIds: twinB ? ['a', 'b'] : ['a'],
    names: twinB ? ['A', 'B'] : ['A'],
    config,
    twinB,
    data,
    environment: env,
    yieldToHost: () => Promise.resolve(),
  });
}

describe('confusion matrix and per-class accuracy', () => {
  it('sum = eval subset size, trace/sum = test accuracy exactly, rows = an independent recount', async () => {
    const s = session(base);
    const [rec] = await s.run();
    expect(rec!.points).toHaveLength(3);
    for (const p of rec!.points) {
      const c = p.confusion!;
      const sum = c.flat().reduce((a, b) => a + b, 0);
      expect(sum).toBe(rec!.data.evalSize);
      const trace = c.reduce((a, row, i) => a + row[i]!, 0);
      expect(trace / sum).toBe(p.testAcc);
      // Per-class accuracies weighted by their class counts average to the total.
      const weighted = p.classAcc!.reduce<number>((a, acc, k) => {
        const nk = c[k]!.reduce((x, y) => x + y, 0);
        return a + (acc ?? 0) * nk;
      }, 0);
      expect(weighted / sum).toBeCloseTo(p.testAcc!, 12);
    }
    // Recount the last point's confusion with the trained model on a rebuilt eval subset.
    const model = s.trainers[0]!.model;
    const evalSet = new EvalSet(data.test, 10, base.evalSize, base.seed);
    const recount = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (const { x, y } of evalSet.batches) {
      const pred = tf.tidy(() => tf.argMax(model.logits(model.features(x, false)), 1));
      const truth = tf.argMax(y, 1);
      const [pv, tv] = [await pred.data(), await truth.data()];
      tf.dispose([pred, truth]);
      pv.forEach((pk, i) => recount[tv[i]!]![pk]!++);
    }
    evalSet.dispose();
    s.dispose();
    expect(rec!.points.at(-1)!.confusion).toEqual(recount);
    expect(runRecordSchema.safeParse(rec).success).toBe(true);
  });

  it('embedSize 0: no views, the record as before', async () => {
    const s = session({ ...base, embedSize: 0 });
    const [rec] = await s.run();
    s.dispose();
    expect(rec!.embeddings).toBeUndefined();
    expect(rec!.embedSubset).toBeUndefined();
    expect(rec!.points[0]!.confusion).toBeUndefined();
    expect(rec!.points[0]!.testAcc).not.toBeNull();
  });
});

describe('embedding frames', () => {
  it('one aligned PCA frame per eval step over the class-balanced subset, with predictions', async () => {
    const s = session(base);
    const [rec] = await s.run();
    s.dispose();
    const sub = rec!.embedSubset!;
    expect(sub.indices).toHaveLength(120);
    const perClass = new Array(10).fill(0);
    for (const l of sub.labels) perClass[l]++;
    expect(Math.max(...perClass) - Math.min(...perClass)).toBeLessThanOrEqual(1);
    sub.indices.forEach((i, b) => expect(sub.labels[b]).toBe(data.test.labels[i]));
    expect(rec!.embeddings!.map((f) => f.step)).toEqual([5, 10, 15]);
    for (const f of rec!.embeddings!) {
      expect(f.xy).toHaveLength(240);
      expect(f.pred).toHaveLength(120);
      expect(f.xy.every(Number.isFinite)).toBe(true);
      expect(f.collapsed).toBeUndefined();
    }
    const p = rec!.points.at(-1)!;
    expect(p.classIntra).toHaveLength(10);
    expect(p.classIntra!.every((v) => v !== null && v > 0)).toBe(true);
    expect(p.silhouette).toBeGreaterThanOrEqual(-1);
    expect(p.silhouette).toBeLessThanOrEqual(1);
  });

  it('keepFeatures hands the raw features on as a tensor (no extra read), and nothing leaks', async () => {
    const views: FrameResult[] = [];
    const s = new TrainingSession({
      runIds: ['a'],
      names: ['A'],
      config: base,
      data,
      environment: env,
      keepFeatures: true,
      yieldToHost: () => Promise.resolve(),
      listener: { onPoint: (_id, _p, v) => void (v && views.push(v)) },
    });
    const before = tf.memory().numTensors;
    await s.run();
    const model = s.trainers[0]!.model;
    expect(views.map((v) => v.frame.step)).toEqual([5, 10, 15]);
    for (const v of views) expect(v.features!.shape).toEqual([120, model.featureDim]);
    // The last step's kept features are the trained model's features of the subset.
    const direct = tf.tidy(() =>
      tf.concat(s.embedSet!.chunks.map((x) => model.features(x, false))),
    );
    const [kept, want] = [await views[2]!.features!.data(), await direct.data()];
    for (let i = 0; i < want.length; i++) expect(kept[i]).toBeCloseTo(want[i]!, 4);
    direct.dispose();
    s.dispose();
    for (const v of views) v.features!.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('twins show the same images; each side has its own frames', async () => {
    const s = session(base, { method: 'vanilla' });
    const [a, b] = await s.run();
    s.dispose();
    expect(a!.embedSubset).toEqual(b!.embedSubset);
    expect(a!.embeddings!.length).toBe(b!.embeddings!.length);
    expect(a!.embeddings![2]!.xy).not.toEqual(b!.embeddings![2]!.xy);
  });

  it('a test split smaller than the subset gives every test image', () => {
    const idx = balancedSubset(data.test.labels, 10, 500, 1);
    expect(idx.length).toBe(data.test.count);
    expect(new Set(idx).size).toBe(data.test.count);
  });

  it('collapsed features (all weights zero) give one blob, flagged, with no NaN', async () => {
    const evalSet = new EvalSet(data.test, 10, 50, 1);
    const embedSet = new EmbedSet(data.test, 10, 60, 1);
    const t = new Trainer({
      runId: 'z',
      name: 'z',
      config: base,
      data,
      evalSet,
      environment: env,
      embedSet,
    });
    for (const p of t.model.params) p.assign(tf.zerosLike(p));
    const batch = new BatchSampler(data.train, 10, 16, 16, 1).next();
    const out = await t.evaluate(batch, { epoch: 0, samplesPerSec: null, wallMs: 0 });
    const f = out.views!.frame;
    expect(f.collapsed).toBe(true);
    expect(f.xy.every((v) => v === 0)).toBe(true);
    expect(out.point!.classIntra!.every((v) => v === null || Number.isFinite(v))).toBe(true);
    t.dispose();
    evalSet.dispose();
    embedSet.dispose();
    tf.dispose([batch.x1, batch.x2, batch.y1, batch.y2]);
  });

  it('a diverged run keeps its frames up to the divergence', async () => {
    const s: TrainingSession = new TrainingSession({
      runIds: ['a'],
      names: ['A'],
      config: { ...base, maxSteps: 30 },
      data,
      environment: env,
      yieldToHost: () => Promise.resolve(),
      // After the first eval, a learning rate that blows the weights up.
      listener: { onPoint: (_id, p) => void (p.step === 5 && s.patch({ lr: 1e12 })) },
    });
    const [rec] = await s.run();
    s.dispose();
    expect(rec!.status).toBe('diverged');
    expect(rec!.embeddings!.map((f) => f.step)).toEqual([5]);
    expect(rec!.embeddings![0]!.xy.every(Number.isFinite)).toBe(true);
  });
});

describe('frames in a record', () => {
  const frame = (step: number): EmbeddingFrame => ({ step, method: 'pca', xy: [0, 0], pred: [0] });
  it('thins older frames past the cap, keeping the first and the newest', () => {
    let frames = [frame(0)];
    for (let s = 1; s <= 40; s++) frames = addFrame(frames, frame(s), 16);
    expect(frames.length).toBeLessThanOrEqual(16);
    expect(frames[0]!.step).toBe(0);
    expect(frames.at(-1)!.step).toBe(40);
    expect(frameAt(frames, 40)!.step).toBe(40);
    expect(frameAt(frames, 39)!.step).toBeLessThanOrEqual(39);
  });
  it('a full-cap record (2,000 points, every frame the cap allows, UMAP frames) is under 10 MB of JSON', () => {
    const rng = new Rng(3);
    const r4 = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(4)));
    // Realistic coordinates: a spread of a few units, as PCA and UMAP frames have.
    const big = (step: number, method: 'pca' | 'umap'): EmbeddingFrame => ({
      step,
      method,
      xy: Array.from({ length: 4000 }, () => r4((rng.next() * 2 - 1) * 12)),
      pred: Array.from({ length: 2000 }, () => rng.int(10)),
      explained: 0.4321,
    });
    let frames: EmbeddingFrame[] = [];
    // A 50,000-step run evaluated every 50 steps, a UMAP asked for at every 25th eval step.
    for (let e = 1; e <= 1000; e++) {
      frames = addFrame(frames, big(e * 50, 'pca'));
      if (e % 25 === 0) frames = addFrame(frames, big(e * 50, 'umap'));
    }
    expect(frames.length).toBeLessThanOrEqual(maxFrames(2000));
    const points = Array.from({ length: 1000 }, (_, e) => ({
      step: (e + 1) * 50,
      testAcc: 0.8765,
      testCE: 0.4321,
      confusion: Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => rng.int(200))),
      classAcc: Array.from({ length: 10 }, () => rng.next()),
      classIntra: Array.from({ length: 10 }, () => rng.next()),
      silhouette: 0.1234,
    }));
    const record = {
      version: 3,
      points,
      embedSubset: {
        indices: Array.from({ length: 2000 }, (_, i) => i * 5),
        labels: Array.from({ length: 2000 }, (_, i) => i % 10),
      },
      embeddings: frames,
    };
    const bytes = JSON.stringify(record).length;
    expect(bytes).toBeLessThan(10e6);
  });

  it('the cap keeps 2,000-point frames under the record budget', () => {
    expect(maxFrames(2000) * 2000 * 20).toBeLessThanOrEqual(8e6);
    expect(maxFrames(500)).toBeGreaterThan(maxFrames(2000));
  });
});
