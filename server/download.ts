/**
 * Server-side downloads of official dataset files (CLI `data fetch` and the dev server):
 * node:http(s) rather than fetch, so a `.gz` is never transparently decompressed; resumes a
 * kept `.part` file with an HTTP Range request; checks the publisher's MD5; writes into the
 * cache atomically (rename).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { DatasetId } from '../src/data/dataset.ts';
import { DatasetError, OFFLINE_HINT } from '../src/data/errors.ts';
import { DATASETS, matchOfficialName } from '../src/data/registry.ts';
import { type CacheEntry, cacheDir, cacheRoot, readManifest, recordCacheEntry } from './cache.ts';

export interface DownloadProgress {
  file: string;
  url: string;
  /** Bytes on disk so far, resumed part included. */
  loaded: number;
  /** Full size when the server says it. */
  total?: number;
  /** Bytes that came from a kept `.part` file. */
  resumedFrom: number;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Give up when no byte arrives for this long (connect included). Default 30 s. */
  stallMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * URLs to try for one file: `$ITRA_DATA_BASE_URL` + name when set (tests, private mirrors),
 * else the registry's mirrors in order.
 */
export function downloadUrls(
  id: DatasetId,
  fileName: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const base = env.ITRA_DATA_BASE_URL;
  if (base) return [`${base.endsWith('/') ? base : `${base}/`}${fileName}`];
  return DATASETS[id].mirrors.map((m) => m.base + fileName);
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`HTTP ${status} from ${url}`);
  }
}

function request(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  redirects = 5,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!mod) return reject(new Error(`unsupported URL scheme ${u.protocol}`));
    const req = mod.get(
      u,
      { headers: { 'accept-encoding': 'identity', ...headers }, signal },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirects === 0) return reject(new Error(`too many redirects from ${url}`));
          const next = new URL(res.headers.location, u).toString();
          request(next, headers, signal, redirects - 1).then(resolve, reject);
          return;
        }
        resolve(res);
      },
    );
    req.on('error', reject);
  });
}

/**
 * Downloads `url` to `dest`, through `dest.part`. A kept `.part` is resumed with a Range
 * request; a server that ignores the range (200) restarts it. Returns size and MD5 of the
 * whole file; `dest` only appears once the download is complete.
 */
