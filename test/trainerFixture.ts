/**
 * The small run the trainer's tests share: a synthetic 28x28 dataset, the Node environment,
 * and a tiny ITRA-c config of 10 steps (batches of 16, eval every 5).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/engine/config';
import { syntheticDataset } from './synthetic';

export function trainerFixture() {
  const data = syntheticDataset(400, 200);
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
  };
  return { data, env, base };
}
