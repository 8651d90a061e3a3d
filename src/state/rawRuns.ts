/**
 * Every stored run read straight from IndexedDB, whatever the database's version or the
 * library's state, with no validation: the error boundary's "Export all runs" must work when
 * the rest of the app does not. Plain IndexedDB (no idb, no store) on purpose.
 */
import { makeBundle, type RunRecord } from '../engine/runRecord';
import { downloadJson } from './download';
import { bundleFileName } from './libraryLogic';
import { type Chunk, type ChunkKind, joinRecord } from './runChunks';
import { DB_NAME } from './runsDb';

const req = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

function openExisting(): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME);
    // No database yet: do not create one here.
    r.onupgradeneeded = () => r.transaction?.abort();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => (r.error?.name === 'AbortError' ? resolve(null) : reject(r.error));
  });
}

/** The raw records on disk (version 1 whole entries or version 2 chunks). */
export async function readRawRuns(): Promise<unknown[]> {
  if (typeof indexedDB === 'undefined') return [];
  const d = await openExisting();
  if (!d) return [];
  try {
    const names = [...d.objectStoreNames];
    if (!names.includes('runs')) return [];
    if (!names.includes('heads')) {
      const old = await req(d.transaction('runs').objectStore('runs').getAll());
      return old.map((e: { record?: unknown }) => e?.record ?? e);
    }
    const tx = d.transaction(['runs', 'heads', 'chunks', 'tombstones']);
    const [metas, heads, headKeys, keys, values, dead] = await Promise.all([
      req(tx.objectStore('runs').getAll()),
      req(tx.objectStore('heads').getAll()),
      req(tx.objectStore('heads').getAllKeys()),
      req(tx.objectStore('chunks').getAllKeys()),
      req(tx.objectStore('chunks').getAll()),
      req(tx.objectStore('tombstones').getAllKeys()),
    ]);
    const gone = new Set(dead.map(String));
    const out: unknown[] = [];
    for (const [i, key] of headKeys.entries()) {
      const id = String(key);
      if (gone.has(id)) continue;
      const chunks: Chunk[] = [];
      keys.forEach((k, j) => {
        const [rid, kind, index] = k as [string, ChunkKind, number];
        if (rid === id) chunks.push({ kind, index, items: values[j] });
      });
      out.push(
        joinRecord(
          metas.find((m: { id?: string }) => m?.id === id),
          heads[i],
          chunks,
        ),
      );
    }
    return out;
  } finally {
    d.close();
  }
}

/** Downloads every run: those on disk, and those only in memory (newer), by id. */
export async function exportEverything(inMemory: readonly RunRecord[]): Promise<number> {
  let stored: unknown[] = [];
  try {
    stored = await readRawRuns();
  } catch {
    // The disk is unreadable: what is in memory still goes out.
  }
  const byId = new Map<string, unknown>();
  stored.forEach((r, i) => {
    byId.set(String((r as { id?: unknown } | null)?.id ?? `unknown-${i}`), r);
  });
  for (const r of inMemory) byId.set(r.id, r);
  downloadJson(bundleFileName(), makeBundle([...byId.values()] as RunRecord[]));
  return byId.size;
}
