/**
 * The user's edits of runs (rename, hide) written to IndexedDB field by field. An edit that
 * fails is kept, said, and tried again (after 20 s, doubling up to 5 min, and on "Try again")
 * until it lands; a newer edit of the same field replaces the kept one.
 */
import type { MetaPatch } from './runChunks';
import { patchMeta } from './runsRecords';

const RETRY_MS = 20_000;
const RETRY_MAX_MS = 5 * 60_000;
/** The start of the message shown while edits are unsaved (the library clears only its own). */
export const EDIT_FAILED = 'A change to your runs was not saved';

export interface MetaEditHooks {
  /** Landed: other tabs are told. */
  changed(ids: string[], patch: MetaPatch): void;
  /** The message while any edit is unsaved; null once all have landed. */
  failed(message: string | null): void;
}

export interface MetaEdits {
  write(ids: readonly string[], patch: MetaPatch): Promise<void>;
  /** Every kept edit again, now. */
  retry(): Promise<void>;
  /** The run is deleted: its kept edits go. */
  forget(id: string): void;
}

export function createMetaEdits(hooks: MetaEditHooks): MetaEdits {
  const pending = new Map<string, MetaPatch>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let wait = RETRY_MS;

  const schedule = () => {
    if (timer || pending.size === 0) return;
    timer = setTimeout(() => {
      timer = null;
      wait = Math.min(wait * 2, RETRY_MAX_MS);
      void edits.retry();
    }, wait);
  };

  const edits: MetaEdits = {
    async write(ids, patch) {
      for (const id of ids) {
        const kept = pending.get(id);
        if (!kept) continue;
        const rest: MetaPatch = { ...kept };
        for (const k of Object.keys(patch) as (keyof MetaPatch)[]) delete rest[k];
        if (Object.keys(rest).length) pending.set(id, rest);
        else pending.delete(id);
      }
      try {
        const changed = await patchMeta(ids, patch);
        if (changed.length) hooks.changed(changed, patch);
        if (pending.size === 0) {
          wait = RETRY_MS;
          hooks.failed(null);
        }
      } catch (e) {
        for (const id of ids) pending.set(id, { ...patch, ...pending.get(id) });
        const why = (e as Error).message || String(e);
        hooks.failed(`${EDIT_FAILED} (${why}). It is kept in this tab and tried again every 20 s.`);
        schedule();
      }
    },
    async retry() {
      const all = [...pending];
      pending.clear();
      await Promise.all(all.map(([id, patch]) => edits.write([id], patch)));
    },
    forget(id) {
      pending.delete(id);
    },
  };
  return edits;
}
