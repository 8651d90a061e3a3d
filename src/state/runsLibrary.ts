/**
 * Every run and twin pair, kept across reloads in IndexedDB: the one store of run records,
 * live or saved. Live runs are updated here in memory at each stream flush (charts read this
 * store) and written to disk at most every few seconds (only what is new), and at once when a
 * run ends. Other tabs' changes arrive through runsSync.ts; runs that could not be saved or
 * read are listed (unsaved, quarantined), never dropped and never thrown into the render.
 */
import { create } from 'zustand';
import { makeBundle, RunFileError, type RunRecord } from '../engine/runRecord';
import { downloadJson } from './download';
import { importedCheckpoint, readRunFile, refuseBySize } from './importRuns';
import {
  bundleFileName,
  importMessage,
  type LibraryEntry,
  pickColors,
  planImportRuns,
  type Quarantined,
  readStored,
  runFileName,
  slug,
} from './libraryLogic';
import { createMetaEdits, EDIT_FAILED } from './metaEdits';
import { dropTail, mergeTail, readTails, stashTail } from './pendingTail';
import { type ChunkCursor, type MetaPatch, type RunMeta, stateOfLoaded } from './runChunks';
import { createSaver, type UnsavedRun } from './runSaver';
import { onDbNotice } from './runsDb';
import { deleteRuns, loadAll, loadDelta } from './runsRecords';
import { applyDelta, applyPatch, openChannel, type SyncMessage } from './runsSync';

export interface ImportResult {
  ok: boolean;
  message: string;
}

export interface LibraryState {
  entries: Record<string, LibraryEntry>;
  /** Ids in the order they entered the library. */
  order: string[];
  loaded: boolean;
  /** A storage failure that is not a run's (loading, a rename, a delete), until dismissed. */
  storageError: string | null;
  /** The database connection's state (another tab's version), while it lasts. */
  dbNotice: string | null;
  /** Runs not on disk yet (their save failed): the warning stays while any is here. */
  unsaved: UnsavedRun[];
  /** Stored runs that fail the schema even after migration. */
  quarantined: Quarantined[];
  lastImport: ImportResult | null;
  load(): Promise<void>;
  /**
   * New runs (visible, with fresh colours). `revive`: imported, so an id deleted before may come
   * back; otherwise (a run the worker reports) a deleted id stays deleted.
   */
  addRuns(records: readonly RunRecord[], opts?: { revive?: boolean }): void;
  /** Replace records of known runs; `persist` writes them to disk now. */
  updateRecords(records: readonly RunRecord[], persist: boolean): void;
  /**
   * The page is going away: writes these runs to disk now (what is new of them), noting what is
   * not known to be on disk in localStorage too, in case the write is cut off.
   */
  persistNow(ids: readonly string[]): Promise<void>;
  /**
   * Notes in localStorage what of these live runs is not known to be on disk (pendingTail.ts);
   * `savedNow`: a save of them was just issued. `frames`: embedding frames too.
   */
  noteTails(ids: readonly string[], savedNow: boolean, frames?: boolean): void;
  rename(id: string, name: string): void;
  setHidden(id: string, hidden: boolean): void;
  setAllHidden(hidden: boolean): void;
  remove(id: string): void;
  exportRun(id: string): void;
  exportAll(): void;
  exportUnsaved(): void;
  retrySaving(): Promise<void>;
  exportQuarantined(id: string): void;
  deleteQuarantined(id: string): void;
  importFiles(files: readonly File[]): Promise<void>;
  dismissImport(): void;
  dismissStorageError(): void;
}

function sortOrder(entries: Record<string, LibraryEntry>): string[] {
  return Object.values(entries)
    .sort((a, b) => a.addedAt - b.addedAt || a.id.localeCompare(b.id))
    .map((e) => e.id);
}

const metaOf = (e: LibraryEntry): RunMeta => ({
  id: e.id,
  name: e.record.name,
  hidden: e.hidden,
  color: e.color,
  addedAt: e.addedAt,
});

