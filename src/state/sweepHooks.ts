/**
 * Where the sweep queue (sweepQueue.ts) plugs into the controller without an import cycle:
 * told when the worker ends a session, and asked whether live changes may reach the run.
 */
import type { RunRecord } from '../engine/runRecord';

export const sweepHooks = {
  onFinished: (_runs: RunRecord[]) => {},
  livePatches: () => true,
};
