/**
 * Live changes: a setting moved during a session patches the model in place (never resets
 * it). The settings store takes the value at once; the worker gets it paced by livePatches.ts.
 */
import { type LivePatch, validatePatch } from '../engine/config';
import { useConfigStore } from './configStore';
import { createLivePatcher } from './livePatches';
import { recordsOf } from './runsLibrary';
import { sweepHooks } from './sweepHooks';
import { isActive, useTrainingStore } from './trainingStore';
import type { TwinSettings } from './urlConfig';
import { workerLink } from './workerLink';

// Patches reach the worker only during a session: one still pending after it ends is dropped.
const live = createLivePatcher((patch, side) => {
  if (!isActive(useTrainingStore.getState().phase)) return;
  workerLink.send(side === 'all' ? { type: 'patch', patch } : { type: 'patch', patch, side });
});

/** Whether the session in progress is a twin pair (decides which side a live change targets). */
function sessionIsTwin(): boolean {
  const runs = recordsOf(useTrainingStore.getState().runIds);
  return Object.values(runs).some((r) => r.twin !== undefined);
}

/**
 * A change of a live setting from the controls. Updates the settings and, during a session,
 * patches the model in place. Side 'B' is the twin's side-B control; the main controls
 * target side A of a twin pair (lr and weight decay target both sides).
 */
export function changeLive(patch: LivePatch, from: 'main' | 'B' = 'main'): void {
  if (from === 'B') useConfigStore.getState().setTwin(patch as Partial<TwinSettings>);
  else useConfigStore.getState().setConfig(patch);
  if (!isActive(useTrainingStore.getState().phase) || !sweepHooks.livePatches()) return;
  let valid: LivePatch;
  try {
    valid = validatePatch(patch);
  } catch {
    return; // the control shows the problem; nothing invalid reaches the worker
  }
  live.send(valid, from === 'B' ? 'B' : sessionIsTwin() ? 'A' : 'all');
}

/** Sends every pending live patch now (slider released, Reset). */
export function flushLive(): void {
  live.flush();
}
