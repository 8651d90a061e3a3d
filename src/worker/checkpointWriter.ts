/**
 * The worker writes its own checkpoints to IndexedDB (checkpointDb.ts), so the page never
 * receives, clones or stores a run's whole record at each eval step: it gets a small notice.
 * Writes are sequential and the newest per session wins: a checkpoint taken while a write is
 * in flight waits (replacing an older one waiting), so an older one never lands after a newer.
 * A failed write sends the checkpoint itself to the page, which keeps it in memory (resumable,
 * exportable) and says checkpoints are not being saved.
 */
import type { Checkpoint } from '../engine/checkpoint';
import type { FromWorker } from '../protocol';
import { putCheckpoint } from '../state/checkpointDb';

type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

export function createCheckpointWriter(post: Post) {
  /** Newest checkpoint per session key, not yet written. */
  const pending = new Map<string, Checkpoint>();
  let writing: Promise<void> | null = null;

  function kick() {
    if (writing) return;
    writing = drain().finally(() => {
      writing = null;
      if (pending.size) kick(); // one kept between the loop's end and this
    });
  }

  async function drain(): Promise<void> {
    while (pending.size) {
      const [key, ckpt] = pending.entries().next().value as [string, Checkpoint];
      pending.delete(key);
      const { id, runIds, step } = ckpt;
      try {
        await putCheckpoint(ckpt);
        post({ type: 'checkpoint-saved', id, runIds, step });
      } catch (e) {
        // Its values are transferred (copied first if they share a larger buffer).
        let { values } = ckpt;
        const whole =
          values.buffer instanceof ArrayBuffer &&
          values.byteOffset === 0 &&
          values.byteLength === values.buffer.byteLength;
        if (!whole) values = values.slice();
        post(
          {
            type: 'checkpoint-unsaved',
            checkpoint: { ...ckpt, values },
            reason: (e as Error).message,
          },
          [values.buffer as ArrayBuffer],
        );
      }
    }
  }

  return {
    /** Queues `ckpt` for writing (replacing an older one of its session still waiting). */
    keep(ckpt: Checkpoint): void {
      pending.delete(ckpt.id); // re-inserted last: sessions are written in arrival order
      pending.set(ckpt.id, ckpt);
      kick();
    },
    /** Resolves once every checkpoint kept so far is written (or reported unsaved). */
    async idle(): Promise<void> {
      while (writing) await writing;
    },
  };
}
