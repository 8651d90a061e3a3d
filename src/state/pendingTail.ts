/**
 * The last points of a live run, kept in localStorage: written at every stream flush (what the
 * charts show, at most twice a second) and again when the page goes away. Nothing started on
 * `pagehide` is sure to run: under load Chromium may end the page before its handler does, and
 * an IndexedDB write issued there may not commit. localStorage.setItem is synchronous, so what
 * was drawn before the page went is noted already. The next load appends what the database
 * lacks and saves it; a note is dropped once a save made after it has landed.
 */
import type { RunRecord } from '../engine/runRecord';
import { CHUNK_FIELD, CHUNK_KINDS, type ChunkKind, type SaveState, same } from './runChunks';

const KEY = 'itra-playground-run-tail:';

const stepOf = (x: unknown) => (x as { step?: unknown } | null)?.step;
/** The disk's item is the one the note follows (read back through the schema, its form may differ). */
const lineUp = (disk: unknown, noted: unknown) =>
  same(disk, noted) ||
  (typeof stepOf(disk) === 'number' &&
    stepOf(disk) === stepOf(noted) &&
    (disk as { kind?: unknown }).kind === (noted as { kind?: unknown }).kind);

/** One array's part of a note: the items after the first `from`, which are on disk. */
export interface TailPart {
  from: number;
  /** The item at `from - 1` (to check that the disk lines up with the note). */
  last?: unknown;
  items: unknown[];
}

export interface Tail {
  id: string;
  /** The record without its arrays, as it was when the page went away. */
  head: Record<string, unknown>;
  /** A kind left out was not noted. */
  parts: Partial<Record<ChunkKind, TailPart>>;
}

const storage = (): Storage | null => {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // Blocked by the browser's settings.
  }
};

/**
 * Notes what of `record` may not be on disk: the items after what the last save that landed
 * (`onDisk`) holds, or a whole array where that no longer lines up (a replaced tail).
 * `frames`: the embedding frames too (large: only when the page goes away).
 */
export function stashTail(record: RunRecord, onDisk: SaveState | undefined, frames = true): void {
  const { points: _p, events: _e, embeddings: _f, ...head } = record;
  const parts: Partial<Record<ChunkKind, TailPart>> = {};
  for (const k of CHUNK_KINDS) {
    if (k === 'f' && !frames) continue;
    const items = (record[CHUNK_FIELD[k]] ?? []) as unknown[];
    const m = onDisk?.[k];
    const intact = m && items.length >= m.n && (m.n === 0 || same(items[m.n - 1], m.last));
    const from = intact ? m.n : 0;
    parts[k] = { from, last: from ? items[from - 1] : undefined, items: items.slice(from) };
  }
  try {
    storage()?.setItem(KEY + record.id, JSON.stringify({ id: record.id, head, parts }));
  } catch {
    // Full or unavailable: the IndexedDB write is still under way.
  }
}

/** The notes left by pages that went away (unreadable ones are dropped). */
export function readTails(): Tail[] {
  const s = storage();
  if (!s) return [];
  const out: Tail[] = [];
  const keys = Array.from({ length: s.length }, (_, i) => s.key(i));
  for (const k of keys) {
    if (!k?.startsWith(KEY)) continue;
    try {
      const t = JSON.parse(s.getItem(k) ?? '') as Tail;
      if (t && typeof t.id === 'string' && t.parts && t.head) out.push(t);
      else s.removeItem(k);
    } catch {
      s.removeItem(k);
    }
  }
  return out;
}

export function dropTail(id: string): void {
  try {
    storage()?.removeItem(KEY + id);
  } catch {
    // Unavailable: nothing was noted either.
  }
}

/**
 * The stored record with what the note has beyond it (raw: validated by the caller), or null
 * when the disk has it all, or does not line up with the note (then the note is of no use).
 */
export function mergeTail(record: RunRecord, tail: Tail): Record<string, unknown> | null {
  const out: Record<string, unknown> = { ...record, ...tail.head, name: record.name };
  let added = false;
  for (const k of CHUNK_KINDS) {
    const field = CHUNK_FIELD[k];
    const cur = (record[field] ?? []) as unknown[];
    const part = tail.parts[k];
    if (!part) continue;
    if (!Array.isArray(part.items)) return null;
    const { from, items } = part;
    if (from === 0) {
      // The whole array: the disk holds it unless the save of it did not land (never shorten it).
      const equal = cur.length === items.length && same(cur.at(-1), items.at(-1));
      if (!equal && items.length >= cur.length) {
        out[field] = items;
        added = true;
      }
      continue;
    }
    if (cur.length < from || !lineUp(cur[from - 1], part.last)) return null;
    const missing = from + items.length - cur.length;
    if (missing > 0) {
      out[field] = cur.concat(items.slice(items.length - missing));
      added = true;
    }
  }
  return added ? out : null;
}
