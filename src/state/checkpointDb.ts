/**
 * IndexedDB storage of checkpoints (via `idb`), a database of its own beside the runs library:
 * one checkpoint per session (a run or a twin pair), keyed by its first run id and found by
 * any of its run ids. A checkpoint is replaced by one `put` of the whole object in one
 * transaction, so a reader sees the old one or the new one, never a torn mix.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { Checkpoint } from '../engine/checkpoint';

interface CheckpointDb extends DBSchema {
  checkpoints: { key: string; value: Checkpoint; indexes: { byRun: string } };
}

const DB_NAME = 'itra-playground-checkpoints';
let dbPromise: Promise<IDBPDatabase<CheckpointDb>> | null = null;

function db(): Promise<IDBPDatabase<CheckpointDb>> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new Error('IndexedDB is not available in this browser'));
  }
  dbPromise ??= openDB<CheckpointDb>(DB_NAME, 1, {
    upgrade(d) {
      const store = d.createObjectStore('checkpoints', { keyPath: 'id' });
      store.createIndex('byRun', 'runIds', { multiEntry: true });
    },
    // Another tab upgrades the database: let it, and open again on the next call.
    blocking() {
      void dbPromise?.then((d) => d.close());
      dbPromise = null;
    },
  });
  dbPromise.catch(() => {
    dbPromise = null; // a failed open is tried again next time
  });
  return dbPromise;
}

/** Replaces the session's checkpoint (one put, one transaction). */
export async function putCheckpoint(ckpt: Checkpoint): Promise<void> {
  const tx = (await db()).transaction('checkpoints', 'readwrite');
  await Promise.all([tx.store.put(ckpt), tx.done]);
}

/** The checkpoint holding `runId` (either side of a twin pair), if any. */
export async function getCheckpointOf(runId: string): Promise<Checkpoint | undefined> {
  return (await db()).getFromIndex('checkpoints', 'byRun', runId);
}

/** Deletes every checkpoint holding one of `runIds` (a twin pair's goes with either side). */
export async function deleteCheckpointsOf(runIds: readonly string[]): Promise<void> {
  const tx = (await db()).transaction('checkpoints', 'readwrite');
  const keys = new Set<string>();
  for (const id of runIds) {
    for (const k of await tx.store.index('byRun').getAllKeys(id)) keys.add(k);
  }
  await Promise.all([...[...keys].map((k) => tx.store.delete(k)), tx.done]);
}

/** Every run id that has a checkpoint (read from the index: no checkpoint is loaded). */
export async function runsWithCheckpoints(): Promise<string[]> {
  const out: string[] = [];
  let cursor = await (await db()).transaction('checkpoints').store.index('byRun').openKeyCursor();
  while (cursor) {
    out.push(cursor.key);
    cursor = await cursor.continue();
  }
  return out;
}