export const useLibraryStore = create<LibraryState>()((set, get) => {
  const saver = createSaver({
    record: (id) => get().entries[id]?.record,
    meta: (id) => {
      const e = get().entries[id];
      return e && metaOf(e);
    },
    unsavedChanged: (unsaved) => set({ unsaved }),
    deleted: (id) => dropMemory([id]),
    saved: (id, rewrite, _isNew, seq) => {
      channel.post({ t: 'saved', id, rewrite });
      // A save issued at or after the note landed: the note is on disk.
      const need = noted.get(id);
      if (need !== undefined && seq >= need) {
        noted.delete(id);
        dropTail(id);
      }
    },
  });
  /** Runs with a tail noted in localStorage: the save that must land before it is dropped. */
  const noted = new Map<string, number>();
  /** Where this tab has read each run another tab writes (the next read starts there). */
  const cursors = new Map<string, ChunkCursor>();
  const syncing = new Map<string, Promise<void>>();
  const fail = (what: string) => (e: unknown) =>
    set({ storageError: `${what}: ${(e as Error).message ?? String(e)}` });

  const edits = createMetaEdits({
    changed: (ids, patch) => channel.post({ t: 'meta', ids, patch }),
    failed: (m) => (m || get().storageError?.startsWith(EDIT_FAILED)) && set({ storageError: m }),
  });
  const patchMetaEverywhere = (ids: string[], patch: MetaPatch) =>
    ids.length > 0 && void edits.write(ids, patch);
  const patchMemory = (ids: readonly string[], patch: MetaPatch) => {
    const entries = { ...get().entries };
    for (const id of ids) if (entries[id]) entries[id] = applyPatch(entries[id], patch);
    set({ entries });
  };
  const dropMemory = (ids: readonly string[]) => {
    const entries = { ...get().entries };
    for (const id of ids) {
      delete entries[id];
      saver.forget(id);
      edits.forget(id);
      cursors.delete(id);
    }
    set({ entries, order: sortOrder(entries) });
  };

  /** Another tab saved `id`: read what is new (one read per run at a time, in order). */
  const syncRun = (id: string, msg: SyncMessage & { t: 'saved' }) => {
    const prev = syncing.get(id) ?? Promise.resolve();
    const next = prev.then(async () => {
      const cur = get().entries[id];
      // Without a cursor (a run this tab made and never read back) nothing is known of where the
      // disk is: read it all and replace every kind, not append to what is held.
      const known = cursors.get(id);
      const after = cur && known ? { ...known } : undefined;
      if (after) for (const k of msg.rewrite) after[k] = 0;
      const delta = await loadDelta(id, after);
      if (!delta) return;
      const read = applyDelta(id, get().entries[id], delta, after ? msg.rewrite : ['p', 'e', 'f']);
      if (!read.ok) {
        // Shown once, as unreadable: its live entry goes.
        const entries = { ...get().entries };
        delete entries[id];
        saver.forget(id);
        cursors.delete(id);
        set({
          entries,
          order: sortOrder(entries),
          quarantined: [...get().quarantined.filter((q) => q.id !== id), read.bad],
        });
        return;
      }
      cursors.set(id, delta.cursor);
      saver.known(id, stateOfLoaded(read.entry.record, delta.cursor));
      const entries = { ...get().entries, [id]: read.entry };
      set({ entries, order: sortOrder(entries) });
    });
    syncing.set(
      id,
      next.catch(() => {}),
    );
  };

  const channel = openChannel((m) => {
    if (m.t === 'meta') patchMemory(m.ids, m.patch);
    else if (m.t === 'deleted') dropMemory(m.ids);
    else if (get().loaded) syncRun(m.id, m);
  });
  onDbNotice((n) => set({ dbNotice: n?.message ?? null }));

  const addEntries = (records: readonly RunRecord[], hidden = false): LibraryEntry[] => {
    const entries = { ...get().entries };
    const used = Object.values(entries)
      .filter((e) => !e.hidden)
      .map((e) => e.color);
    const colors = pickColors(used, records.length);
    const now = Date.now();
    const added = records.map((record, i) => ({
      id: record.id,
      record,
      hidden,
      color: colors[i],
      addedAt: now + i / 1000,
    }));
    for (const e of added) entries[e.id] = e;
    set({ entries, order: sortOrder(entries) });
    return added;
  };

  return {
    entries: {},
    order: [],
    loaded: false,
    storageError: null,
    dbNotice: null,
    unsaved: [],
    quarantined: [],
    lastImport: null,

    async load() {
      try {
        const stored = await loadAll();
        // Keep anything added in memory while the database was opening.
        const entries: Record<string, LibraryEntry> = {};
        const quarantined: Quarantined[] = [];
        for (const s of stored) {
          const read = readStored(s.id, s.meta, s.raw);
          if (!read.ok) {
            quarantined.push(read.bad);
            continue;
          }
          entries[s.id] = read.entry;
          cursors.set(s.id, s.cursor);
          saver.known(s.id, stateOfLoaded(read.entry.record, s.cursor));
        }
        // What a page that went away noted but the disk lacks (its last write was cut off).
        for (const t of readTails()) {
          const cur = entries[t.id];
          const raw = cur && mergeTail(cur.record, t);
          const read = raw ? readStored(t.id, cur, raw) : null;
          if (read?.ok) {
            entries[t.id] = read.entry;
            noted.set(t.id, 0);
          } else dropTail(t.id);
        }
        Object.assign(entries, get().entries);
        set({ entries, order: sortOrder(entries), loaded: true, quarantined, storageError: null });
        void saver.save([...noted.keys()].filter((id) => entries[id]));
        // Runs added while the database was opening (or before a failed open) go to disk now.
        void saver.save(Object.keys(get().entries).filter((id) => !cursors.has(id)));
      } catch (e) {
        set({
          loaded: true,
          storageError: `Saved runs could not be loaded: ${(e as Error).message}. New runs stay in memory only.`,
        });
      }
    },

    addRuns(records, opts) {
      void saver.save(
        addEntries(records).map((e) => e.id),
        { revive: opts?.revive === true },
      );
    },

    updateRecords(records, doPersist) {
      const entries = { ...get().entries };
      const changed: string[] = [];
      for (const r of records) {
        const cur = entries[r.id];
        if (!cur) continue;
        // The user may have renamed the run while it trained: their name wins.
        entries[r.id] = { ...cur, record: { ...r, name: cur.record.name } };
        changed.push(r.id);
      }
      if (changed.length === 0) return;
      set({ entries });
      if (doPersist) void saver.save(changed);
    },

    persistNow(ids) {
      const saving = saver.save(ids);
      get().noteTails(ids, true, true);
      return saving;
    },

    noteTails(ids, savedNow, frames = false) {
      for (const id of ids) {
        const r = get().entries[id]?.record;
        if (!r) continue;
        stashTail(r, saver.confirmed(id), frames);
        // Dropped once a save holding all of it lands: the one just issued, or the next.
        noted.set(id, savedNow ? saver.lastPlanned(id) : saver.nextSeq());
      }
    },

    rename(id, name) {
      const trimmed = name.trim();
      if (!trimmed || !get().entries[id]) return;
      patchMemory([id], { name: trimmed });
      patchMetaEverywhere([id], { name: trimmed });
    },

    setHidden(id, hidden) {
      if (!get().entries[id]) return;
      patchMemory([id], { hidden });
      patchMetaEverywhere([id], { hidden });
    },

    setAllHidden(hidden) {
      const ids = Object.values(get().entries)
        .filter((e) => e.hidden !== hidden)
        .map((e) => e.id);
      patchMemory(ids, { hidden });
      patchMetaEverywhere(ids, { hidden });
    },

    remove(id) {
      dropMemory([id]);
      deleteRuns([id]).then(
        () => channel.post({ t: 'deleted', ids: [id] }),
        fail('Could not delete the saved run'),
      );
    },

    exportRun(id) {
      const e = get().entries[id];
      if (e) downloadJson(runFileName(e.record), e.record);
    },

    exportAll() {
      const { order, entries } = get();
      downloadJson(bundleFileName(), makeBundle(order.map((id) => entries[id].record)));
    },

    exportUnsaved() {
      const { unsaved, entries } = get();
      const runs = unsaved.map((u) => entries[u.id]?.record).filter((r) => r !== undefined);
      downloadJson(bundleFileName().replace('itra-runs-', 'itra-unsaved-runs-'), makeBundle(runs));
    },

    async retrySaving() {
      await Promise.all([saver.retry(), edits.retry()]);
    },

    exportQuarantined(id) {
      const q = get().quarantined.find((x) => x.id === id);
      if (q) downloadJson(`itra-unreadable-run-${slug(q.name)}.json`, q.raw);
    },

    deleteQuarantined(id) {
      deleteRuns([id]).then(() => {
        set({ quarantined: get().quarantined.filter((q) => q.id !== id) });
        channel.post({ t: 'deleted', ids: [id] });
      }, fail('Could not delete the unreadable run'));
    },

    async importFiles(files) {
      for (const f of files) {
        let result: ImportResult;
        const refused = refuseBySize(f.name, f.size);
        try {
          if (refused) throw new RunFileError(refused);
          const file = await readRunFile(f);
          const plan = planImportRuns(file.runs, new Set(Object.keys(get().entries)));
          if (plan.add.length) get().addRuns(plan.add, { revive: true });
          const extra = importedCheckpoint(file.checkpoint);
          result = { ok: true, message: importMessage(plan, f.name) + extra };
        } catch (e) {
          const why =
            e instanceof RunFileError ? e.message : `Could not read it: ${(e as Error).message}`;
          result = {
            ok: false,
            message: `${f.name} was not imported. ${why.replace(/\.$/, '')}. Nothing was changed.`,
          };
        }
        set({ lastImport: result });
      }
    },

    dismissImport() {
      set({ lastImport: null });
    },

    dismissStorageError() {
      set({ storageError: null });
    },
  };
});

/** The records of `ids` that the library holds, by id (the current session's runs). */
export function recordsOf(ids: readonly string[]): Record<string, RunRecord> {
  const { entries } = useLibraryStore.getState();
  const out: Record<string, RunRecord> = {};
  for (const id of ids) {
    const e = entries[id];
    if (e) out[id] = e.record;
  }
  return out;
}
