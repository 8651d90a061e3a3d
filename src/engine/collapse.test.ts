/**
 * The spec's three measured behaviours, reproduced by the engine on real KMNIST (the carved
 * split of ../shared/datasets/kmnist), `tiny` model, batch 64, SGD momentum 0.9, lr 0.01:
 *  - ITRA-c with the biased estimator and no warm-up collapses the features ('collapsed' event);
 *  - the unbiased estimator on the same seed does not collapse (σ stays far above its floor);
 *  - a vanilla warm-up first, then biased ITRA-c, trains normally.
 * Measured (seed 1): collapse at the first eval (step 25), σ at its floor (1e-6); unbiased: σ
 * between 0.03 and 0.13 over 300 steps (never near the floor), accuracy on a 10–16% plateau
 * while the features are small; warm-up 100 then λ = 0.8: 72% at step 200.
 * The unbiased plateau is the spec's "held learning back … slowly escaping" case: when it ends
 * depends on the seed (seed 2: ~step 200; seed 1: after 300) and on rounding (every kernel
 * change moved it), so the test asserts the property the spec states, no collapse pressure:
 * σ stays orders of magnitude above the floor and no 'collapsed' event.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATASETS_DIR, hasKmnist, SKIP_NO_SHARED } from '../../test/shared';
import type { DatasetSplits } from '../data/dataset';
import { readDatasetDir } from '../data/nodeFiles';
import { parseDatasetFiles } from '../data/parse';
import { DEFAULT_CONFIG, type TrainConfig } from './config';
import { TrainingSession } from './session';

let data: DatasetSplits;

async function train(patch: Partial<TrainConfig>) {
  const s = new TrainingSession({
    runIds: ['r'],
    names: ['r'],
    config: {
      ...DEFAULT_CONFIG,
      dataset: 'kmnist',
      model: 'tiny',
      method: 'itra-c',
      evalEvery: 25,
      evalSize: 500,
      ...patch,
    },
    data,
    environment: { backend: tf.getBackend(), runtime: 'node', tfjsVersion: tf.version_core },
    yieldToHost: () => Promise.resolve(),
  });
  const [rec] = await s.run();
  s.dispose();
  return rec;
}

describe.skipIf(!hasKmnist)(
  `collapse and warm-up on real KMNIST ${hasKmnist ? '' : SKIP_NO_SHARED}`,
  () => {
    beforeAll(async () => {
      const files = await readDatasetDir('kmnist', `${DATASETS_DIR}/kmnist`);
      data = await parseDatasetFiles({ id: 'kmnist', files, carve: true });
    });

    it('biased ITRA-c, T_w = 0, λ = 1: the features collapse', async () => {
      const rec = await train({ estimator: 'biased', warmup: 0, lambda: 1, maxSteps: 50 });
      const collapsed = rec.events.find((e) => e.kind === 'collapsed');
      expect(collapsed, JSON.stringify(rec.points)).toBeDefined();
      expect(rec.points.at(-1)!.sigma).toBeLessThanOrEqual(1.0001e-6);
      expect(rec.points.at(-1)!.testAcc).toBeLessThan(0.2);
    });

    it('unbiased ITRA-c on the same seed, T_w = 0, λ = 1: no collapse, σ far above the floor', async () => {
      const rec = await train({ estimator: 'unbiased', warmup: 0, lambda: 1, maxSteps: 200 });
      expect(rec.events.filter((e) => e.kind === 'collapsed')).toEqual([]);
      // The biased run sits at the floor (1e-6); the unbiased one stays orders above it.
      expect(Math.min(...rec.points.map((p) => p.sigma!))).toBeGreaterThan(1e-4);
      expect(rec.points.every((p) => p.testAcc !== null && Number.isFinite(p.testAcc))).toBe(true);
    });

    it('biased ITRA-c after a 100-step vanilla warm-up, λ = 0.8: no collapse, it trains', async () => {
      const rec = await train({ estimator: 'biased', warmup: 100, lambda: 0.8, maxSteps: 200 });
      expect(rec.events.filter((e) => e.kind === 'collapsed')).toEqual([]);
      expect(rec.events).toContainEqual({ kind: 'warmup-end', step: 100 });
      expect(rec.points.at(-1)!.lambdaEff).toBe(0.8);
      expect(rec.points.at(-1)!.testAcc).toBeGreaterThan(0.5);
    });
  },
);
