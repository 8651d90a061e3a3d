/**
 * One dataset file over the network: a download with progress, cancel (AbortSignal) and
 * resume (Range request over a kept partial download), tried URL by URL, verified (MD5 or
 * parse) before it is returned. The cache-first loading of a whole dataset is browserFetch.ts.
 */
import { createMD5 } from 'hash-wasm';
import { type DatasetFileCache, defaultCache } from './browserCache.ts';
import type { DatasetId } from './dataset.ts';
import { DatasetError, isDatasetError, OFFLINE_HINT } from './errors.ts';
import { type Verification, verifyDatasetFile } from './parse.ts';
import { DATASETS } from './registry.ts';

export interface DownloadProgress {
  id: DatasetId;
  file: string;
  url: string;
  /** Bytes of this file received so far (a resumed part included). */
  loaded: number;
  /** This file's size when known. */
  total?: number;
  /** 0..100 when the size is known. */
  percent?: number;
  /** Position of this file among those being loaded, from 0. */
  fileIndex: number;
  fileCount: number;
  phase: 'cache' | 'download' | 'verify';
}

export interface FetchOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  cache?: DatasetFileCache;
  /** Where the app is served, for `<appBase>data/<id>/<file>`; default Vite's BASE_URL. */
  appBase?: string;
  /** Publisher URLs a page may fetch; default from the registry (tests override it). */
  browserUrls?: (id: DatasetId, name: string) => string[];
  /** Non-fatal problems, e.g. no room in the cache. */
  onWarning?: (message: string) => void;
  fetchImpl?: typeof fetch;
}

export const aborted = (name: string, url?: string) =>
  new DatasetError(
    'aborted',
    `Download of ${name} cancelled. It resumes where it stopped next time.`,
    {
      file: name,
      urls: url ? [url] : undefined,
    },
  );

/** Reads a JSON error body from the app endpoint ({error, url, hint}) when there is one. */
async function serverReason(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: string };
    if (body.error) return `HTTP ${res.status}: ${body.error.split('\n')[0]}`;
  } catch {
    // not JSON
  }
  return `HTTP ${res.status} ${res.statusText}`.trim();
}

/**
 * Downloads one URL, resuming a kept partial download of the same URL with a Range request.
 * On failure after some bytes, keeps them for next time.
 */
async function download(
  id: DatasetId,
  name: string,
  url: string,
  opts: FetchOptions & { cache: DatasetFileCache; fileIndex: number; fileCount: number },
  resume = true,
): Promise<{ data: ArrayBuffer; md5: string }> {
  const doFetch = opts.fetchImpl ?? fetch;
  const pkey = `${id}/${name}`;
  let partial = resume ? await opts.cache.getPartial(pkey).catch(() => undefined) : undefined;
  if (partial && partial.url !== url) partial = undefined;
  const headers: Record<string, string> = {};
  // Only Range (CORS-safelisted); If-Range would force a preflight on the publisher. We
  // compare the ETag ourselves instead.
  if (partial) headers.Range = `bytes=${partial.data.byteLength}-`;
  let res: Response;
  try {
    res = await doFetch(url, { signal: opts.signal, headers, cache: 'no-store' });
  } catch (e) {
    if (opts.signal?.aborted) throw aborted(name, url);
    throw e;
  }
  let offset = 0;
  let head: Uint8Array | undefined;
  if (partial && res.status === 206) {
    // Cross-origin, Content-Range and ETag are readable only if the host exposes them; a
    // 206 to our open-ended range is then taken at its word.
    const range = res.headers.get('content-range');
    const m = range ? /bytes (\d+)-/.exec(range) : undefined;
    const etag = res.headers.get('etag') ?? undefined;
    const sameStart =
      range === null || (m !== null && m !== undefined && Number(m[1]) === partial.data.byteLength);
    const sameFile = !partial.etag || !etag || etag === partial.etag;
    if (sameStart && sameFile) {
      offset = partial.data.byteLength;
      head = new Uint8Array(partial.data);
    } else {
      // Different file or range: start over.
      await res.body?.cancel();
      await opts.cache.deletePartial(pkey).catch(() => {});
      return download(id, name, url, opts, false);
    }
  } else if (partial && res.status === 416) {
    await opts.cache.deletePartial(pkey).catch(() => {});
    await res.body?.cancel();
    return download(id, name, url, opts, false);
  } else if (!res.ok) {
    throw new Error(await serverReason(res));
  } else if (partial) {
    await opts.cache.deletePartial(pkey).catch(() => {});
  }
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? offset + length : undefined;
  const etag = res.headers.get('etag') ?? undefined;
  // Accept-Ranges may be hidden cross-origin: keep partials anyway; a host that ignores
  // Range answers 200 next time and the download restarts.
  const resumable = res.status === 206 || res.headers.get('accept-ranges') !== 'none';
  // With a known size, write straight into one buffer (no second full copy at the end).
  const sink = new Sink(total);
  // The MD5 is computed as the bytes arrive (hash-wasm), not over 170 MB at the end.
  const hasher = await createMD5();
  hasher.init();
  if (head) {
    sink.push(head);
    hasher.update(head);
  }
  let loaded = offset;
  const report = () =>
    opts.onProgress?.({
      id,
      file: name,
      url,
      loaded,
      total,
      percent: total ? (100 * loaded) / total : undefined,
      fileIndex: opts.fileIndex,
      fileCount: opts.fileCount,
      phase: 'download',
    });
  report();
  const keep = async () => {
    if (!resumable || loaded <= offset || loaded === total) return;
    const data = sink.result();
    await opts.cache
      .putPartial({ key: pkey, url, data, etag, total, savedAt: Date.now() })
      .catch((e) => opts.onWarning?.((e as Error).message));
  };
  try {
    if (!res.body) throw new Error('empty response body');
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sink.push(value);
      hasher.update(value);
      loaded += value.length;
      report();
    }
  } catch (e) {
    await keep();
    if (opts.signal?.aborted) throw aborted(name, url);
    throw new Error(
      `connection lost after ${loaded} bytes${resumable ? ' (kept for resume)' : ''}: ${(e as Error).message}`,
    );
  }
  if (total !== undefined && loaded !== total) {
    await keep();
    throw new Error(`got ${loaded} of ${total} bytes${resumable ? ' (kept for resume)' : ''}`);
  }
  if (partial || offset > 0) await opts.cache.deletePartial(pkey).catch(() => {});
  return { data: sink.result(), md5: hasher.digest('hex') };
}

