/**
 * The one place the UI touches the browser data layer: src/data/browserFetch.ts
 * (`loadDataset`, `importUserFiles`) and src/data/browserCache.ts (`defaultCache().list()`
 * / `.clear()`). Everything else in the UI calls these wrappers.
 */
import { defaultCache } from '../data/browserCache';
import { importUserFiles, type LoadedDataset, loadDataset } from '../data/browserFetch';
import type { DatasetId } from '../data/dataset';
import { OFFLINE_HINT } from '../data/errors';
import { DATASETS } from '../data/registry';
import type { RawDatasetFiles } from '../protocol';

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

/** Cache first, then download (verified, cached). One split only: returns `carve: true`. */
export async function downloadDataset(
  id: DatasetId,
  opts: LoadOptions,
): Promise<DownloadedDataset> {
  const res: LoadedDataset = await loadDataset(id, {
    signal: opts.signal,
    onWarning: opts.onWarning,
    onProgress: (p) =>
      opts.onProgress?.({
        loaded: p.loaded,
        total: p.total ?? 0,
        file: p.file,
        fileIndex: p.fileIndex,
        fileCount: p.fileCount,
        phase: p.phase,
      }),
  });
  return { id: res.id, files: res.files, carve: res.carve, missing: res.missing };
}

/** "Open files…": verifies the picked files, keeps them in the cache, returns the official ones. */
export async function importOpenedFiles(
  id: DatasetId,
  picked: { name: string; data: ArrayBuffer }[],
): Promise<{ files: Record<string, ArrayBuffer>; ignored: string[]; unverified: string[] }> {
  return importUserFiles(id, picked);
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
