/**
 * Live changes: a setting moved during a session patches the model in place (never resets
 * it). The settings store takes the value at once; the worker gets it paced, straight from
 * here: slider settings (λ, λ_gini, λ_kl) throttled, so a drag sends a few patches a second
 * and always ends on the value let go at; typed settings (lr, weight decay) debounced, one
 * patch when typing pauses, to both twin sides (side B does not override them); the rest
 * (method, estimator) at once. One pacer per setting and side, so a pending λ_gini is never
 * replaced by a λ_kl.
 */
import { type LivePatch, type LiveSetting, validatePatch } from '../engine/config';
import { useConfigStore } from './configStore';
import { recordsOf } from './runsLibrary';
import { sweepHooks } from './sweepHooks';
import { isActive, useTrainingStore } from './trainingStore';
import type { TwinSettings } from './urlConfig';
import { workerLink } from './workerLink';

export type PatchSide = 'A' | 'B' | 'all';

const SLIDER_SETTINGS: readonly LiveSetting[] = ['lambda', 'lambdaGini', 'lambdaKl'];
const TYPED_SETTINGS: readonly LiveSetting[] = ['lr', 'weightDecay'];
export const SLIDER_PATCH_MS = 200;
export const TYPED_PATCH_MS = 500;

/** One setting's pending value on one side, and when that pacer last sent. */
interface Pacer {
  side: PatchSide;
  pending: LivePatch | null;
  last: number;
  timer: ReturnType<typeof setTimeout> | null;
}
const pacers = new Map<string, Pacer>();

/** Posts a validated patch; during a session only (one still pending after it ends is dropped). */
function post(patch: LivePatch, side: PatchSide): void {
  if (!isActive(useTrainingStore.getState().phase)) return;
  workerLink.send(side === 'all' ? { type: 'patch', patch } : { type: 'patch', patch, side });
}

/** Sends a pacer's pending value now. */
function release(p: Pacer): void {
  if (p.timer !== null) clearTimeout(p.timer);
  p.timer = null;
  if (!p.pending) return;
  const patch = p.pending;
  p.pending = null;
  p.last = Date.now();
  post(patch, p.side);
}

/**
 * Leading + trailing throttle for a slider (the first move at once, later ones within the
 * interval coalesced, the last always delivered); trailing debounce for a typed setting.
 */
function pace(setting: LiveSetting, side: PatchSide, one: LivePatch): void {
  const id = `${setting}:${side}`;
  let p = pacers.get(id);
  if (!p) {
    p = { side, pending: null, last: Number.NEGATIVE_INFINITY, timer: null };
    pacers.set(id, p);
  }
  const pacer = p;
  pacer.pending = one;
  if (TYPED_SETTINGS.includes(setting)) {
    if (pacer.timer !== null) clearTimeout(pacer.timer);
    pacer.timer = setTimeout(() => release(pacer), TYPED_PATCH_MS);
    return;
  }
  if (pacer.timer !== null) return;
  const wait = pacer.last + SLIDER_PATCH_MS - Date.now();
  if (wait <= 0) release(pacer);
  else pacer.timer = setTimeout(() => release(pacer), wait);
}

/** Whether the session in progress is a twin pair (decides which side a live change targets). */
function sessionIsTwin(): boolean {
  const runs = recordsOf(useTrainingStore.getState().runIds);
  return Object.values(runs).some((r) => r.twin !== undefined);
}

/**
 * A change of a live setting from the controls. Updates the settings and, during a session,
 * patches the model in place: the patched keys validated here once, then paced and posted.
 * Side 'B' is the twin's side-B control; the main controls target side A of a twin pair
 * (lr and weight decay target both sides).
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
  const side: PatchSide = from === 'B' ? 'B' : sessionIsTwin() ? 'A' : 'all';
  const now: LivePatch = {};
  for (const [key, value] of Object.entries(valid) as Array<[LiveSetting, unknown]>) {
    const one = { [key]: value } as LivePatch;
    if (TYPED_SETTINGS.includes(key)) pace(key, 'all', one);
    else if (SLIDER_SETTINGS.includes(key)) pace(key, side, one);
    else Object.assign(now, one);
  }
  if (Object.keys(now).length) post(now, side);
}

/** Sends every pending live patch now (slider released, Reset). */
export function flushLive(): void {
  for (const p of pacers.values()) release(p);
}
