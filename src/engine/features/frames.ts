/**
 * Embedding frames in a run record: one per eval step up to a cap that keeps a record under
 * ~10 MB; past the cap every other older frame is dropped (the first and the newest stay), so
 * the step slider still spans the whole run, more coarsely at its start.
 */
import type { EmbeddingFrame } from '../runRecord';

/** Bytes of JSON the frames of one record may take (the rest of a record is far smaller). */
const FRAME_BUDGET_BYTES = 8e6;
/** JSON bytes per point of a frame: two 4-digit coordinates and a prediction. */
const BYTES_PER_POINT = 20;

export function maxFrames(points: number): number {
  return Math.max(16, Math.floor(FRAME_BUDGET_BYTES / (Math.max(1, points) * BYTES_PER_POINT)));
}

/** `frames` plus `frame` (replacing one of the same step and method), thinned to the cap. */
export function addFrame(
  frames: readonly EmbeddingFrame[],
  frame: EmbeddingFrame,
  cap = maxFrames(frame.pred.length),
): EmbeddingFrame[] {
  let out = frames.filter((f) => !(f.step === frame.step && f.method === frame.method));
  out.push(frame);
  out.sort((a, b) => a.step - b.step);
  while (out.length > cap) {
    const last = out.length - 1;
    out = out.filter((_, i) => i === 0 || i === last || i % 2 === 0);
  }
  return out;
}

/** The frame at `step` or the latest before it (the slider's frame); null before the first. */
export function frameAt(frames: readonly EmbeddingFrame[], step: number): EmbeddingFrame | null {
  let best: EmbeddingFrame | null = null;
  for (const f of frames) if (f.step <= step && (!best || f.step >= best.step)) best = f;
  return best;
}
