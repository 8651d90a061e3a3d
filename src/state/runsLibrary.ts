/**
 * Every run and twin pair, kept across reloads in IndexedDB: the one store of run records,
 * live or saved. Live runs are updated here in memory at each stream flush (charts read this
 * store) and written to disk at most every few seconds, and at once when a run ends.
 */
import { create } from 'zustand';
import { makeBundle, RunFileError, type RunRecord } from '../engine/runRecord';
import { downloadJson } from './download';
import {
  bundleFileName,
  importMessage,
  type LibraryEntry,
  normalizeLoaded,
  pickColors,
  planImport,
  runFileName,
} from './libraryLogic';
import { deleteEntries, loadEntries, putEntries } from './runsDb';

export interface ImportResult {
  ok: boolean;
  message: string;
}

export interface LibraryState {
  entries: Record<string, LibraryEntry>;
  /** Ids in the order they entered the library. */
  order: string[];
  loaded: boolean;
  /** Why runs are not being saved (IndexedDB unavailable or full), if so. */
  storageError: string | null;
  lastImport: ImportResult | null;
  load(): Promise<void>;
  /** New runs (visible, with fresh colours). */
  addRuns(records: readonly RunRecord[]): void;
  /** Replace records of known runs; `persist` writes them to disk now. */
  updateRecords(records: readonly RunRecord[], persist: boolean): void;
  rename(id: string, name: string): void;
  setHidden(id: string, hidden: boolean): void;
  setAllHidden(hidden: boolean): void;
  remove(id: string): void;
  exportRun(id: string): void;
  exportAll(): void;
  importText(text: string, fileName: string): ImportResult;
  dismissImport(): void;
}

function sortOrder(entries: Record<string, LibraryEntry>): string[] {
  return Object.values(entries)
    .sort((a, b) => a.addedAt - b.addedAt || a.id.localeCompare(b.id))
    .map((e) => e.id);
}

export const useLibraryStore = create<LibraryState>()((set, get) => {
  const persist = (list: readonly LibraryEntry[]) => {
    putEntries(list).then(
      () => {
        if (get().storageError) set({ storageError: null });
      },
      (e: unknown) => set({ storageError: `Runs are not being saved: ${(e as Error).message}` }),
    );
  };
  const patchEntry = (id: string, f: (e: LibraryEntry) => LibraryEntry) => {
    const cur = get().entries[id];
    if (!cur) return;
    const next = f(cur);
    set({ entries: { ...get().entries, [id]: next } });
    persist([next]);
  };
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
    lastImport: null,

    async load() {
      try {
        const stored = (await loadEntries()).map(normalizeLoaded);
        // Keep anything added in memory while the database was opening.
        const entries: Record<string, LibraryEntry> = {};
        for (const e of stored) entries[e.id] = e;
        Object.assign(entries, get().entries);
        set({ entries, order: sortOrder(entries), loaded: true });
      } catch (e) {
        set({
          loaded: true,
          storageError: `Saved runs could not be loaded: ${(e as Error).message}. New runs stay in memory only.`,
        });
      }
    },

    addRuns(records) {
      persist(addEntries(records));
    },

    updateRecords(records, doPersist) {
      const entries = { ...get().entries };
      const changed: LibraryEntry[] = [];
      for (const r of records) {
        const cur = entries[r.id];
        if (!cur) continue;
        // The user may have renamed the run while it trained: their name wins.
        const next = { ...cur, record: { ...r, name: cur.record.name } };
        entries[r.id] = next;
        changed.push(next);
      }
      if (changed.length === 0) return;
      set({ entries });
      if (doPersist) persist(changed);
    },

    rename(id, name) {
      const trimmed = name.trim();
      if (!trimmed) return;
      patchEntry(id, (e) => ({ ...e, record: { ...e.record, name: trimmed } }));
    },

    setHidden(id, hidden) {
      patchEntry(id, (e) => ({ ...e, hidden }));
    },

    setAllHidden(hidden) {
      const entries = { ...get().entries };
      const changed: LibraryEntry[] = [];
      for (const id of Object.keys(entries)) {
        if (entries[id].hidden === hidden) continue;
        entries[id] = { ...entries[id], hidden };
        changed.push(entries[id]);
      }
      set({ entries });
      persist(changed);
    },

    remove(id) {
      const entries = { ...get().entries };
      delete entries[id];
      set({ entries, order: sortOrder(entries) });
      deleteEntries([id]).catch((e: unknown) =>
        set({ storageError: `Could not delete the saved run: ${(e as Error).message}` }),
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

    importText(text, fileName) {
      let result: ImportResult;
      try {
        const plan = planImport(text, new Set(Object.keys(get().entries)));
        if (plan.add.length) persist(addEntries(plan.add));
        result = { ok: true, message: importMessage(plan, fileName) };
      } catch (e) {
        const why =
          e instanceof RunFileError ? e.message : `Could not read it: ${(e as Error).message}`;
        result = {
          ok: false,
          message: `${fileName} was not imported. ${why.replace(/\.$/, '')}. Nothing was changed.`,
        };
      }
      set({ lastImport: result });
      return result;
    },

    dismissImport() {
      set({ lastImport: null });
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
