/**
 * Vite plugin: serves dataset files to the app at `GET /data/<id>/<file>` (dev and preview).
 * Order: the cache (`.data-cache/<id>/`), then local installs (Debian's dataset-fashion-mnist
 * in /usr/share/datasets/fashion-mnist), then a server-side download from the publisher into
 * the cache, streamed to the browser as it arrives (so its progress bar moves from the first
 * byte) while the cache file is written; the MD5 is checked before the file enters the cache,
 * and a download that fails it is cut off, so the browser (which checks too) never keeps it.
 * Only a same-origin request starts a download: another site cannot make this server fetch
 * 170 MB. Supports Range requests so the browser can resume. When the publisher cannot be
 * reached it answers 502 with JSON `{error, url, urls, hint}`.
 * `GET /data/<id>/` lists what is available without downloading anything.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { createProgress } from '../cli/progress.ts';
import type { DatasetId } from '../src/data/dataset.ts';
import { isDatasetError, OFFLINE_HINT } from '../src/data/errors.ts';
import { DATASET_IDS, DATASETS, isDatasetId, matchOfficialName } from '../src/data/registry.ts';
import {
  type AvailableFile,
  availableFiles,
  cacheRoot,
  findAvailable,
  missingFiles,
} from './cache.ts';
import { downloadUrls, fetchDatasetFileOnce } from './download.ts';

export interface DatasetServerOptions {
  /** Cache folder; default `$ITRA_DATA_CACHE` or `.data-cache/`. */
  root?: string;
  /** Environment for URL overrides (ITRA_DATA_BASE_URL); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Download missing official files from the publisher (default true). */
  download?: boolean;
  log?: (msg: string) => void;
}

type Next = (err?: unknown) => void;
export type DatasetMiddleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

async function listing(id: DatasetId, root: string) {
  const info = DATASETS[id];
  const files = await availableFiles(id, root);
  return {
    id,
    name: info.name,
    files: files.map((f) => ({
      name: f.name,
      bytes: f.bytes,
      where: f.where,
      verified: f.entry?.verified ?? (f.where === 'local' ? 'local install' : 'unknown'),
      md5: f.entry?.md5,
    })),
    missing: await missingFiles(id, root),
    official: info.files.map((f) => f.name),
  };
}

