/** IndexedDB persistence of the runs library (via `idb`). */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { LibraryEntry } from './libraryLogic';

interface RunsDb extends DBSchema {
  runs: { key: string; value: LibraryEntry };
}

const DB_NAME = 'itra-playground-runs';
let dbPromise: Promise<IDBPDatabase<RunsDb>> | null = null;

function db(): Promise<IDBPDatabase<RunsDb>> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new Error('IndexedDB is not available in this browser'));
  }
  dbPromise ??= openDB<RunsDb>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('runs', { keyPath: 'id' });
    },
  });
  return dbPromise;
}

export async function loadEntries(): Promise<LibraryEntry[]> {
  return (await db()).getAll('runs');
}

export async function putEntries(entries: readonly LibraryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const tx = (await db()).transaction('runs', 'readwrite');
  await Promise.all([...entries.map((e) => tx.store.put(e)), tx.done]);
}

export async function deleteEntries(ids: readonly string[]): Promise<void> {
  const tx = (await db()).transaction('runs', 'readwrite');
  await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
}
