/**
 * Server-side downloads of official dataset files (CLI `data fetch` and the dev server).
 * Each file is downloaded under a cross-process lock (server/lock.ts) into a temporary file
 * unique to the attempt; the size is capped at the registry's, the MD5 (node:crypto, as the
 * bytes arrive) and the size are checked before the rename into place, so the cache only
 * ever holds official files. A `.part` left by an attempt that died is resumed with an HTTP
 * Range request; one being written by a live process is never touched (it holds the lock).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../src/data/bytes.ts';
import type { DatasetId } from '../src/data/dataset.ts';
import { DatasetError, OFFLINE_HINT } from '../src/data/errors.ts';
import { DATASETS, matchOfficialName } from '../src/data/registry.ts';
import { type CacheEntry, cacheDir, cacheRoot, readManifest, recordCacheEntry } from './cache.ts';
import { get } from './httpGet.ts';
import { withFileLock } from './lock.ts';

export interface DownloadProgress {
  file: string;
  url: string;
  /** Bytes on disk so far, resumed part included. */
  loaded: number;
  /** Full size when known (the registry's, else the server's). */
  total?: number;
  /** Bytes that came from a kept `.part` file. */
  resumedFrom: number;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** The whole file is about to arrive from byte 0 (kept part first): its size when known. */
  onStart?: (info: { total?: number; url: string }) => void;
  /** Every byte of the file, in order (a resumed part's first), as it is written. */
  onChunk?: (chunk: Buffer) => void;
  signal?: AbortSignal;
  /** Give up when no byte arrives for this long (connect included). Default 30 s. */
  stallMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface Expect {
  /** Exact size of the file: more is cut off, less is kept for resume. */
  bytes?: number;
  /** MD5 the file must have before it is moved into place. */
  md5?: string;
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

export class ChecksumMismatch extends Error {
  constructor(readonly md5: string) {
    super(`MD5 ${md5}`);
  }
}

/** Temporary files of earlier attempts at `dest` (`<name>.part`, `<name>.<tag>.part`). */
async function keptParts(dest: string): Promise<{ file: string; size: number }[]> {
  const dir = path.dirname(dest);
  const base = path.basename(dest);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const out: { file: string; size: number }[] = [];
  for (const n of names) {
    if (!n.startsWith(`${base}.`) || !n.endsWith('.part')) continue;
    const file = path.join(dir, n);
    const st = await fsp.stat(file).catch(() => undefined);
    if (st?.isFile()) out.push({ file, size: st.size });
  }
  return out.sort((a, b) => b.size - a.size);
}

let attempt = 0;

/**
 * Downloads `url` to `dest` through a temporary file of its own. The caller holds the lock
 * on `dest`, so every kept `.part` belongs to an attempt that ended: the largest one that
 * can be right is resumed, the others deleted. Returns size and MD5 of the whole file;
 * `dest` only appears once the download is complete and, where `expect` says, verified.
 */
export async function downloadToFile(
  url: string,
  dest: string,
  opts: DownloadOptions & { expect?: Expect } = {},
): Promise<{ bytes: number; md5: string }> {
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const want = opts.expect ?? {};
  const tmp = `${dest}.${process.pid}-${Date.now().toString(36)}-${attempt++}.part`;
  let have = 0;
  for (const p of await keptParts(dest)) {
    if (have === 0 && p.size > 0 && (want.bytes === undefined || p.size < want.bytes)) {
      await fsp.rename(p.file, tmp);
      have = p.size;
    } else await fsp.rm(p.file, { force: true });
  }
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
  // Bytes that may be resumed are kept (a lost connection, a stall, a mirror that is down);
  // bytes that are wrong (bad range, past the official size, bad MD5) are deleted.
  let discard = false;
  try {
    kick();
    const res = await get(url, have > 0 ? { range: `bytes=${have}-` } : {}, ctl.signal);
    const status = res.statusCode ?? 0;
    const hash = createHash('md5');
    let start = 0;
    if (status === 206 && have > 0) {
      const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== have) {
        res.resume();
        discard = true;
        throw new Error(
          `server answered an unexpected range (${res.headers['content-range']}); retry`,
        );
      }
      start = have;
    } else if (status !== 200) {
      res.resume();
      throw new HttpStatusError(status, url);
    }
    const length = Number(res.headers['content-length']);
    const sent = Number.isFinite(length) && length >= 0 ? start + length : undefined;
    if (want.bytes !== undefined && sent !== undefined && sent !== want.bytes) {
      res.resume();
      throw new Error(
        `${url} announces ${sent} bytes; the official file has ${want.bytes} (${formatBytes(want.bytes)}): not downloaded`,
      );
    }
    const total = want.bytes ?? sent;
    opts.onStart?.({ total, url });
    // The hash (and a streamed copy) covers the whole file: feed it the part we kept.
    if (start > 0) {
      for await (const chunk of fs.createReadStream(tmp)) {
        hash.update(chunk as Buffer);
        opts.onChunk?.(chunk as Buffer);
      }
    }
    const out = fs.createWriteStream(tmp, { flags: start > 0 ? 'a' : 'w' });
    let loaded = start;
    const report = () =>
      opts.onProgress?.({ file: path.basename(dest), url, loaded, total, resumedFrom: start });
    report();
    try {
      for await (const chunk of res) {
        kick();
        const buf = chunk as Buffer;
        loaded += buf.length;
        if (want.bytes !== undefined && loaded > want.bytes) {
          res.destroy();
          discard = true;
          throw new Error(
            `${url} sent more than the official ${want.bytes} bytes (${formatBytes(want.bytes)}); stopped and deleted`,
          );
        }
        hash.update(buf);
        opts.onChunk?.(buf);
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        report();
      }
    } finally {
      await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
    }
    if (ctl.signal.aborted) throw ctl.signal.reason ?? new Error('aborted');
    if (total !== undefined && loaded < total) {
      throw new Error(`connection closed after ${loaded} of ${total} bytes (kept for resume)`);
    }
    const md5 = hash.digest('hex');
    if (want.md5 !== undefined && md5 !== want.md5) {
      discard = true;
      throw new ChecksumMismatch(md5);
    }
    // On disk before it is visible: a crash after the rename cannot leave a torn file.
    const fh = await fsp.open(tmp, 'r+');
    await fh.sync().finally(() => fh.close());
    await fsp.rename(tmp, dest);
    return { bytes: loaded, md5 };
  } catch (e) {
    const size = await fsp.stat(tmp).then(
      (st) => st.size,
      () => 0,
    );
    if (discard || size === 0) await fsp.rm(tmp, { force: true });
    throw e;
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
  /** Another process is downloading this file: we wait for it. */
  onWait?: () => void;
}

/** The manifest's entry for `fileName` when the cache holds it as the publisher's file. */
async function officialEntry(
  id: DatasetId,
  fileName: string,
  root: string,
): Promise<CacheEntry | undefined> {
  const e = (await readManifest(id, root))[fileName];
  if (e?.verified !== 'official') return undefined;
  const size = await fsp.stat(path.join(cacheDir(id, root), fileName)).then(
    (s) => s.size,
    () => -1,
  );
  return size === e.bytes ? e : undefined;
}

/**
 * Downloads one official file of `id` into the cache, trying each URL in turn, holding the
 * file's lock throughout. If another process held it, its result is used when it got the
 * file. Fails with DatasetError('network') naming every URL and why it failed, or
 * 'checksum' when the only files obtained were not the official ones.
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
      { file: fileName },
    );
  }
  const root = opts.root ?? cacheRoot(opts.env);
  const dest = path.join(cacheDir(id, root), fileName);
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const urls = downloadUrls(id, fileName, opts.env);
  return withFileLock(
    dest,
    async (lost, waited) => {
      if (waited) {
        const done = await officialEntry(id, fileName, root);
        if (done) return done;
      }
      const signal = opts.signal ? AbortSignal.any([opts.signal, lost]) : lost;
      const failures: string[] = [];
      let checksumError: DatasetError | undefined;
      for (const url of urls) {
        if (signal.aborted) break;
        opts.onTry?.(url);
        try {
          const got = await downloadToFile(url, dest, {
            ...opts,
            signal,
            expect: { bytes: file.bytes, md5: file.md5 },
          });
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
          if (e instanceof ChecksumMismatch) {
            checksumError = new DatasetError(
              'checksum',
              `${fileName} from ${url} failed the checksum check: MD5 ${e.md5}, expected ${file.md5}. ` +
                'The download was damaged or the host serves a different file; it was deleted.',
              { file: fileName, urls: [url] },
            );
            failures.push(`${url}: MD5 mismatch`);
            continue;
          }
          if (opts.signal?.aborted) {
            throw new DatasetError(
              'aborted',
              `Download of ${fileName} cancelled (partial file kept for resume).`,
              { file: fileName, urls: [url] },
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
    },
    { signal: opts.signal, onWait: opts.onWait },
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

// One download per file at a time within this process (two browser tabs): the second asker
// shares the first's promise instead of waiting on the lock.
const inflight = new Map<string, Promise<CacheEntry>>();

export function fetchDatasetFileOnce(
  id: DatasetId,
  fileName: string,
  opts: FetchFileOptions = {},
): { promise: Promise<CacheEntry>; shared: boolean } {
  const key = `${opts.root ?? cacheRoot(opts.env)}|${id}|${fileName}`;
  const p = inflight.get(key);
  if (p) return { promise: p, shared: true };
  const promise = fetchDatasetFile(id, fileName, opts).finally(() => inflight.delete(key));
  inflight.set(key, promise);
  return { promise, shared: false };
}