/** Collects a body: into one preallocated buffer when the size is known, else chunks. */
class Sink {
  private buf: Uint8Array | undefined;
  private chunks: Uint8Array[] = [];
  private n = 0;

  constructor(size?: number) {
    if (size !== undefined && size <= 2 ** 31) this.buf = new Uint8Array(size);
  }

  push(c: Uint8Array): void {
    if (this.buf && this.n + c.length > this.buf.length) {
      // Longer than announced: fall back to chunks.
      this.chunks = [this.buf.subarray(0, this.n)];
      this.buf = undefined;
    }
    if (this.buf) this.buf.set(c, this.n);
    else this.chunks.push(c);
    this.n += c.length;
  }

  /** The bytes so far, as an ArrayBuffer of exactly that length. */
  result(): ArrayBuffer {
    if (this.buf) {
      const b = this.buf.buffer as ArrayBuffer;
      return this.n === b.byteLength ? b : b.slice(0, this.n);
    }
    const out = new Uint8Array(this.n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out.buffer;
  }
}

export interface FetchedFile {
  name: string;
  data: ArrayBuffer;
  url: string;
  verification: Verification;
}

/**
 * Downloads and verifies one file, trying each URL in turn. Fails with DatasetError
 * ('network' or 'checksum') naming every URL tried and the ways out, or 'aborted'.
 */
export async function fetchDatasetFile(
  id: DatasetId,
  name: string,
  urls: string[],
  opts: FetchOptions & { cache?: DatasetFileCache; fileIndex?: number; fileCount?: number } = {},
): Promise<FetchedFile> {
  const cache = opts.cache ?? defaultCache();
  const failures: string[] = [];
  let lastChecksum: DatasetError | undefined;
  for (const url of urls) {
    if (opts.signal?.aborted) throw aborted(name, url);
    try {
      const { data, md5 } = await download(id, name, url, {
        ...opts,
        cache,
        fileIndex: opts.fileIndex ?? 0,
        fileCount: opts.fileCount ?? 1,
      });
      opts.onProgress?.({
        id,
        file: name,
        url,
        loaded: data.byteLength,
        total: data.byteLength,
        percent: 100,
        fileIndex: opts.fileIndex ?? 0,
        fileCount: opts.fileCount ?? 1,
        phase: 'verify',
      });
      const verification = await verifyDatasetFile(id, name, data, { md5 });
      return { name, data, url, verification };
    } catch (e) {
      if (isDatasetError(e) && e.code === 'aborted') throw e;
      if (isDatasetError(e) && e.code === 'checksum') {
        lastChecksum = e;
        failures.push(`${url}: checksum mismatch`);
        continue;
      }
      failures.push(`${url}: ${(e as Error).message ?? String(e)}`);
    }
  }
  if (lastChecksum && failures.every((f) => f.endsWith('checksum mismatch'))) throw lastChecksum;
  throw new DatasetError(
    'network',
    `Could not download ${name} (${DATASETS[id].name}). Tried:\n  ${failures.join('\n  ')}\n${OFFLINE_HINT}`,
    { file: name, urls, reasons: failures, hint: OFFLINE_HINT },
  );
}
