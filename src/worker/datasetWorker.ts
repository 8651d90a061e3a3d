/// <reference lib="webworker" />
/**
 * The dataset worker: downloads, hashes, decompresses and checks dataset files, and talks to
 * the IndexedDB cache, so none of it runs on the page's main thread (a 170 MB MD5 or a gzip
 * bomb would freeze it). One job per worker; the page terminates it when the job is done.
 */
import { importUserFiles, loadDataset } from '../data/browserFetch';
import type { DatasetWorkerError, FromDatasetWorker, ToDatasetWorker } from './datasetProtocol';

declare const self: DedicatedWorkerGlobalScope;

const abort = new AbortController();
const post = (m: FromDatasetWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);
const buffers = (files: Record<string, ArrayBuffer>) => [...new Set(Object.values(files))];

function plain(e: unknown): DatasetWorkerError {
  const o = (e && typeof e === 'object' ? e : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    name: str(o.name) ?? 'Error',
    code: str(o.code),
    message: str(o.message) ?? String(e),
    urls: Array.isArray(o.urls)
      ? o.urls.filter((u): u is string => typeof u === 'string')
      : undefined,
    hint: str(o.hint),
  };
}

self.onmessage = async (ev: MessageEvent<ToDatasetWorker>) => {
  const msg = ev.data;
  try {
    if (msg.type === 'cancel') {
      abort.abort();
    } else if (msg.type === 'download') {
      const result = await loadDataset(msg.id, {
        signal: abort.signal,
        onProgress: (progress) => post({ type: 'progress', progress }),
        onWarning: (message) => post({ type: 'warning', message }),
      });
      post({ type: 'downloaded', result }, buffers(result.files));
    } else {
      const picked = await Promise.all(
        msg.files.map(async (f) => ({ name: f.name, data: await f.arrayBuffer() })),
      );
      const result = await importUserFiles(msg.id, picked);
      post({ type: 'imported', result }, buffers(result.files));
    }
  } catch (e) {
    post({ type: 'failed', error: plain(e) });
  }
};
