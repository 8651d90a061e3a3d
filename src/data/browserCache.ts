/**
 * Browser cache of verified dataset files in IndexedDB (via `idb`), so a dataset is
 * downloaded once. Also keeps partial downloads for resuming. No React here: the worker
 * or the UI call it. Where IndexedDB is missing (Node, some private modes) `memoryCache()`
 * stands in.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { formatBytes } from './bytes.ts';
import type { DatasetId } from './dataset.ts';
import { DatasetError } from './errors.ts';

export interface CachedFileMeta {
  id: DatasetId;
  /** File name as stored (official name). */
  name: string;
  bytes: number;
  md5: string;
  verified: 'official' | 'content' | 'unverified';
  /** URL it was downloaded from, or "file" for files the user opened. */
  source: string;
  savedAt: number;
}

export interface CachedFile extends CachedFileMeta {
  data: ArrayBuffer;
}

export interface PartialDownload {
  /** `${id}/${name}` */
  key: string;
  url: string;
  data: ArrayBuffer;
  etag?: string;
  total?: number;
  savedAt: number;
}

export interface DatasetFileCache {
  get(id: DatasetId, name: string): Promise<CachedFile | undefined>;
  put(file: CachedFile): Promise<void>;
  /** Metadata only (sizes included), without loading the bytes. */
  list(id?: DatasetId): Promise<CachedFileMeta[]>;
  delete(id: DatasetId, name: string): Promise<void>;
  /** Everything, or one dataset's files and partial downloads. */
  clear(id?: DatasetId): Promise<void>;
  getPartial(key: string): Promise<PartialDownload | undefined>;
  putPartial(p: PartialDownload): Promise<void>;
  deletePartial(key: string): Promise<void>;
}

interface Schema extends DBSchema {
  meta: { key: string; value: CachedFileMeta & { key: string }; indexes: { byId: string } };
  data: { key: string; value: ArrayBuffer };
  partial: { key: string; value: PartialDownload };
}

const DB_NAME = 'itra-datasets';
const key = (id: string, name: string) => `${id}/${name}`;

function storageError(e: unknown, what: string, bytes?: number): DatasetError {
  const name = (e as { name?: string } | null)?.name;
  if (name === 'QuotaExceededError') {
    return new DatasetError(
      'quota',
      `The browser has no room to keep ${what}${bytes ? ` (${formatBytes(bytes)})` : ''}: storage quota exceeded. ` +
        'Clear cached datasets or site data, or allow more storage; the dataset still works for this ' +
        'session but will be downloaded again next time.',
      { file: what, cause: e },
    );
  }
  return new DatasetError(
    'storage',
    `Browser storage failed while saving ${what}: ${(e as Error)?.message ?? String(e)}.`,
    { file: what, cause: e },
  );
}

