/**
 * "Export with weights": a run file (the "export all" bundle of the run, or of both sides of
 * a twin pair) with its checkpoint in the `checkpoint` field, in the form `npm run train --
 * --resume FILE` reads (checkpointFile.ts). Importing such a file keeps the checkpoint, so
 * the run can be resumed in the app.
 */
import { CheckpointError } from '../engine/checkpoint';
import { decodeCheckpointFile, encodeCheckpointFile } from '../engine/checkpointFile';
import { makeBundle } from '../engine/runRecord';
import { checkpointOf, keepCheckpoint } from './checkpoints';
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

/**
 * After an import: the file's checkpoint, if it has one, is kept for its runs. Returns a
 * sentence for the import message (empty when the file has no checkpoint).
 */
export function importCheckpoint(text: string): string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return '';
  }
  const raw = (data as { checkpoint?: unknown } | null)?.checkpoint;
  if (raw === undefined) return '';
  try {
    const ckpt = decodeCheckpointFile(raw);
    const { entries } = useLibraryStore.getState();
    if (!ckpt.runIds.every((id) => entries[id])) {
      return ' Its weights were not kept: its runs are not all in the library.';
    }
    keepCheckpoint(ckpt);
    return ` With its weights (step ${ckpt.step}): press Resume to continue it.`;
  } catch (e) {
    const why = e instanceof CheckpointError ? e.message : String(e);
    return ` Its weights could not be read (${why}); the curves were imported.`;
  }
}

/** Adds the checkpoint's sentence to the import message shown in the runs panel. */
export function noteImportedWeights(sentence: string): void {
  const last = useLibraryStore.getState().lastImport;
  if (sentence && last)
    useLibraryStore.setState({ lastImport: { ...last, message: last.message + sentence } });
}
