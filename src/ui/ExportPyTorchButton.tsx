/**
 * "Export as PyTorch": downloads a .zip of a folder whose train.py trains the same thing with
 * PyTorch (one CPU, one GPU, torchrun, SLURM; src/export/pytorchExport.ts). Two buttons:
 *  - `ExportPyTorchButton` for a run record (the runs panel, one per run);
 *  - `ExportPyTorchSettingsButton` for the settings the next run would start with (self-
 *    contained: it reads the config store; mount it anywhere in the settings panel).
 * train.py, the zip writer and fflate load on the first click (their own chunks).
 */
import { useState } from 'react';
import type { TrainConfig } from '../engine/config';
import type { RunRecord } from '../engine/runRecord';
import {
  exportInputFromConfig,
  exportInputFromRecord,
  type PytorchExportInput,
} from '../export/pytorchExport';
import { useConfigStore } from '../state/configStore';
import { downloadBlob } from '../state/download';

/** Builds and downloads the zip; returns an error message, or null. */
export async function downloadPytorchExport(
  input: () => PytorchExportInput,
): Promise<string | null> {
  try {
    const made = input();
    const [{ pytorchExportZip }, trainPy] = await Promise.all([
      import('../export/pytorchZip'),
      import('../../export/pytorch/train.py?raw').then((m) => m.default as string),
    ]);
    const { fileName, bytes } = pytorchExportZip(made, trainPy);
    downloadBlob(fileName, new Blob([bytes as BlobPart], { type: 'application/zip' }));
    return null;
  } catch (e) {
    return `Could not export as PyTorch: ${(e as Error).message}`;
  }
}

function useExport(input: () => PytorchExportInput) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(await downloadPytorchExport(input));
    setBusy(false);
  };
  return { busy, error, run };
}

const TITLE =
  'A folder (.zip) with train.py, config.json and a README: trains the same thing with PyTorch ' +
  '(one CPU, one GPU, torchrun, SLURM) from the identical initial weights and batches; Import its ' +
  'run record to overlay the curves.';

/** One run's export (the runs panel). */
export function ExportPyTorchButton({ record }: { record: RunRecord }) {
  const { busy, error, run } = useExport(() => exportInputFromRecord(record));
  return (
    <button
      type="button"
      className="btn small"
      aria-label={`Export ${record.name} as PyTorch`}
      title={error ?? TITLE}
      disabled={busy}
      onClick={() => void run()}
    >
      {error ? 'PyTorch ⚠' : 'PyTorch'}
    </button>
  );
}

/** The current settings' export (for the settings panel): trains for max steps. */
export function ExportPyTorchSettingsButton() {
  const config: TrainConfig = useConfigStore((s) => s.config);
  const { busy, error, run } = useExport(() => exportInputFromConfig(config));
  const noSteps = config.maxSteps === 0;
  return (
    <div className="export-pytorch">
      <button
        type="button"
        className="btn small"
        title={TITLE}
        disabled={busy}
        onClick={() => void run()}
      >
        Export as PyTorch
      </button>
      {noSteps ? <span className="note"> Max steps is 0: pass --steps N to train.py.</span> : null}
      {error ? (
        <div role="alert" className="inline-msg error">
          {error}
        </div>
      ) : null}
    </div>
  );
}
