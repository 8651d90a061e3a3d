/**
 * "Export with weights": a run file (the "export all" bundle of the run, or of both sides of
 * a twin pair) with its checkpoint in the `checkpoint` field, in the form `npm run train --
 * --resume FILE` reads (checkpointFile.ts). Importing such a file keeps the checkpoint
 * (importedWeights.ts), so the run can be resumed in the app.
 */
import { encodeCheckpointFile } from '../engine/checkpointFile';
import { makeBundle } from '../engine/runRecord';
import { checkpointOf } from './checkpoints';
import { downloadJson } from './download';
import { runFileName } from './libraryLogic';
import { useLibraryStore } from './runsLibrary';

/** The export of a run with its checkpoint; null when it has none. */
export async function weightsBundle(runId: string) {
  const ckpt = await checkpointOf(runId);
  if (!ckpt) return null;
  const { entries } = useLibraryStore.getState();
  // The records as the library has them (renames included), else as the checkpoint has them.
  const runs = ckpt.sides.map((s) => entries[s.record.id]?.record ?? s.record);
  return { ...makeBundle(runs), checkpoint: encodeCheckpointFile(ckpt) };
}

export async function exportWithWeights(runId: string): Promise<boolean> {
  const bundle = await weightsBundle(runId);
  if (!bundle) return false;
  const name = runFileName(bundle.runs[0]).replace(/\.json$/, '-weights.json');
  downloadJson(name, bundle);
  return true;
}
