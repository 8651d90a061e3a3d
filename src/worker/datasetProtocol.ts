/** Messages between the page and the dataset worker (src/worker/datasetWorker.ts). */
import type { DownloadProgress, LoadedDataset } from '../data/browserFetch';
import type { DatasetId } from '../data/dataset';

export type ToDatasetWorker =
  /** Cache first, then download, verify (MD5 as the bytes arrive) and cache. */
  | { type: 'download'; id: DatasetId }
  /** Files the user opened: read, verified (decompressed where a checksum needs it), cached. */
  | { type: 'import'; id: DatasetId; files: File[] }
  | { type: 'cancel' };

export interface ImportedFiles {
  files: Record<string, ArrayBuffer>;
  unverified: string[];
  ignored: string[];
}

/** A DatasetError (or any error) as plain data: what the dataset panel shows. */
export interface DatasetWorkerError {
  name: string;
  code?: string;
  message: string;
  urls?: string[];
  hint?: string;
}

export type FromDatasetWorker =
  | { type: 'progress'; progress: DownloadProgress }
  | { type: 'warning'; message: string }
  | { type: 'downloaded'; result: LoadedDataset }
  | { type: 'imported'; result: ImportedFiles }
  | { type: 'failed'; error: DatasetWorkerError };