export async function downloadToFile(
  url: string,
  dest: string,
  opts: DownloadOptions = {},
): Promise<{ bytes: number; md5: string }> {
  const part = `${dest}.part`;
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const have = await fsp.stat(part).then(
    (s) => s.size,
    () => 0,
  );
  const stallMs =
    opts.stallMs ??
    Number(opts.env?.ITRA_DATA_TIMEOUT_MS ?? process.env.ITRA_DATA_TIMEOUT_MS ?? 30_000);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort);
  let stall: ReturnType<typeof setTimeout> | undefined;
  const kick = () => {
    clearTimeout(stall);
    stall = setTimeout(() => ctl.abort(new Error(`no data for ${stallMs / 1000} s`)), stallMs);
  };
  try {
    kick();
    const res = await request(url, have > 0 ? { range: `bytes=${have}-` } : {}, ctl.signal);
    const status = res.statusCode ?? 0;
    const hash = createHash('md5');
    let start = 0;
    if (status === 206 && have > 0) {
      const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== have) {
        res.resume();
        await fsp.rm(part, { force: true });
        throw new Error(
          `server answered an unexpected range (${res.headers['content-range']}); retry`,
        );
      }
      start = have;
      // The hash covers the whole file: feed it the part we kept.
      for await (const chunk of fs.createReadStream(part)) hash.update(chunk as Buffer);
    } else if (status === 416 && have > 0) {
      // Nothing left to fetch: the part is (probably) the whole file; the MD5 check decides.
      res.resume();
      for await (const chunk of fs.createReadStream(part)) hash.update(chunk as Buffer);
      await fsp.rename(part, dest);
      return { bytes: have, md5: hash.digest('hex') };
    } else if (status !== 200) {
      res.resume();
      throw new HttpStatusError(status, url);
    }
    const length = Number(res.headers['content-length']);
    const total = Number.isFinite(length) && length > 0 ? start + length : undefined;
    const out = fs.createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
    let loaded = start;
    const report = () =>
      opts.onProgress?.({ file: path.basename(dest), url, loaded, total, resumedFrom: start });
    report();
    try {
      for await (const chunk of res) {
        kick();
        const buf = chunk as Buffer;
        hash.update(buf);
        loaded += buf.length;
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        report();
      }
    } finally {
      await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
    }
    if (ctl.signal.aborted) throw ctl.signal.reason ?? new Error('aborted');
    if (total !== undefined && loaded !== total) {
      throw new Error(`connection closed after ${loaded} of ${total} bytes (kept for resume)`);
    }
    await fsp.rename(part, dest);
    return { bytes: loaded, md5: hash.digest('hex') };
  } finally {
    clearTimeout(stall);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function explain(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const inner = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${code && !e.message.includes(code) ? `${code} ` : ''}${e.message}${inner}`;
  }
  return String(e);
}

export interface FetchFileOptions extends DownloadOptions {
  root?: string;
  /** Called before each URL is tried. */
  onTry?: (url: string) => void;
}

/**
 * Downloads one official file of `id` into the cache, trying each URL in turn, and checks
 * it against the publisher's MD5. Fails with DatasetError('network') naming every URL and
 * why it failed, or 'checksum' when the only files obtained were not the official ones.
 */
export async function fetchDatasetFile(
  id: DatasetId,
  fileName: string,
  opts: FetchFileOptions = {},
): Promise<CacheEntry> {
  const file = DATASETS[id].files.find((f) => f.name === fileName);
  if (!file) {
    throw new DatasetError(
      'missing-file',
      `${fileName} is not an official ${DATASETS[id].name} file.`,
      {
        file: fileName,
      },
    );
  }
  const root = opts.root ?? cacheRoot(opts.env);
  const dest = path.join(cacheDir(id, root), fileName);
  const urls = downloadUrls(id, fileName, opts.env);
  const failures: string[] = [];
  let checksumError: DatasetError | undefined;
  for (const url of urls) {
    if (opts.signal?.aborted) break;
    opts.onTry?.(url);
    try {
      const got = await downloadToFile(url, dest, opts);
      if (got.md5 !== file.md5) {
        await fsp.rm(dest, { force: true });
        checksumError = new DatasetError(
          'checksum',
          `${fileName} from ${url} failed the checksum check: MD5 ${got.md5}, expected ${file.md5}. ` +
            'The download was damaged or the host serves a different file; it was deleted.',
          { file: fileName, urls: [url] },
        );
        failures.push(`${url}: MD5 mismatch`);
        continue;
      }
      const entry: CacheEntry = {
        name: fileName,
        bytes: got.bytes,
        md5: got.md5,
        verified: 'official',
        source: url,
        savedAt: new Date().toISOString(),
      };
      await recordCacheEntry(id, entry, root);
      return entry;
    } catch (e) {
      if (opts.signal?.aborted) {
        throw new DatasetError(
          'aborted',
          `Download of ${fileName} cancelled (partial file kept for resume).`,
          {
            file: fileName,
            urls: [url],
          },
        );
      }
      failures.push(`${url}: ${explain(e)}`);
    }
  }
  if (checksumError && failures.every((f) => f.endsWith('MD5 mismatch'))) throw checksumError;
  throw new DatasetError(
    'network',
    `Could not download ${fileName} (${DATASETS[id].name}). Tried:\n  ${failures.join('\n  ')}\n` +
      `If this machine has no internet access, that is expected. ${OFFLINE_HINT}`,
    { file: fileName, urls, reasons: failures, hint: OFFLINE_HINT },
  );
}

/**
 * Official files of `id` the cache already holds in a checksum-verified form (the official
 * file, or any spelling whose content MD5 matched), keyed by official name.
 */
export async function cachedVerified(
  id: DatasetId,
  root = cacheRoot(),
): Promise<Map<string, CacheEntry>> {
  const manifest = await readManifest(id, root);
  const out = new Map<string, CacheEntry>();
  for (const e of Object.values(manifest)) {
    const m = matchOfficialName(id, e.name);
    if (!m || m.batch || e.verified === 'unverified') continue;
    const size = await fsp.stat(path.join(cacheDir(id, root), e.name)).then(
      (s) => s.size,
      () => -1,
    );
    if (size === e.bytes) out.set(m.file.name, e);
  }
  return out;
}

// One download per file at a time, whoever asks (two browser tabs, CLI inside the server).
const inflight = new Map<string, Promise<CacheEntry>>();

export function fetchDatasetFileOnce(
  id: DatasetId,
  fileName: string,
  opts: FetchFileOptions = {},
): Promise<CacheEntry> {
  const key = `${opts.root ?? cacheRoot(opts.env)}|${id}|${fileName}`;
  let p = inflight.get(key);
  if (!p) {
    p = fetchDatasetFile(id, fileName, opts).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}
