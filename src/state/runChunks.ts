/**
 * How a run is laid out in IndexedDB (pure, no IndexedDB here): a small "head" (the record
 * without its growing arrays), the user's metadata (name, visibility, colour), and the points,
 * events and embedding frames in chunks keyed [runId, kind, index]. A save appends one chunk of
 * what is new since the last save, so its cost does not grow with the run's length.
 */
import type { RunRecord } from '../engine/runRecord';

export type ChunkKind = 'p' | 'e' | 'f';
export const CHUNK_KINDS: readonly ChunkKind[] = ['p', 'e', 'f'];
/** The record field each kind of chunk holds. */
export const CHUNK_FIELD = { p: 'points', e: 'events', f: 'embeddings' } as const;

/** What the user owns of a run, written field by field (rename, hide), never by training. */
export interface RunMeta {
  id: string;
  name: string;
  hidden: boolean;
  color: string;
  addedAt: number;
}
export type MetaPatch = Partial<Pick<RunMeta, 'name' | 'hidden'>>;

/** The record without its arrays; `arrays` lists the fields that were arrays (split off). */
export type RunHead = Record<string, unknown> & { arrays?: string[] };

export interface Chunk {
  kind: ChunkKind;
  index: number;
  items: unknown[];
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Splits a stored record (any shape: it may be damaged) into its head and one chunk per array. */
export function splitRecord(record: unknown): { head: unknown; chunks: Chunk[] } {
  if (!isObject(record)) return { head: record, chunks: [] };
  const head: RunHead = { ...record, arrays: [] };
  const chunks: Chunk[] = [];
  for (const kind of CHUNK_KINDS) {
    const field = CHUNK_FIELD[kind];
    const items = record[field];
    if (!Array.isArray(items)) continue;
    delete head[field];
    head.arrays?.push(field);
    if (items.length) chunks.push({ kind, index: 0, items });
  }
  return { head, chunks };
}

/** The next free chunk index of each kind, from the chunks read. */
export type ChunkCursor = Record<ChunkKind, number>;
export const emptyCursor = (): ChunkCursor => ({ p: 0, e: 0, f: 0 });

/**
 * The stored record again, as raw data (validated by the caller): the head, the user's name,
 * and each array as its chunks in index order. `chunks` must be sorted by [kind, index].
 */
export function joinRecord(
  meta: Partial<RunMeta> | undefined,
  head: unknown,
  chunks: readonly Chunk[],
): unknown {
  if (!isObject(head)) return head;
  const { arrays, ...rest } = head as RunHead;
  const out: Json = { ...rest };
  if (meta && typeof meta.name === 'string') out.name = meta.name;
  for (const kind of CHUNK_KINDS) {
    const field = CHUNK_FIELD[kind];
    const parts = chunks.filter((c) => c.kind === kind);
    if (!arrays?.includes(field) && parts.length === 0) continue;
    out[field] = parts.flatMap((c) => (Array.isArray(c.items) ? c.items : [c.items]));
  }
  return out;
}

/** How far one array of a run is on disk. */
export interface SaveMark {
  /** Items saved. */
  n: number;
  /** The last item saved (to notice a rewritten tail). */
  last: unknown;
  /** The next chunk index. */
  next: number;
}
export type SaveState = Record<ChunkKind, SaveMark>;

export interface SavePlan {
  head: RunHead;
  append: Chunk[];
  /** Kinds whose chunks are deleted and written again (their tail was replaced). */
  rewrite: ChunkKind[];
  /** The state once this plan is on disk. */
  state: SaveState;
}

/** Object keys sorted: a record read back through the schema has its keys in the schema's order. */
const sortedKeys = (_k: string, v: unknown) =>
  isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v;

/** Two stored items are equal by value, whatever the order of their keys. */
export const same = (a: unknown, b: unknown) =>
  a === b || JSON.stringify(a, sortedKeys) === JSON.stringify(b, sortedKeys);

/** The record's head: everything but the three arrays (small: written whole at each save). */
export function headOf(record: RunRecord): RunHead {
  const { points: _p, events: _e, embeddings, ...rest } = record;
  return {
    ...rest,
    arrays: embeddings ? ['points', 'events', 'embeddings'] : ['points', 'events'],
  };
}

/** The state of a record just read from disk in `chunks` (what a later save appends to). */
export function stateOfLoaded(record: RunRecord, cursor: ChunkCursor): SaveState {
  const mark = (kind: ChunkKind): SaveMark => {
    const items = (record[CHUNK_FIELD[kind]] ?? []) as unknown[];
    return { n: items.length, last: items[items.length - 1], next: cursor[kind] };
  };
  return { p: mark('p'), e: mark('e'), f: mark('f') };
}

/**
 * What to write so the disk holds `record`, given what is there (`prev`, undefined: nothing of
 * it yet). Appending only what is new; an array whose saved part changed (a resend replaced its
 * tail, frames were thinned) is written again whole.
 */
export function planSave(record: RunRecord, prev: SaveState | undefined): SavePlan {
  const append: Chunk[] = [];
  const rewrite: ChunkKind[] = [];
  const state = {} as SaveState;
  for (const kind of CHUNK_KINDS) {
    const items = (record[CHUNK_FIELD[kind]] ?? []) as unknown[];
    const m = prev?.[kind];
    const last = items[items.length - 1];
    const intact = m && items.length >= m.n && (m.n === 0 || same(items[m.n - 1], m.last));
    if (!m || !intact) {
      rewrite.push(kind);
      if (items.length) append.push({ kind, index: 0, items });
      state[kind] = { n: items.length, last, next: items.length ? 1 : 0 };
    } else if (items.length > m.n) {
      append.push({ kind, index: m.next, items: items.slice(m.n) });
      state[kind] = { n: items.length, last, next: m.next + 1 };
    } else state[kind] = m;
  }
  return { head: headOf(record), append, rewrite, state };
}
