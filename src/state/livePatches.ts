/**
 * How live changes reach the worker: slider settings (λ, λ_gini, λ_kl) throttled, so a drag
 * sends a few patches a second and always ends on the value let go at; typed settings (lr,
 * weight decay) debounced, one patch when typing pauses, to both twin sides (side B does not
 * override them); the rest (method, estimator) at once. One pacer per setting and side, so a
 * pending λ_gini is never replaced by a λ_kl. Pure: the session module supplies `post`.
 */
import type { LivePatch, LiveSetting } from '../engine/config';
import { type Clock, debounceTrailing, type Throttled, throttleTrailing } from './throttle';

export type PatchSide = 'A' | 'B' | 'all';

const SLIDER_SETTINGS: readonly LiveSetting[] = ['lambda', 'lambdaGini', 'lambdaKl'];
const TYPED_SETTINGS: readonly LiveSetting[] = ['lr', 'weightDecay'];
export const SLIDER_PATCH_MS = 200;
export const TYPED_PATCH_MS = 500;

export interface LivePatcher {
  /** A validated patch from the controls of `side` ('all': no twin, or both twin sides). */
  send(patch: LivePatch, side: PatchSide): void;
  /** Sends every pending patch now (slider released, Reset). */
  flush(): void;
}

export function createLivePatcher(
  post: (patch: LivePatch, side: PatchSide) => void,
  clock?: Clock,
): LivePatcher {
  const pacers = new Map<string, Throttled<LivePatch>>();
  const pacer = (setting: LiveSetting, side: PatchSide) => {
    const id = `${setting}:${side}`;
    let p = pacers.get(id);
    if (!p) {
      const deliver = (patch: LivePatch) => post(patch, side);
      p = TYPED_SETTINGS.includes(setting)
        ? debounceTrailing(deliver, TYPED_PATCH_MS, clock)
        : throttleTrailing(deliver, SLIDER_PATCH_MS, clock);
      pacers.set(id, p);
    }
    return p;
  };
  return {
    send(patch, side) {
      const now: LivePatch = {};
      for (const [key, value] of Object.entries(patch) as Array<[LiveSetting, unknown]>) {
        const one = { [key]: value } as LivePatch;
        if (TYPED_SETTINGS.includes(key)) pacer(key, 'all').call(one);
        else if (SLIDER_SETTINGS.includes(key)) pacer(key, side).call(one);
        else Object.assign(now, one);
      }
      if (Object.keys(now).length) post(now, side);
    },
    flush() {
      for (const p of pacers.values()) p.flush();
    },
  };
}
