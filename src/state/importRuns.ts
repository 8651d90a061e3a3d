/**
 * Run files in: refused by size before a byte is read, then parsed and validated in a worker
 * (src/worker/importWorker.ts), so a large file never blocks the page.
 */
import { formatBytes } from '../data/bytes';
import { parseRunFile, RunFileError, type RunRecord } from '../engine/runRecord';

/** A run's record is at most ~10 MB (frames are thinned under ~8 MB); 100 MB holds many. */
export const MAX_IMPORT_BYTES = 100_000_000;

export type ImportReply =
  | { ok: true; runs: RunRecord[]; checkpoint?: unknown }
  | { ok: false; message: string };

export interface RunFile {
  runs: RunRecord[];
  /** The file's `checkpoint` field, as parsed (an "Export with weights" file), else undefined. */
  checkpoint?: unknown;
}

/** Why a file is refused before reading it, or null. */
export function refuseBySize(name: string, bytes: number): string | null {
  if (bytes <= MAX_IMPORT_BYTES) return null;
  return `${name} is ${formatBytes(bytes)}: run files over 100 MB are not imported (one run is at most about 10 MB; export fewer runs per file)`;
}

/**
 * What an imported file carries besides its runs (a checkpoint: resume's part) is handed to this
 * hook once the runs are in the library; it returns a sentence for the import message.
 */
let checkpointHook: ((checkpoint: unknown) => string) | null = null;
export function onImportedCheckpoint(fn: (checkpoint: unknown) => string): void {
  checkpointHook = fn;
}
export function importedCheckpoint(checkpoint: unknown): string {
  return checkpoint === undefined || !checkpointHook ? '' : checkpointHook(checkpoint);
}

/** The file's runs, validated (version 1 and 2 migrated); throws RunFileError with why not. */
export function readRunFile(file: Blob): Promise<RunFile> {
  if (typeof Worker === 'undefined') {
    return file.text().then((text) => ({
      runs: parseRunFile(text),
      checkpoint: (JSON.parse(text) as { checkpoint?: unknown }).checkpoint,
    }));
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../worker/importWorker.ts', import.meta.url), {
      type: 'module',
    });
    worker.onmessage = (ev: MessageEvent<ImportReply>) => {
      worker.terminate();
      if (ev.data.ok) resolve({ runs: ev.data.runs, checkpoint: ev.data.checkpoint });
      else reject(new RunFileError(ev.data.message));
    };
    worker.onerror = (ev) => {
      worker.terminate();
      reject(new Error(`the import worker failed: ${ev.message || 'it could not start'}`));
    };
    worker.postMessage({ file });
  });
}
