/**
 * Saving runs to IndexedDB, one run per transaction, each save appending what is new. A run whose save fails stays on the "unsaved" list, with what did
 * not fit, and is tried again on every later save and every 20 s, until it is on disk: the
 * warning about it never goes away on its own while the run is not saved.
 */
import { formatBytes } from '../data/bytes';
import type { RunRecord } from '../engine/runRecord';
import { type ChunkKind, planSave, type RunMeta, type SaveState } from './runChunks';
import { writeRun } from './runsRecords';

export interface UnsavedRun {
  id: string;
  name: string;
  /** The record's size as JSON (what did not fit), in bytes. */
  bytes: number;
  /** Why, in words ("the browser's storage is full", the error's message). */
  reason: string;
}

export interface SaverHooks {
  /** The run's record as the library holds it now (undefined: gone, nothing to save). */
  record(id: string): RunRecord | undefined;
  meta(id: string): RunMeta | undefined;
  unsavedChanged(list: UnsavedRun[]): void;
  /** On disk now (other tabs are told). */
  saved(id: string, rewrite: ChunkKind[], isNew: boolean): void;
}

const RETRY_MS = 20_000;

export interface Saver {
  /** Saves these runs now (and every unsaved run with them: space may have been freed). */
  save(ids: readonly string[]): Promise<void>;
  /** What the disk holds of a run already (read at load, synced from another tab). */
  known(id: string, state: SaveState): void;
  /** Forget a run (deleted): no more saves, off the unsaved list. */
  forget(id: string): void;
  unsaved(): UnsavedRun[];
  /** Every unsaved run again, now. */
  retry(): Promise<void>;
}

/** The JSON size of what did not fit: computed only on failure, so its cost is fine. */
function jsonBytes(record: RunRecord): number {
  return new Blob([JSON.stringify(record)]).size;
}

function reasonOf(e: unknown): string {
  const err = (e as { name?: string; message?: string } | null) ?? {};
  if (err.name === 'QuotaExceededError') return "the browser's storage for this site is full";
  return err.message || String(e);
}

/**
 * Each save is planned from the state the previous one will leave and issued at once (IndexedDB
 * commits transactions on the same stores in the order they were made), so a save issued on
 * `pagehide` does not wait for one in flight. A failed save bumps the run's generation: saves
 * planned before it no longer count, and the next one writes the run whole.
 */
export function createSaver(hooks: SaverHooks): Saver {
  const runs = new Map<string, { state?: SaveState; gen: number }>();
  const unsaved = new Map<string, UnsavedRun>();
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const report = () => {
    hooks.unsavedChanged([...unsaved.values()]);
    if (unsaved.size && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = null;
        void saver.retry();
      }, RETRY_MS);
    }
  };

  async function saveOne(id: string): Promise<void> {
    const record = hooks.record(id);
    if (!record) {
      saver.forget(id);
      return;
    }
    const { state: prev, gen } = runs.get(id) ?? { gen: 0 };
    const plan = planSave(record, prev);
    runs.set(id, { state: plan.state, gen });
    try {
      await writeRun(id, plan, prev ? undefined : hooks.meta(id));
    } catch (e) {
      const cur = runs.get(id);
      if (cur?.gen === gen) runs.set(id, { gen: gen + 1 });
      if (!hooks.record(id)) return;
      unsaved.set(id, { id, name: record.name, bytes: jsonBytes(record), reason: reasonOf(e) });
      report();
      return;
    }
    // A save planned before a failure, or a run deleted meanwhile, settles nothing.
    if (runs.get(id)?.gen !== gen || !hooks.record(id)) return;
    if (unsaved.delete(id)) report();
    hooks.saved(id, plan.rewrite, !prev);
  }

  const saver: Saver = {
    async save(ids) {
      const all = new Set([...ids, ...unsaved.keys()]);
      await Promise.all([...all].map(saveOne));
    },
    known(id, state) {
      runs.set(id, { state, gen: 0 });
    },
    forget(id) {
      runs.delete(id);
      if (unsaved.delete(id)) report();
    },
    unsaved: () => [...unsaved.values()],
    retry() {
      return saver.save([...unsaved.keys()]);
    },
  };
  return saver;
}

/** The warning's words for the unsaved runs: each named, with its size and why. */
export function unsavedMessage(list: readonly UnsavedRun[]): string {
  const names = list.map((u) => `"${u.name}" (${formatBytes(u.bytes)})`).join(', ');
  const why = [...new Set(list.map((u) => u.reason))].join('; ');
  const n = list.length;
  return `Runs are not being saved: ${names} did not fit (${why}). ${n === 1 ? 'It is' : 'They are'} kept in this tab only until saved; this is tried again every 20 s.`;
}
