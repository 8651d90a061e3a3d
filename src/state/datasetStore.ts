/** The dataset the worker holds, and the download / parse / cache state around it. */
import { create } from 'zustand';
import type { DatasetId } from '../data/dataset';
import type { LoadedDatasetInfo, RawDatasetFiles } from '../protocol';
import type { SplitPresence } from './datasetFiles';
import type { CacheItem } from './datasetSource';

export type LoadedDataset = LoadedDatasetInfo;

export type DatasetTask =
  | {
      kind: 'download';
      id: DatasetId;
      loaded: number;
      /** 0 when unknown. */
      total: number;
      file: string;
      fileIndex: number;
      fileCount: number;
      phase?: 'cache' | 'download' | 'verify';
      /** Bytes per second of this file's download so far, once measurable. */
      rate?: number;
    }
  | { kind: 'read'; id: DatasetId; files: number }
  | { kind: 'parse'; id: DatasetId; task: string; done: number; total: number };

export interface DatasetProblem {
  id: DatasetId;
  message: string;
  urls: string[];
  hint?: string;
}

/** Files obtained but holding one split only: waiting for the user to accept carving. */
export interface PendingFiles {
  data: RawDatasetFiles;
  presence: SplitPresence;
  /** Official files that could not be had. */
  missing: string[];
}

export interface DatasetState {
  loaded: LoadedDataset | null;
  task: DatasetTask | null;
  error: DatasetProblem | null;
  pending: PendingFiles | null;
  /** Browser cache contents; null while unknown, 'unavailable' when there is no cache. */
  cache: CacheItem[] | null | 'unavailable';
}

export const useDatasetStore = create<DatasetState>()(() => ({
  loaded: null,
  task: null,
  error: null,
  pending: null,
  cache: null,
}));
