/**
 * The runs library's IndexedDB connection (via `idb`): its layout, the upgrade from the first
 * layout (whole records), and the connection's life: another tab's newer version closes this
 * one (and says so), and a failed open is tried again on the next use.
 *
 * Layout (version 2; runChunks.ts has the pieces):
 * - runs: RunMeta by id (the user's name, visibility, colour, order)
 * - heads: the record without its arrays, by id (written by the tab that trains the run)
 * - chunks: arrays of points / events / frames, by [id, kind, index]
 * - tombstones: ids deleted, so a tab still writing a deleted run cannot bring it back
 */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from 'idb';
import { type Chunk, type ChunkKind, type RunMeta, splitRecord } from './runChunks';

export const DB_NAME = 'itra-playground-runs';
export const DB_VERSION = 2;

export interface RunsSchema extends DBSchema {
  runs: { key: string; value: RunMeta };
  heads: { key: string; value: unknown };
  chunks: { key: [string, ChunkKind, number]; value: unknown[] };
  tombstones: { key: string; value: { id: string; deletedAt: number } };
}
export type RunsDb = IDBPDatabase<RunsSchema>;
export type StoreName = 'runs' | 'heads' | 'chunks' | 'tombstones';

/** Something about the connection the user should know (null: all well again). */
export type DbNotice = { kind: 'blocked' | 'closed'; message: string } | null;
let noticeListener: (n: DbNotice) => void = () => {};
export function onDbNotice(fn: (n: DbNotice) => void): void {
  noticeListener = fn;
}

let dbPromise: Promise<RunsDb> | null = null;

/** The open database; opens it (upgrading) on first use, and again after a failed open. */
export function db(): Promise<RunsDb> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new Error('IndexedDB is not available in this browser'));
  }
  if (dbPromise) return dbPromise;
  const opening = openDB<RunsSchema>(DB_NAME, DB_VERSION, {
    upgrade: (d, oldVersion, _v, tx) => upgrade(d, oldVersion, tx),
    blocked() {
      noticeListener({
        kind: 'blocked',
        message:
          'Another tab of the playground is still open with an older version of the saved runs: ' +
          'close or reload it so this one can open them.',
      });
    },
    blocking() {
      // A newer version wants the database: let it have it, and stop writing from this tab.
      void opening.then((d) => d.close());
      dbPromise = Promise.reject(new Error('the saved runs were closed for a newer version'));
      dbPromise.catch(() => {});
      noticeListener({
        kind: 'closed',
        message:
          'A newer version of the playground opened in another tab, so this tab closed its saved ' +
          'runs: new runs here are not saved. Reload this tab to keep saving.',
      });
    },
    terminated() {
      dbPromise = null;
    },
  });
  dbPromise = opening.then(
    (d) => {
      noticeListener(null);
      return d;
    },
    (e: unknown) => {
      dbPromise = null; // the next use tries again
      throw e;
    },
  );
  return dbPromise;
}

/** Forgets the connection (tests; the error boundary's own reader opens its own). */
export function closeDb(): void {
  void dbPromise?.then((d) => d.close()).catch(() => {});
  dbPromise = null;
}

type UpgradeTx = IDBPTransaction<RunsSchema, StoreName[], 'versionchange'>;

async function upgrade(d: RunsDb, oldVersion: number, tx: UpgradeTx): Promise<void> {
  // By name, not by version: a reader that opened the database bare may have made it empty.
  const has = (n: StoreName) => d.objectStoreNames.contains(n);
  const hadRuns = has('runs');
  if (!hadRuns) d.createObjectStore('runs', { keyPath: 'id' });
  if (!has('heads')) d.createObjectStore('heads');
  if (!has('chunks')) d.createObjectStore('chunks');
  if (!has('tombstones')) d.createObjectStore('tombstones', { keyPath: 'id' });
  if (oldVersion === 1 && hadRuns) await splitVersion1(tx);
}

/** Version 1 kept whole entries ({id, record, hidden, color, addedAt}); each is split in place. */
async function splitVersion1(tx: UpgradeTx): Promise<void> {
  const heads = tx.objectStore('heads');
  const chunks = tx.objectStore('chunks');
  let cursor = await tx.objectStore('runs').openCursor();
  while (cursor) {
    const old = cursor.value as unknown as Record<string, unknown>;
    const id = String(cursor.key);
    const record = old.record as { name?: unknown } | undefined;
    const { head, chunks: parts } = splitRecord(record);
    const meta = {
      id,
      name: typeof record?.name === 'string' ? record.name : id,
      hidden: old.hidden === true,
      color: typeof old.color === 'string' ? old.color : '',
      addedAt: typeof old.addedAt === 'number' ? old.addedAt : 0,
    };
    await Promise.all([
      cursor.update(meta),
      heads.put(head, id),
      ...parts.map((c: Chunk) => chunks.put(c.items, [id, c.kind, c.index])),
    ]);
    cursor = await cursor.continue();
  }
}

/** Every key of one run in the chunk store: [id] sorts before [id, …] and [id, []] after. */
export const runRange = (id: string) => IDBKeyRange.bound([id], [id, []]);
export const kindRange = (id: string, kind: ChunkKind, from = 0) =>
  IDBKeyRange.bound([id, kind, from], [id, kind, Number.POSITIVE_INFINITY]);
