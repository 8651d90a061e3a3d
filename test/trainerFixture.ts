/**
 * The small run the engine's tests share: a synthetic 28x28 dataset (400 train, 200 test
 * images unless `sizes` says otherwise), the Node environment, and a tiny ITRA-c config of 10
 * steps (batches of 16, eval every 5) with the test's own `config` changes on top.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/engine/config';
import { syntheticDataset } from './synthetic';

export function trainerFixture(
  config: Partial<TrainConfig> = {},
  sizes: { train: number; test: number } = { train: 400, test: 200 },
) {
  const data = syntheticDataset(sizes.train, sizes.test);
  const env = {
    backend: tf.getBackend(),
    runtime: `node ${process.version}`,
    tfjsVersion: tf.version_core,
  };
  const base: TrainConfig = {
    ...DEFAULT_CONFIG,
    dataset: 'kmnist',
    model: 'tiny',
    method: 'itra-c',
    lambda: 0.8,
    warmup: 0,
    batchSize: 16,
    batchSize2: 16,
    evalEvery: 5,
    evalSize: 100,
    maxSteps: 10,
    ...config,
  };
  return { data, env, base };
}