/** The IndexedDB-backed cache; the database opens on first use. */
export function openBrowserCache(): DatasetFileCache {
  let dbp: Promise<IDBPDatabase<Schema>> | undefined;
  const db = () => {
    dbp ??= openDB<Schema>(DB_NAME, 1, {
      upgrade(d) {
        d.createObjectStore('meta', { keyPath: 'key' }).createIndex('byId', 'id');
        d.createObjectStore('data');
        d.createObjectStore('partial', { keyPath: 'key' });
      },
    }).catch((e) => {
      dbp = undefined;
      throw storageError(e, 'the dataset cache');
    });
    return dbp;
  };
  return {
    async get(id, name) {
      const d = await db();
      const tx = d.transaction(['meta', 'data'], 'readonly');
      const [meta, data] = await Promise.all([
        tx.objectStore('meta').get(key(id, name)),
        tx.objectStore('data').get(key(id, name)),
      ]);
      await tx.done;
      if (!meta || !data) return undefined;
      const { key: _k, ...rest } = meta;
      return { ...rest, data };
    },
    async put(file) {
      const d = await db();
      const { data, ...meta } = file;
      try {
        const tx = d.transaction(['meta', 'data'], 'readwrite');
        await Promise.all([
          tx.objectStore('data').put(data, key(file.id, file.name)),
          tx.objectStore('meta').put({ ...meta, key: key(file.id, file.name) }),
          tx.done,
        ]);
      } catch (e) {
        throw storageError(e, file.name, file.bytes);
      }
    },
    async list(id) {
      const d = await db();
      const rows = id ? await d.getAllFromIndex('meta', 'byId', id) : await d.getAll('meta');
      return rows.map(({ key: _k, ...rest }) => rest);
    },
    async delete(id, name) {
      const d = await db();
      const tx = d.transaction(['meta', 'data'], 'readwrite');
      await Promise.all([
        tx.objectStore('meta').delete(key(id, name)),
        tx.objectStore('data').delete(key(id, name)),
        tx.done,
      ]);
    },
    async clear(id) {
      const d = await db();
      const tx = d.transaction(['meta', 'data', 'partial'], 'readwrite');
      if (!id) {
        await Promise.all([
          tx.objectStore('meta').clear(),
          tx.objectStore('data').clear(),
          tx.objectStore('partial').clear(),
          tx.done,
        ]);
        return;
      }
      const range = IDBKeyRange.bound(`${id}/`, `${id}/\uffff`);
      await Promise.all([
        tx.objectStore('meta').delete(range),
        tx.objectStore('data').delete(range),
        tx.objectStore('partial').delete(range),
        tx.done,
      ]);
    },
    async getPartial(k) {
      return (await db()).get('partial', k);
    },
    async putPartial(p) {
      try {
        await (await db()).put('partial', p);
      } catch (e) {
        throw storageError(e, `a partial download of ${p.key}`, p.data.byteLength);
      }
    },
    async deletePartial(k) {
      await (await db()).delete('partial', k);
    },
  };
}

/** A cache that lives as long as the page; for tests and browsers without IndexedDB. */
export function memoryCache(): DatasetFileCache {
  const files = new Map<string, CachedFile>();
  const partials = new Map<string, PartialDownload>();
  return {
    // Copies in and out, like IndexedDB: callers transfer the buffers to the worker.
    async get(id, name) {
      const f = files.get(key(id, name));
      return f && { ...f, data: f.data.slice(0) };
    },
    async put(file) {
      files.set(key(file.id, file.name), { ...file, data: file.data.slice(0) });
    },
    async list(id) {
      return [...files.values()]
        .filter((f) => !id || f.id === id)
        .map(({ data: _d, ...meta }) => meta);
    },
    async delete(id, name) {
      files.delete(key(id, name));
    },
    async clear(id) {
      for (const m of [files, partials] as Map<string, unknown>[]) {
        for (const k of [...m.keys()]) if (!id || k.startsWith(`${id}/`)) m.delete(k);
      }
    },
    async getPartial(k) {
      return partials.get(k);
    },
    async putPartial(p) {
      partials.set(p.key, { ...p, data: p.data.slice(0) });
    },
    async deletePartial(k) {
      partials.delete(k);
    },
  };
}

/** IndexedDB where the platform has it, else memory. */
export function defaultCache(): DatasetFileCache {
  return typeof indexedDB === 'undefined' ? memoryCache() : openBrowserCache();
}

let persistAsked: Promise<boolean> | null = null;

/**
 * Asks the browser to keep this site's storage under pressure (datasets and runs are not
 * evicted silently); once per page, before caching a dataset. Window-only API: false elsewhere.
 */
export function requestPersistentStorage(): Promise<boolean> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (typeof storage?.persist !== 'function') return Promise.resolve(false);
  persistAsked ??= storage.persisted().then(
    (already) => already || storage.persist(),
    () => false,
  );
  return persistAsked;
}

export interface StorageUse {
  usage: number;
  quota: number;
  persisted: boolean;
}

/** The site's storage in use and the browser's quota for it, or null where unknown. */
export async function storageEstimate(): Promise<StorageUse | null> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (typeof storage?.estimate !== 'function') return null;
  try {
    const e = await storage.estimate();
    const persisted = typeof storage.persisted === 'function' && (await storage.persisted());
    return { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted };
  } catch {
    return null;
  }
}
