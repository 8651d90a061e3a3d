/**
 * Reads and writes of runs in IndexedDB (layout in runsDb.ts). Training saves put the head and
 * the new chunks, all issued at once, with key-only checks in the same transaction (not
 * deleted, no hole before an appended chunk) that abort it whole; the user's edits
 * read-modify-write only the fields they change, in one transaction, so a hide in one tab keeps
 * a rename made in another.
 */
import {
  type Chunk,
  type ChunkCursor,
  type ChunkKind,
  emptyCursor,
  joinRecord,
  type MetaPatch,
  type RunMeta,
  type SavePlan,
} from './runChunks';
import { db, kindRange, runRange } from './runsDb';

/** A run as stored: the user's fields, the joined raw record (not yet validated), the cursor. */
export interface StoredRun {
  id: string;
  meta: RunMeta;
  raw: unknown;
  cursor: ChunkCursor;
}

function cursorOf(keys: readonly [string, ChunkKind, number][], from?: ChunkCursor): ChunkCursor {
  const c = from ? { ...from } : emptyCursor();
  for (const [, kind, index] of keys) c[kind] = Math.max(c[kind], index + 1);
  return c;
}

/** Every run (tombstoned ones left out and their leftovers removed). */
export async function loadAll(): Promise<StoredRun[]> {
  const d = await db();
  const tx = d.transaction(['runs', 'heads', 'chunks', 'tombstones'], 'readonly');
  const [metas, tombs] = await Promise.all([
    tx.objectStore('runs').getAll(),
    tx.objectStore('tombstones').getAllKeys(),
  ]);
  const dead = new Set(tombs);
  const out: StoredRun[] = [];
  for (const meta of metas) {
    if (dead.has(meta.id)) continue;
    const [head, keys, values] = await Promise.all([
      tx.objectStore('heads').get(meta.id),
      tx.objectStore('chunks').getAllKeys(runRange(meta.id)),
      tx.objectStore('chunks').getAll(runRange(meta.id)),
    ]);
    const chunks = keys.map(([, kind, index], i) => ({ kind, index, items: values[i] }));
    out.push({ id: meta.id, meta, raw: joinRecord(meta, head, chunks), cursor: cursorOf(keys) });
  }
  await tx.done;
  if (dead.size) void sweepDeleted([...dead]).catch(() => {});
  return out;
}

/** What another tab saved of one run since `after` (all of it where `after` is missing). */
export interface RunDelta {
  meta: RunMeta;
  head: unknown;
  chunks: Chunk[];
  cursor: ChunkCursor;
}

/** A run's head and the chunks of each kind from `after[kind]` on; null if gone or deleted. */
export async function loadDelta(id: string, after?: ChunkCursor): Promise<RunDelta | null> {
  const d = await db();
  const tx = d.transaction(['runs', 'heads', 'chunks', 'tombstones'], 'readonly');
  const [meta, head, dead] = await Promise.all([
    tx.objectStore('runs').get(id),
    tx.objectStore('heads').get(id),
    tx.objectStore('tombstones').getKey(id),
  ]);
  if (!meta || dead !== undefined || head === undefined) return null;
  const chunks: Chunk[] = [];
  const keysAll: [string, ChunkKind, number][] = [];
  for (const kind of ['p', 'e', 'f'] as const) {
    const range = kindRange(id, kind, after?.[kind] ?? 0);
    const [keys, values] = await Promise.all([
      tx.objectStore('chunks').getAllKeys(range),
      tx.objectStore('chunks').getAll(range),
    ]);
    keys.forEach(([, k, index], i) => {
      chunks.push({ kind: k, index, items: values[i] });
    });
    keysAll.push(...keys);
  }
  await tx.done;
  return { meta, head, chunks, cursor: cursorOf(keysAll, after) };
}

/** The run is deleted (DOMException-free marker for callers). */
export class RunDeletedError extends Error {
  override name = 'RunDeletedError';
}

/** A save appended after a chunk that is not on disk (an earlier save failed): nothing landed. */
export class SaveGapError extends Error {
  override name = 'SaveGapError';
}

export interface WriteOptions {
  /** The user's fields, written when the disk has none for the run (a run new to the disk). */
  meta?: RunMeta;
  /** An import: a deleted id comes back (its tombstone goes; `meta` replaces what is there). */
  revive?: boolean;
}

/**
 * Writes a save plan (runChunks.planSave) in one transaction. Inside it, reads whether the run
 * is deleted (RunDeletedError unless reviving) and whether each appended chunk's predecessor is
 * there (SaveGapError: a save planned from one that failed must not leave a hole); either aborts
 * the whole save. The transaction commits as soon as those reads answer.
 */
