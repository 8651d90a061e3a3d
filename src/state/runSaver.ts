/**
 * Saving runs to IndexedDB, one run per transaction, each save appending what is new. A run
 * whose save fails stays on the "unsaved" list, with what did not fit, and is tried again after
 * 20 s (then 40 s, ... up to 5 min) and on "Try again", until it is on disk: the
 * warning about it never goes away on its own while the run is not saved.
 */
import { formatBytes } from '../data/bytes';
import type { RunRecord } from '../engine/runRecord';
import { type ChunkKind, planSave, type RunMeta, type SaveState } from './runChunks';
import { RunDeletedError, SaveGapError, writeRun } from './runsRecords';

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
  /** The run is deleted on disk (here or in another tab): its save was refused. */
  deleted?(id: string): void;
  /** On disk now (other tabs are told). `seq`: the save's number (Saver.lastPlanned). */
  saved(id: string, rewrite: ChunkKind[], isNew: boolean, seq: number): void;
}

const RETRY_MS = 20_000;
/** The longest wait between tries of the unsaved runs (each failed try doubles the wait). */
const RETRY_MAX_MS = 5 * 60_000;

export interface Saver {
  /**
   * Saves these runs now. `revive`: they were just added (an import may bring back an id deleted
   * before): their first save removes its tombstone; any other save of a deleted run is refused.
   */
  save(ids: readonly string[], opts?: { revive?: boolean }): Promise<void>;
  /** What the disk holds of a run already (read at load, synced from another tab). */
  known(id: string, state: SaveState): void;
  /** Forget a run (deleted): no more saves, off the unsaved list. */
  forget(id: string): void;
  /** What the last save of the run that landed left on disk (undefined: nothing known). */
  confirmed(id: string): SaveState | undefined;
  /** The number of the run's newest save issued (saves are numbered in order; 0: none). */
  lastPlanned(id: string): number;
  /** The number the next save issued will have. */
  nextSeq(): number;
  unsaved(): UnsavedRun[];
  /** Every unsaved run again, now ("Try again", the timer). */
  retry(): Promise<void>;
}

/** The JSON size of what did not fit: computed once per unsaved run, so its cost is fine. */
function jsonBytes(record: RunRecord): number {
  return new Blob([JSON.stringify(record)]).size;
}

function reasonOf(e: unknown): string {
  const err = (e as { name?: string; message?: string } | null) ?? {};
  if (err.name === 'QuotaExceededError') return "the browser's storage for this site is full";
  return err.message || String(e);
}

/** What the saver knows of one run on disk. */
interface RunState {
  /** What the last save that landed left on disk (undefined: nothing known). */
  confirmed?: SaveState;
  /** What the saves issued so far will leave, if they land (the next save appends to it). */
  planned?: SaveState;
  /** Bumped by each failure: saves planned before it no longer count. */
  gen: number;
  /** The user's fields are on disk (until then every save carries them). */
  metaSaved: boolean;
  /** The next save may remove a tombstone (the run was just added here). */
  revive: boolean;
  /** The number of the newest save issued. */
  seq?: number;
}

/**
 * Each save is planned from the state the previous one will leave and issued at once (IndexedDB
 * commits transactions on the same stores in the order they were made), so a save issued on
 * `pagehide` does not wait for one in flight. writeRun refuses a save that would append after a
 * chunk not on disk, so a failed save cannot leave a hole; after a failure the next save is
 * planned from the last confirmed state (what is missing is written again).
 */
export function createSaver(hooks: SaverHooks): Saver {
  const runs = new Map<string, RunState>();
  const unsaved = new Map<string, UnsavedRun>();
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let retryMs = RETRY_MS;
  let seqs = 0;

  const report = () => {
    hooks.unsavedChanged([...unsaved.values()]);
    if (unsaved.size === 0) retryMs = RETRY_MS;
    if (unsaved.size && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = null;
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        void saver.retry();
      }, retryMs);
    }
  };

  async function saveOne(id: string): Promise<void> {
    const record = hooks.record(id);
    if (!record) {
      saver.forget(id);
      return;
    }
    const cur = runs.get(id) ?? { gen: 0, metaSaved: false, revive: false };
    const { gen, planned } = cur;
    const plan = planSave(record, planned);
    const withMeta = !cur.metaSaved;
    const revive = cur.revive;
    const seq = ++seqs;
    runs.set(id, { ...cur, planned: plan.state, seq });
    try {
      await writeRun(id, plan, { meta: withMeta ? hooks.meta(id) : undefined, revive });
    } catch (e) {
      // Deleted in another tab: nothing to save, nothing to warn about.
      if (e instanceof RunDeletedError) {
        saver.forget(id);
        return hooks.deleted?.(id);
      }
      const now = runs.get(id);
      if (!now || !hooks.record(id)) return;
      if (now.gen === gen) {
        // A refused gap means the disk is not what was confirmed: the next save writes it whole.
        const back = e instanceof SaveGapError ? undefined : now.confirmed;
        runs.set(id, { ...now, gen: gen + 1, planned: back, confirmed: back });
      } else if (e instanceof SaveGapError) return; // follows a failure already reported
      const had = unsaved.get(id);
      const bytes = had ? had.bytes : jsonBytes(record);
      unsaved.set(id, { id, name: record.name, bytes, reason: reasonOf(e) });
      report();
      return;
    }
    const now = runs.get(id);
    if (!now || !hooks.record(id)) return;
    const done = { ...now, metaSaved: now.metaSaved || withMeta, revive: now.revive && !revive };
    // A save planned before a failure landed (it appended nothing after the hole) but its state
    // counts for nothing: the one confirmed stays.
    if (now.gen !== gen) {
      runs.set(id, done);
      return;
    }
    runs.set(id, { ...done, confirmed: plan.state });
    if (unsaved.delete(id)) report();
    hooks.saved(id, plan.rewrite, !planned, seq);
  }

  const saver: Saver = {
    async save(ids, opts) {
      if (opts?.revive) {
        for (const id of ids) {
          const cur = runs.get(id);
          runs.set(id, { gen: cur?.gen ?? 0, metaSaved: false, revive: true, seq: cur?.seq });
        }
      }
      await Promise.all(ids.map(saveOne));
    },
    known(id, state) {
      const cur = runs.get(id);
      runs.set(id, {
        ...cur,
        gen: cur?.gen ?? 0,
        confirmed: state,
        planned: state,
        metaSaved: true,
        revive: false,
      });
    },
    forget(id) {
      runs.delete(id);
      if (unsaved.delete(id)) report();
    },
    confirmed: (id) => runs.get(id)?.confirmed,
    lastPlanned: (id) => runs.get(id)?.seq ?? 0,
    nextSeq: () => seqs + 1,
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
