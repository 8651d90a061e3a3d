/**
 * Tabs of the playground stay in step through a BroadcastChannel: each tells the others what
 * it changed (a rename, a hide, a delete, a saved run with its new chunks), and they read the
 * change from IndexedDB. The disk stays the one truth; a message only says where to look.
 */
import type { RunRecord } from '../engine/runRecord';
import { type LibraryEntry, readStored, type StoredRead } from './libraryLogic';
import { CHUNK_FIELD, CHUNK_KINDS, type ChunkKind, joinRecord, type MetaPatch } from './runChunks';
import type { RunDelta } from './runsRecords';

export type SyncMessage =
  | { t: 'meta'; ids: string[]; patch: MetaPatch }
  | { t: 'deleted'; ids: string[] }
  /** A run was saved: its chunks of `rewrite`'s kinds were written again from index 0. */
  | { t: 'saved'; id: string; rewrite: ChunkKind[] };

const CHANNEL = 'itra-playground-runs';

export interface SyncChannel {
  post(m: SyncMessage): void;
  close(): void;
}

/** The channel, or a silent stand-in where BroadcastChannel is missing (one tab only then). */
export function openChannel(onMessage: (m: SyncMessage) => void): SyncChannel {
  if (typeof BroadcastChannel === 'undefined') return { post() {}, close() {} };
  const ch = new BroadcastChannel(CHANNEL);
  ch.onmessage = (ev: MessageEvent<SyncMessage>) => onMessage(ev.data);
  return {
    post: (m) => ch.postMessage(m),
    close: () => ch.close(),
  };
}

/** An entry with another tab's name or visibility. */
export function applyPatch(e: LibraryEntry, patch: MetaPatch): LibraryEntry {
  return {
    ...e,
    hidden: patch.hidden ?? e.hidden,
    record: patch.name === undefined ? e.record : { ...e.record, name: patch.name },
  };
}

/**
 * A run another tab saved, as this tab should hold it: `delta` has the head and the chunks
 * new since this tab's cursor (all of a kind in `rewrite`, all of it when `cur` is missing).
 * Only the new part is validated, so keeping up costs what the other tab wrote, not the run.
 */
export function applyDelta(
  id: string,
  cur: LibraryEntry | undefined,
  delta: RunDelta,
  rewrite: readonly ChunkKind[],
): StoredRead {
  const raw = joinRecord(delta.meta, delta.head, delta.chunks);
  const read = readStored(id, delta.meta, raw, true);
  if (!read.ok || !cur) return read;
  const part = read.entry.record;
  const record: RunRecord = { ...part };
  for (const kind of CHUNK_KINDS) {
    const field = CHUNK_FIELD[kind];
    const fresh = part[field] as unknown[] | undefined;
    const old = cur.record[field] as unknown[] | undefined;
    if (rewrite.includes(kind) || !old) continue;
    (record as Record<string, unknown>)[field] = fresh ? old.concat(fresh) : old;
  }
  return { ok: true, entry: { ...read.entry, color: cur.color, addedAt: cur.addedAt, record } };
}