export async function writeRun(id: string, plan: SavePlan, opts: WriteOptions = {}): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'heads', 'chunks', 'tombstones'], 'readwrite');
  const chunks = tx.objectStore('chunks');
  const reqs: Promise<unknown>[] = [];
  let refused: Error | null = null;
  const refuse = (e: Error) => {
    if (refused) return;
    refused = e;
    try {
      tx.abort();
    } catch {
      // Already finished: cannot happen before commit() below, which waits for the checks.
    }
  };
  const checks: Promise<unknown>[] = [];
  try {
    const { meta, revive } = opts;
    if (revive) reqs.push(tx.objectStore('tombstones').delete(id));
    else {
      checks.push(
        tx
          .objectStore('tombstones')
          .getKey(id)
          .then(
            (dead) => dead !== undefined && refuse(new RunDeletedError(`Run ${id} was deleted`)),
          ),
      );
    }
    if (meta && revive) reqs.push(tx.objectStore('runs').put(meta));
    else if (meta) {
      checks.push(
        tx
          .objectStore('runs')
          .getKey(id)
          .then((had) => (had === undefined && !refused ? tx.objectStore('runs').put(meta) : null)),
      );
    }
    for (const c of plan.append) {
      if (c.index === 0 || plan.rewrite.includes(c.kind)) continue;
      checks.push(
        chunks
          .getKey([id, c.kind, c.index - 1])
          .then(
            (k) =>
              k === undefined &&
              refuse(new SaveGapError(`Chunk ${c.kind}${c.index - 1} of ${id} is missing`)),
          ),
      );
    }
    for (const kind of plan.rewrite) reqs.push(chunks.delete(kindRange(id, kind)));
    reqs.push(tx.objectStore('heads').put(plan.head, id));
    for (const c of plan.append) reqs.push(chunks.put(c.items, [id, c.kind, c.index]));
  } catch (e) {
    // A put that throws at once (a value it cannot clone, quota): nothing of the save lands.
    for (const r of [...reqs, ...checks]) r.catch(() => {});
    tx.abort();
    await tx.done.catch(() => {});
    throw e;
  }
  // Every write is issued; commit once the checks answer rather than when this page next runs
  // (it may be unloading: a save on pagehide must not wait for a later task).
  const checked = Promise.allSettled(checks).then(() => {
    try {
      if (!refused) tx.commit?.();
    } catch {
      // No longer active: it commits on its own.
    }
  });
  try {
    await settle([...reqs, ...checks, checked], tx.done);
  } catch (e) {
    if (refused) throw refused;
    throw e;
  }
}

/** Waits for a transaction; rejects with the first request's error (the one that names the cause). */
async function settle(reqs: Promise<unknown>[], done: Promise<void>): Promise<void> {
  const results = await Promise.allSettled([...reqs, done]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * Changes only the named fields of each run, reading each meta in the same transaction; runs
 * that are gone (deleted in another tab) are left gone. Returns the ids changed.
 */
export async function patchMeta(ids: readonly string[], patch: MetaPatch): Promise<string[]> {
  const d = await db();
  const tx = d.transaction(['runs', 'tombstones'], 'readwrite');
  const runs = tx.objectStore('runs');
  const changed: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const [cur, dead] = await Promise.all([
        runs.get(id),
        tx.objectStore('tombstones').getKey(id),
      ]);
      if (!cur || dead !== undefined) return;
      await runs.put({ ...cur, ...patch });
      changed.push(id);
    }),
  );
  await tx.done;
  return changed;
}

/** Deletes runs for good: a tombstone each, then their meta, head and chunks. */
export async function deleteRuns(ids: readonly string[]): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'heads', 'chunks', 'tombstones'], 'readwrite');
  const now = Date.now();
  await Promise.all([
    ...ids.flatMap((id) => [
      tx.objectStore('tombstones').put({ id, deletedAt: now }),
      tx.objectStore('runs').delete(id),
      tx.objectStore('heads').delete(id),
      tx.objectStore('chunks').delete(runRange(id)),
    ]),
    tx.done,
  ]);
}

/**
 * Removes what a tab wrote of a run after another tab deleted it (the tombstone stays). Each
 * tombstone is read again here: an import may have brought the id back since loadAll read it.
 */
async function sweepDeleted(ids: readonly string[]): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'heads', 'chunks', 'tombstones'], 'readwrite');
  await Promise.all([
    ...ids.map(async (id) => {
      if ((await tx.objectStore('tombstones').getKey(id)) === undefined) return;
      await Promise.all([
        tx.objectStore('runs').delete(id),
        tx.objectStore('heads').delete(id),
        tx.objectStore('chunks').delete(runRange(id)),
      ]);
    }),
    tx.done,
  ]);
}

/** Deletes a quarantined run's stored parts (it was never in the library; no tombstone needed). */
export async function deleteStored(id: string): Promise<void> {
  await deleteRuns([id]);
}
