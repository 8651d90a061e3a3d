/**
 * An imported "Export with weights" file: its checkpoint is kept for its runs (so they can be
 * resumed), unless the library already has a newer one for them.
 */
import type { BundledWeights } from '../engine/checkpointFile';
import { keepCheckpoint, useCheckpoints } from './checkpoints';
import type { LibraryEntry } from './libraryLogic';

/** Keeps the file's checkpoint; returns a sentence for the import message ('' if none). */
export function adoptImportedWeights(
  { checkpoint, checkpointProblem }: BundledWeights,
  entries: Readonly<Record<string, LibraryEntry>>,
): string {
  if (checkpointProblem) {
    return ` Its weights could not be read (${checkpointProblem.replace(/\.$/, '')}); the curves were imported.`;
  }
  if (!checkpoint) return '';
  if (!checkpoint.runIds.every((id) => entries[id])) {
    return ' Its weights were not kept: its runs are not all in the library.';
  }
  const have = Math.max(
    -1,
    ...checkpoint.runIds.map((id) => useCheckpoints.getState().steps[id] ?? -1),
  );
  if (have > checkpoint.step) {
    return ` Its weights (step ${checkpoint.step}) were not kept: the library has a newer checkpoint (step ${have}).`;
  }
  keepCheckpoint(checkpoint);
  return ` With its weights (step ${checkpoint.step}): press Resume to continue it.`;
}
