/**
 * Checkpoints: everything a session's future depends on, so that a run resumed at step N
 * produces the same points after N as a run that was never interrupted (on the same backend).
 *
 * Per side: the parameters, the batch-norm statistics, the optimizer's slots and step counter,
 * its health flag, the center-loss centers and the train-CE sum since the last point (all the
 * trainer's `stateVariables`), with the live settings, the counters and the run record so far.
 * Shared: the step, the wall clock and the sampler's positions (both batch streams and both
 * augmentation streams; label noise is fixed by the seed).
 *
 * The tensors are read with one asynchronous read of their concatenation, taken at eval steps
 * (which already wait for the GPU) and on pause and stop: ordinary steps read nothing. The
 * concatenation is queued before any later update, so training can go on during the read
 * (checkpointCapture.ts; this file stays free of tfjs, so the page can read checkpoints).
 */
import type { DatasetSplits } from '../data/dataset';
import type { SamplerState } from './batches';
import type { TrainConfig } from './config';
import type { RunEvent, RunRecord, SweepInfo } from './runRecord';
import type { Trainer } from './trainer';

export const CHECKPOINT_KIND = 'itra-playground/checkpoint';
export const CHECKPOINT_VERSION = 1;

/** A trainer's state outside its tensors. */
export interface TrainerScalars {
  /** The settings in force (live changes included), not the record's initial ones. */
  config: TrainConfig;
  step: number;
  stepsSinceEval: number;
  collapseReported: boolean;
  warmupReported: boolean;
  active: boolean;
}

export interface CheckpointSide {
  scalars: TrainerScalars;
  /** The run record as it stood at the checkpoint (its points end at or before `step`). */
  record: RunRecord;
  /** Values in each state tensor, in the order of `Trainer.stateVariables`. */
  sizes: number[];
}

export interface Checkpoint {
  kind: typeof CHECKPOINT_KIND;
  version: typeof CHECKPOINT_VERSION;
  /** The session's key: its first run id (one checkpoint per run or twin pair). */
  id: string;
  runIds: string[];
  step: number;
  createdAt: string;
  /** The backend it was computed on: a resume elsewhere is not bit-identical (and says so). */
  backend: string;
  /** Wall-clock ms of the run at the checkpoint (the points' `wallMs` carries on from it). */
  wallMs: number;
  sampler: SamplerState;
  sides: CheckpointSide[];
  /** Every side's state tensors, flattened and concatenated in order. */
  values: Float32Array;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** The values of each side's tensors, as views into `values` (checked against the sizes). */
export function splitValues(ckpt: Checkpoint): Float32Array[][] {
  const total = ckpt.sides.reduce((n, s) => n + s.sizes.reduce((a, b) => a + b, 0), 0);
  if (total !== ckpt.values.length) {
    throw new CheckpointError(
      `The checkpoint is damaged: its sizes add up to ${total} values but it holds ${ckpt.values.length}`,
    );
  }
  let at = 0;
  return ckpt.sides.map((s) =>
    s.sizes.map((n) => {
      const view = ckpt.values.subarray(at, at + n);
      at += n;
      return view;
    }),
  );
}

/** Throws CheckpointError unless `trainers` (built from the checkpoint's settings) fit it. */
export function checkFits(ckpt: Checkpoint, trainers: readonly Trainer[]): void {
  if (ckpt.sides.length !== trainers.length) {
    throw new CheckpointError(
      `The checkpoint holds ${ckpt.sides.length} run(s); the session has ${trainers.length}`,
    );
  }
  trainers.forEach((t, i) => {
    const want = t.stateVariables.map((v) => v.size);
    const got = ckpt.sides[i].sizes;
    if (want.length !== got.length || want.some((n, k) => n !== got[k])) {
      throw new CheckpointError(
        `The checkpoint's tensors (${got.length}) do not fit the ${t.config.model} model with the ${t.config.optimizer} optimizer (${want.length})`,
      );
    }
  });
}

/** Refuses a checkpoint taken on other data (another dataset, split or carve). */
export function checkSameData(ckpt: Checkpoint, data: DatasetSplits): void {
  const r = ckpt.sides[0].record;
  const d = r.data;
  if (
    r.config.dataset !== data.id ||
    d.trainSize !== data.train.count ||
    d.testSize !== data.test.count ||
    d.split !== data.split
  ) {
    throw new CheckpointError(
      `The checkpoint was taken on ${r.config.dataset} (${d.split} split, ${d.trainSize} train / ${d.testSize} test); ` +
        `the loaded data is ${data.id} (${data.split} split, ${data.train.count} / ${data.test.count}). ` +
        'Load the same dataset (and split) to resume.',
    );
  }
}

/** The session settings a checkpoint was taken from (side B as its differences from A). */
export function resumeSetup(ckpt: Checkpoint): {
  runIds: string[];
  names: string[];
  config: TrainConfig;
  twinB?: Partial<TrainConfig>;
  sweeps?: SweepInfo[];
} {
  const [a, b] = ckpt.sides.map((s) => s.record);
  let twinB: Partial<TrainConfig> | undefined;
  if (b) {
    twinB = {};
    for (const [k, v] of Object.entries(b.config)) {
      const key = k as keyof TrainConfig;
      if (JSON.stringify(v) !== JSON.stringify(a.config[key])) {
        (twinB as Record<string, unknown>)[key] = v;
      }
    }
  }
  const sweeps = ckpt.sides.map((s) => s.record.sweep);
  return {
    runIds: ckpt.runIds,
    names: ckpt.sides.map((s) => s.record.name),
    config: a.config,
    twinB,
    sweeps: sweeps.every((s) => s) ? (sweeps as SweepInfo[]) : undefined,
  };
}

/** The event a resumed run records: from which step, why, and on which backend. */
export function resumedEvent(ckpt: Checkpoint, reason: string, backend: string): RunEvent {
  const other =
    backend === ckpt.backend
      ? ''
      : ` The checkpoint was computed on ${ckpt.backend} and the run continues on ${backend}: the points after it can differ from an uninterrupted run by rounding.`;
  return {
    kind: 'resumed',
    step: ckpt.step,
    detail: `Resumed from the checkpoint at step ${ckpt.step} (${reason}).${other}`,
  };
}