/** Parses a single `bytes=` range against `size`; undefined: serve whole; null: unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined | null {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined; // multi-range or unknown unit: whole file is a valid answer
  let start: number;
  let end: number;
  if (m[1] === '') {
    if (m[2] === '') return null;
    const n = Number(m[2]);
    if (n === 0) return null;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return null;
  return { start, end };
}

async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: AvailableFile,
): Promise<void> {
  const st = await fsp.stat(file.path);
  const size = st.size;
  const etag = `"${file.entry?.md5 ?? `${size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}`}"`;
  res.setHeader('Accept-Ranges', 'bytes');
  // Raw bytes, never Content-Encoding: the client must see the .gz as published.
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', st.mtime.toUTCString());
  res.setHeader('Cache-Control', 'no-cache');
  const ifRange = req.headers['if-range'];
  let range = parseRange(req.headers.range, size);
  if (range !== undefined && ifRange && ifRange !== etag && ifRange !== st.mtime.toUTCString())
    range = undefined;
  if (range === null) {
    res.statusCode = 416;
    res.setHeader('Content-Range', `bytes */${size}`);
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  res.statusCode = range ? 206 : 200;
  if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  res.setHeader('Content-Length', size === 0 ? 0 : end - start + 1);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(file.path, { start, end });
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}

/**
 * Whether a request comes from the app's own page (or from no page at all: curl, the CLI).
 * Browsers say so in Sec-Fetch-Site; older ones send Origin or Referer on cross-site requests.
 */
export function isSameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const host = req.headers.host;
  for (const h of [req.headers.origin, req.headers.referer]) {
    if (typeof h !== 'string' || h === '') continue;
    try {
      if (new URL(h).host !== host) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Downloads `name` into the cache. With `res` (a plain GET), the file is streamed to the
 * browser as it arrives; returns true when it has been answered that way.
 */
async function downloadInto(
  id: DatasetId,
  name: string,
  o: { root: string; env: NodeJS.ProcessEnv; log: (m: string) => void },
  res?: ServerResponse,
): Promise<boolean> {
  const bar = createProgress({
    write: (s) => o.log(s.trimEnd()),
    tty: false,
    unit: 'bytes',
    prefix: `${id}/${name}: `,
  });
  let streamed = false;
  let cut = false;
  // The last chunk is held back until the file is verified and in the cache: a browser that
  // has the whole body knows the server has the file; a failed MD5 leaves it one chunk short.
  let held: Buffer | undefined;
  const { promise, shared } = fetchDatasetFileOnce(id, name, {
    root: o.root,
    env: o.env,
    onTry: (url) => o.log(`downloading ${id}/${name} ← ${url}`),
    onWait: () => o.log(`${id}/${name}: another process is downloading it; waiting`),
    onProgress: (p) => bar.update(p.loaded, p.total, { from: p.resumedFrom }),
    onStart: res
      ? ({ total }) => {
          if (streamed) {
            // A second mirror starts from byte 0 again: this response cannot; the browser
            // retries and then gets the cached file.
            cut = true;
            res.destroy();
            return;
          }
          streamed = true;
          res.statusCode = 200;
          res.setHeader('Content-Type', 'application/octet-stream');
          res.setHeader('Cache-Control', 'no-store');
          res.setHeader('Accept-Ranges', 'bytes');
          if (total !== undefined) res.setHeader('Content-Length', total);
          res.flushHeaders();
        }
      : undefined,
    // The browser may go away: the download into the cache goes on.
    onChunk: res
      ? (c) => {
          if (held && !cut && !res.destroyed) res.write(held);
          held = c;
        }
      : undefined,
  });
  try {
    await promise;
  } catch (e) {
    if (streamed) {
      o.log(e instanceof Error ? e.message : String(e));
      res?.destroy();
      return true;
    }
    throw e;
  }
  o.log(`downloaded ${id}/${name}${shared ? ' (for another request)' : ''}, MD5 ok`);
  if (streamed && res && !res.destroyed) res.end(held);
  return streamed;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // malformed escape: fails the name checks below
  }
}

/** Connect-style middleware; usable on its own with node:http (tests) as well as in Vite. */
export function createDatasetMiddleware(opts: DatasetServerOptions = {}): DatasetMiddleware {
  const env = opts.env ?? process.env;
  const root = opts.root ?? cacheRoot(env);
  const log = opts.log ?? (() => {});
  const handle = async (req: IncomingMessage, res: ServerResponse, next: Next) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/data(?:\/([^/]*)(?:\/([^/]*))?)?\/?$/.exec(url.pathname);
    if (!m) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} is not supported on /data/` });
    }
    const [, rawId, rawFile] = m;
    if (!rawId) {
      return sendJson(res, 200, {
        datasets: await Promise.all(DATASET_IDS.map((id) => listing(id, root))),
      });
    }
    const id = safeDecode(rawId);
    if (!isDatasetId(id)) {
      return sendJson(res, 404, {
        error: `Unknown dataset "${id}"`,
        hint: `Known: ${DATASET_IDS.join(', ')}`,
      });
    }
    if (!rawFile) return sendJson(res, 200, await listing(id, root));
    const name = safeDecode(rawFile);
    // Only official names: never a path, never an arbitrary file in the cache folder.
    if (!/^[\w.-]+$/.test(name) || !matchOfficialName(id, name)) {
      return sendJson(res, 404, {
        error: `${name} is not an official ${DATASETS[id].name} file`,
        hint: `Official files: ${DATASETS[id].files.map((f) => f.name).join(', ')}`,
      });
    }
    let file = await findAvailable(id, name, root);
    if (!file) {
      const downloadable = DATASETS[id].files.some((f) => f.name === name);
      if (!downloadable || opts.download === false || req.method === 'HEAD') {
        return sendJson(res, 404, {
          error: `${name} is not in the cache`,
          url: downloadable ? downloadUrls(id, name, env)[0] : undefined,
          hint: downloadable ? `GET it to download it, or: ${OFFLINE_HINT}` : OFFLINE_HINT,
        });
      }
      if (!isSameOrigin(req)) {
        return sendJson(res, 403, {
          error: `${name} is not in the cache, and only the app's own page may start a download (this request came from ${req.headers.origin ?? req.headers.referer ?? 'another site'})`,
          hint: OFFLINE_HINT,
        });
      }
      try {
        // A Range request resumes a browser's partial download: fetch the whole file first.
        if (await downloadInto(id, name, { root, env, log }, req.headers.range ? undefined : res))
          return;
      } catch (e) {
        if (!isDatasetError(e)) throw e;
        const urls = e.urls ?? downloadUrls(id, name, env);
        log(e.message);
        // One line for the page to show; the hint travels separately.
        const error = e.reasons
          ? `The server could not download ${name}: ${e.reasons.join('; ')}`
          : e.message.split('\n')[0];
        return sendJson(res, 502, {
          error,
          code: e.code,
          url: urls[0],
          urls,
          hint: OFFLINE_HINT,
        });
      }
      file = await findAvailable(id, name, root);
      if (!file)
        return sendJson(res, 500, {
          error: `${name} was downloaded but cannot be found in ${root}`,
        });
    }
    await serveFile(req, res, file);
  };
  return (req, res, next) => {
    handle(req, res, next).catch((e) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  };
}

/** The Vite plugin: `plugins: [react(), datasetServer()]`. */
export function datasetServer(opts: DatasetServerOptions = {}): Plugin {
  let base = '/';
  const withBase =
    (mw: DatasetMiddleware): DatasetMiddleware =>
    (req, res, next) => {
      // Honour a non-root `base`: /app/data/… → /data/…
      if (base !== '/' && req.url?.startsWith(base)) {
        const original = req.url;
        req.url = `/${req.url.slice(base.length)}`;
        return mw(req, res, (err) => {
          req.url = original;
          next(err);
        });
      }
      return mw(req, res, next);
    };
  return {
    name: 'itra-dataset-server',
    configResolved(config) {
      base = config.base || '/';
    },
    configureServer(server) {
      const mw = createDatasetMiddleware({
        log: (m) => server.config.logger.info(`[data] ${m}`),
        ...opts,
      });
      server.middlewares.use(withBase(mw));
    },
    configurePreviewServer(server) {
      const mw = createDatasetMiddleware({
        log: (m) => server.config.logger.info(`[data] ${m}`),
        ...opts,
      });
      server.middlewares.use(withBase(mw));
    },
  };
}
