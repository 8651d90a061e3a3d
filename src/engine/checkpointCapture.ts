/**
 * Taking a checkpoint (checkpoint.ts): the scalars now, the tensors as one queued
 * concatenation read asynchronously, so training goes on during the read. Apart from
 * checkpoint.ts so that the page, which only stores and resumes checkpoints, loads no tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SamplerState } from './batches';
import {
  CHECKPOINT_KIND,
  CHECKPOINT_VERSION,
  type Checkpoint,
  type CheckpointSide,
} from './checkpoint';
import type { Trainer } from './trainer';

/** What a session hands over to be checkpointed, read at one instant between steps. */
export interface SessionSnapshot {
  step: number;
  wallMs: number;
  backend: string;
  sampler: SamplerState;
  trainers: readonly Trainer[];
}

/**
 * Takes the state now (the scalars synchronously, the tensors as one queued concatenation)
 * and resolves once the tensors are read.
 */
export function captureCheckpoint(snap: SessionSnapshot): Promise<Checkpoint> {
  const { trainers } = snap;
  const sides: CheckpointSide[] = trainers.map((t) => ({
    scalars: t.scalarState,
    record: structuredClone(t.record),
    sizes: t.stateVariables.map((v) => v.size),
  }));
  const flat = tf.tidy(() =>
    tf.concat(trainers.flatMap((t) => t.stateVariables.map((v) => tf.reshape(v, [-1])))),
  );
  const meta = {
    kind: CHECKPOINT_KIND,
    version: CHECKPOINT_VERSION,
    id: trainers[0].record.id,
    runIds: trainers.map((t) => t.record.id),
    step: snap.step,
    createdAt: new Date().toISOString(),
    backend: snap.backend,
    wallMs: snap.wallMs,
    sampler: structuredClone(snap.sampler),
    sides,
  } as const;
  return flat.data().then(
    (values) => {
      flat.dispose();
      return { ...meta, values: values as Float32Array };
    },
    (e: unknown) => {
      flat.dispose();
      throw e;
    },
  );
}
