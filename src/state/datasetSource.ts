/**
 * The one place the UI touches the browser data layer. Downloads and opened files go to the
 * dataset worker (src/worker/datasetWorker.ts: fetch, MD5, gunzip, IndexedDB), so the main
 * thread only receives progress and the finished buffers; the cache listing and clearing
 * (src/data/browserCache.ts) stay here. Everything else in the UI calls these wrappers.
 */
import { defaultCache, requestPersistentStorage } from '../data/browserCache';
import type { DownloadProgress as FetchProgress, LoadedDataset } from '../data/browserFetch';
import type { DatasetId } from '../data/dataset';
import { OFFLINE_HINT } from '../data/errors';
import { DATASETS } from '../data/registry';
import type { RawDatasetFiles } from '../protocol';
import type { FromDatasetWorker, ImportedFiles, ToDatasetWorker } from '../worker/datasetProtocol';

export interface DownloadProgress {
  loaded: number;
  /** 0 when unknown. */
  total: number;
  file: string;
  /** Position among the dataset's files, for "file 2 of 4". */
  fileIndex: number;
  fileCount: number;
  phase: 'cache' | 'download' | 'verify';
}

export interface LoadOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

export interface DownloadedDataset extends RawDatasetFiles {
  /** Official files that could not be had (then `carve` is set: one split only). */
  missing: string[];
}

/**
 * Runs one job in a fresh dataset worker; `signal` cancels it (a download keeps its part for
 * resuming). Rejects with the worker's error as plain data (describeDatasetError reads it).
 */
function runInWorker<T>(
  job: ToDatasetWorker,
  done: 'downloaded' | 'imported',
  opts: LoadOptions,
): Promise<T> {
  // The worker caches what it loads: ask first that the browser keep it (Window-only API).
  void requestPersistentStorage();
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(new URL('../worker/datasetWorker.ts', import.meta.url), {
      type: 'module',
    });
    const finish = () => {
      opts.signal?.removeEventListener('abort', cancel);
      worker.terminate();
    };
    const cancel = () => worker.postMessage({ type: 'cancel' } satisfies ToDatasetWorker);
    opts.signal?.addEventListener('abort', cancel);
    worker.onmessage = (ev: MessageEvent<FromDatasetWorker>) => {
      const m = ev.data;
      if (m.type === 'progress') opts.onProgress?.(toProgress(m.progress));
      else if (m.type === 'warning') opts.onWarning?.(m.message);
      else if (m.type === 'failed') {
        finish();
        reject(Object.assign(new Error(m.error.message), m.error));
      } else if (m.type === done) {
        finish();
        resolve(m.result as T);
      }
    };
    worker.onerror = (ev) => {
      finish();
      reject(new Error(`The dataset worker failed: ${ev.message || 'it could not start'}`));
    };
    worker.postMessage(job);
  });
}

const toProgress = (p: FetchProgress): DownloadProgress => ({
  loaded: p.loaded,
  total: p.total ?? 0,
  file: p.file,
  fileIndex: p.fileIndex,
  fileCount: p.fileCount,
  phase: p.phase,
});

/** Cache first, then download (verified, cached). One split only: returns `carve: true`. */
export async function downloadDataset(
  id: DatasetId,
  opts: LoadOptions,
): Promise<DownloadedDataset> {
  const res = await runInWorker<LoadedDataset>({ type: 'download', id }, 'downloaded', opts);
  return { id: res.id, files: res.files, carve: res.carve, missing: res.missing };
}

/**
 * "Open files…": the files are read, verified and kept in the cache in the dataset worker;
 * returns the official ones.
 */
export function importOpenedFiles(
  id: DatasetId,
  files: File[],
  opts: LoadOptions = {},
): Promise<ImportedFiles> {
  return runInWorker<ImportedFiles>({ type: 'import', id, files }, 'imported', opts);
}

export interface CacheItem {
  label: string;
  bytes: number;
}

/** What is in the browser's dataset cache, or null when the cache is unavailable. */
export async function cacheContents(): Promise<CacheItem[] | null> {
  if (typeof indexedDB === 'undefined') return null;
  const rows = await defaultCache().list();
  return rows.map((r) => ({ label: `${r.id}/${r.name}`, bytes: r.bytes }));
}

export async function clearDatasetCache(): Promise<void> {
  await defaultCache().clear();
}

export interface DatasetErrorView {
  message: string;
  /** URLs that failed, named in the message area. */
  urls: string[];
  hint?: string;
  aborted: boolean;
}

/** Normalises anything thrown by the data layer into what the dataset panel shows. */
export function describeDatasetError(e: unknown): DatasetErrorView {
  const o = (e && typeof e === 'object' ? e : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    urls?: unknown;
    hint?: unknown;
  };
  const aborted = o.name === 'AbortError' || o.code === 'aborted';
  const urls = Array.isArray(o.urls)
    ? o.urls.filter((u): u is string => typeof u === 'string')
    : [];
  const raw = typeof o.message === 'string' && o.message ? o.message : String(e);
  // The panel always states the two ways out itself: don't print them twice.
  const message = raw.replace(OFFLINE_HINT, '').trim();
  const hint = typeof o.hint === 'string' && o.hint !== OFFLINE_HINT ? o.hint : undefined;
  return { message, urls, hint, aborted };
}

/** Official file names of a dataset, for the "Open files…" hint. */
export function officialFileNames(id: DatasetId): string[] {
  return DATASETS[id].files.map((f) => f.name);
}

export { DATASETS };
