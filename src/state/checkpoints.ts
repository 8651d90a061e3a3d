/**
 * The checkpoints in IndexedDB (checkpointDb.ts), and which runs can be resumed from one
 * (`useCheckpoints`). The worker writes a training session's checkpoints itself and says so
 * ('checkpoint-saved'); the page writes only imported ones (the newest per session waits in
 * memory until written: a slow write is overtaken, never queued behind) and reads one only
 * when needed (Resume, export, deleting runs).
 */
import { create } from 'zustand';
import type { Checkpoint } from '../engine/checkpoint';
import {
  deleteCheckpointsOf,
  getCheckpointOf,
  putCheckpoint,
  runsWithCheckpoints,
} from './checkpointDb';

interface CheckpointState {
  /** Run id → the step of its newest checkpoint (known steps only; 0 when read from disk). */
  steps: Record<string, number>;
  /** Why checkpoints are not being saved, if so. */
  error: string | null;
}

export const useCheckpoints = create<CheckpointState>()(() => ({ steps: {}, error: null }));

/** Newest checkpoint per session key, not yet written. */
const pending = new Map<string, Checkpoint>();
/** Ones whose write failed (quota, no IndexedDB): still resumable and exportable from memory. */
const unsaved = new Map<string, Checkpoint>();
let writing: Promise<void> | null = null;

function markSteps(ckpt: Pick<Checkpoint, 'runIds' | 'step'>) {
  const steps = { ...useCheckpoints.getState().steps };
  for (const id of ckpt.runIds) steps[id] = ckpt.step;
  useCheckpoints.setState({ steps });
}

function failed(message: string) {
  useCheckpoints.setState({ error: `Checkpoints are not being saved: ${message}` });
}

async function drain(): Promise<void> {
  while (pending.size) {
    const [key, ckpt] = pending.entries().next().value as [string, Checkpoint];
    try {
      await putCheckpoint(ckpt);
      unsaved.delete(key);
      if (useCheckpoints.getState().error) useCheckpoints.setState({ error: null });
    } catch (e) {
      unsaved.set(key, ckpt);
      failed((e as Error).message);
    }
    // A newer one that arrived meanwhile stays pending.
    if (pending.get(key) === ckpt) pending.delete(key);
  }
}

/** The worker wrote a session's checkpoint (at `step`) to disk. */
export function checkpointSaved(id: string, runIds: string[], step: number): void {
  unsaved.delete(id);
  markSteps({ runIds, step });
  if (useCheckpoints.getState().error) useCheckpoints.setState({ error: null });
}

/** The worker could not write this checkpoint: kept in memory (resumable, exportable). */
export function checkpointUnsaved(ckpt: Checkpoint, reason: string): void {
  unsaved.set(ckpt.id, ckpt);
  markSteps(ckpt);
  failed(reason);
}

/** An imported checkpoint: kept in memory at once, written to disk in the background. */
export function keepCheckpoint(ckpt: Checkpoint): void {
  pending.set(ckpt.id, ckpt);
  markSteps(ckpt);
  writing ??= drain().finally(() => {
    writing = null;
  });
}

/** Resolves once every checkpoint received so far is on disk (or failed). */
export async function checkpointsWritten(): Promise<void> {
  while (writing) await writing;
}

/** The newest checkpoint holding `runId`: the pending one, else the stored one. */
export async function checkpointOf(runId: string): Promise<Checkpoint | undefined> {
  for (const c of [...pending.values(), ...unsaved.values()]) {
    if (c.runIds.includes(runId)) return c;
  }
  return getCheckpointOf(runId).catch(() => undefined);
}

/** Reads which runs have a checkpoint (at start). */
export async function loadCheckpointIndex(): Promise<void> {
  try {
    const ids = await runsWithCheckpoints();
    const steps = { ...useCheckpoints.getState().steps };
    for (const id of ids) steps[id] ??= 0;
    useCheckpoints.setState({ steps });
  } catch (e) {
    useCheckpoints.setState({ error: `Checkpoints cannot be read: ${(e as Error).message}` });
  }
}

/** Deletes the checkpoints of deleted runs (a twin pair's goes with either side). */
export function forgetCheckpoints(runIds: readonly string[]): void {
  const gone = new Set(runIds);
  for (const map of [pending, unsaved]) {
    for (const [key, c] of map) {
      if (c.runIds.some((id) => gone.has(id))) {
        map.delete(key);
        for (const id of c.runIds) gone.add(id);
      }
    }
  }
  void getCheckpointsRunIds(runIds)
    .then((ids) => {
      for (const id of ids) gone.add(id);
      const steps = { ...useCheckpoints.getState().steps };
      for (const id of gone) delete steps[id];
      useCheckpoints.setState({ steps });
      return deleteCheckpointsOf([...gone]);
    })
    .catch((e: unknown) =>
      useCheckpoints.setState({
        error: `A checkpoint could not be deleted: ${(e as Error).message}`,
      }),
    );
}

/** Every run id sharing a checkpoint with one of `runIds` (its twin). */
async function getCheckpointsRunIds(runIds: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of runIds) {
    const c = await getCheckpointOf(id).catch(() => undefined);
    if (c) out.push(...c.runIds);
  }
  return out;
}
