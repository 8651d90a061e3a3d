/**
 * Getting a dataset's official files into the page: IndexedDB cache first, then a download
 * with progress, cancel (AbortSignal) and resume (Range), from the publisher where the
 * registry says a page may fetch it (https + CORS), else from the app's own
 * `/data/<id>/<file>` endpoint (server/datasetServer.ts). Every file is verified before it
 * is cached or returned.
 */
import { type CachedFileMeta, type DatasetFileCache, defaultCache } from './browserCache.ts';
import type { DatasetId, RawDatasetFiles } from './dataset.ts';
import { type DatasetError, isDatasetError } from './errors.ts';
import { type FetchOptions, fetchDatasetFile } from './fileDownload.ts';
import { verifyDatasetFile } from './parse.ts';
import { DATASETS, type FileSlot, matchOfficialName, officialUrls } from './registry.ts';

export type { DownloadProgress } from './fileDownload.ts';

function defaultAppBase(): string {
  const env = (import.meta as { env?: { BASE_URL?: string } }).env;
  return env?.BASE_URL ?? '/';
}

/** The app endpoint for one file. */
export function appFileUrl(id: DatasetId, name: string, appBase = defaultAppBase()): string {
  return `${appBase.endsWith('/') ? appBase : `${appBase}/`}data/${id}/${encodeURIComponent(name)}`;
}

/** What loadDataset returns: ready to post as RawDatasetFiles (transfer the buffers). */
export interface LoadedDataset extends RawDatasetFiles {
  /** Where each file came from: 'cache' or the URL. */
  sources: Record<string, string>;
  /** Official files that could not be had (the split is then carved). */
  missing: string[];
  /** Files that no checksum covers (validated by parsing only). */
  unverified: string[];
}

interface ServerListing {
  files: { name: string }[];
}

async function appListing(id: DatasetId, opts: FetchOptions): Promise<ServerListing | undefined> {
  try {
    const res = await (opts.fetchImpl ?? fetch)(appFileUrl(id, '', opts.appBase), {
      signal: opts.signal,
      cache: 'no-store',
      headers: { Accept: 'application/json' },
    });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return undefined;
    return (await res.json()) as ServerListing;
  } catch {
    // Static hosting (no dev server) or offline: fall through to the publisher.
    return undefined;
  }
}

/**
 * Loads a dataset's official files: from the browser cache, else downloaded (publisher
 * via CORS where allowed, the app's /data endpoint otherwise), verified and cached. If one
 * split cannot be had but the other is complete and `allowCarve` (default true), returns
 * with `carve: true` and the missing files listed; otherwise throws the download error.
 */
export async function loadDataset(
  id: DatasetId,
  opts: FetchOptions & { allowCarve?: boolean } = {},
): Promise<LoadedDataset> {
  const info = DATASETS[id];
  const cache = opts.cache ?? defaultCache();
  const browserUrls = opts.browserUrls ?? ((i: DatasetId, n: string) => officialUrls(i, n, true));
  const files: Record<string, ArrayBuffer> = {};
  const sources: Record<string, string> = {};
  const unverified: string[] = [];
  const got = new Set<FileSlot>();
  const fileCount = info.files.length;

  // 1. The cache: any cached spelling of each official file.
  let cached: CachedFileMeta[] = [];
  try {
    cached = await cache.list(id);
  } catch (e) {
    opts.onWarning?.((e as Error).message);
  }
  for (const c of cached) {
    const m = matchOfficialName(id, c.name);
    if (!m) continue;
    // CIFAR-10 may be cached as the archive or as loose batches: take the archive if present.
    if (
      m.batch &&
      cached.some(
        (o) =>
          o.name !== c.name &&
          !matchOfficialName(id, o.name)?.batch &&
          matchOfficialName(id, o.name)?.file.slot === 'archive',
      )
    )
      continue;
    if (!m.batch && got.has(m.file.slot)) continue;
    const file = await cache.get(id, c.name).catch(() => undefined);
    if (!file) continue;
    files[file.name] = file.data;
    sources[file.name] = 'cache';
    if (file.verified === 'unverified') unverified.push(file.name);
    got.add(m.file.slot);
    opts.onProgress?.({
      id,
      file: file.name,
      url: 'cache',
      loaded: file.bytes,
      total: file.bytes,
      percent: 100,
      fileIndex: info.files.indexOf(m.file),
      fileCount,
      phase: 'cache',
    });
  }

  // 2. Downloads for the rest.
  const todo = info.files.filter((f) => !got.has(f.slot));
  const listing = todo.length > 0 ? await appListing(id, opts) : undefined;
  const errors: DatasetError[] = [];
  for (const f of todo) {
    const i = info.files.indexOf(f);
    // Prefer what the app server already holds; else the publisher (CORS), then the app
    // server, which downloads server-side.
    const local = listing?.files.find((l) => matchOfficialName(id, l.name)?.file.slot === f.slot);
    const name = local?.name ?? f.name;
    const urls = local
      ? [appFileUrl(id, name, opts.appBase)]
      : [...browserUrls(id, f.name), appFileUrl(id, f.name, opts.appBase)];
    try {
      const r = await fetchDatasetFile(id, name, urls, { ...opts, cache, fileIndex: i, fileCount });
      files[name] = r.data;
      sources[name] = r.url;
      if (r.verification.status === 'unverified') unverified.push(name);
      got.add(f.slot);
      try {
        await cache.put({
          id,
          name,
          data: r.data,
          bytes: r.data.byteLength,
          md5: r.verification.md5,
          verified: r.verification.status,
          source: r.url,
          savedAt: Date.now(),
        });
      } catch (e) {
        opts.onWarning?.((e as Error).message);
      }
    } catch (e) {
      if (!isDatasetError(e) || e.code === 'aborted') throw e;
      errors.push(e);
    }
  }

  const missing = info.files.filter((f) => !got.has(f.slot)).map((f) => f.name);
  if (missing.length === 0) return { id, files, sources, missing, unverified };
  const complete = (a: FileSlot, b: FileSlot) => got.has(a) && got.has(b);
  const oneSplit =
    info.format === 'idx' &&
    (complete('trainImages', 'trainLabels') || complete('testImages', 'testLabels'));
  if (oneSplit && (opts.allowCarve ?? true)) {
    for (const e of errors) opts.onWarning?.(e.message);
    return { id, files, sources, missing, unverified, carve: true };
  }
  throw errors[0];
}

/** Adds files the user picked ("Open files…") to the cache after verifying them; returns them. */
export async function importUserFiles(
  id: DatasetId,
  picked: { name: string; data: ArrayBuffer }[],
  cache: DatasetFileCache = defaultCache(),
): Promise<{ files: Record<string, ArrayBuffer>; unverified: string[]; ignored: string[] }> {
  const files: Record<string, ArrayBuffer> = {};
  const unverified: string[] = [];
  const ignored: string[] = [];
  for (const p of picked) {
    const m = matchOfficialName(id, p.name);
    if (!m) {
      ignored.push(p.name);
      continue;
    }
    const v = await verifyDatasetFile(id, p.name, p.data);
    if (v.status === 'unverified') unverified.push(p.name);
    files[p.name] = p.data;
    await cache
      .put({
        id,
        name: p.name,
        data: p.data,
        bytes: p.data.byteLength,
        md5: v.md5,
        verified: v.status,
        source: 'file',
        savedAt: Date.now(),
      })
      .catch(() => {});
  }
  return { files, unverified, ignored };
}
