/**
 * The worker's checkpoint writes on fake-indexeddb (the idb code path the browser runs):
 * newest wins per session, sequential writes, small notices, and a failed write sends the
 * checkpoint itself with its reason.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../engine/checkpoint';
import type { FromWorker } from '../protocol';
import { getCheckpointOf } from '../state/checkpointDb';
import { createCheckpointWriter } from './checkpointWriter';

/** Only what storage looks at: the id, run ids, step and values. */
function ckpt(id: string, step: number, runIds = [id]): Checkpoint {
  return { id, runIds, step, values: new Float32Array([step, step]) } as unknown as Checkpoint;
}

function writer() {
  const posts: FromWorker[] = [];
  const w = createCheckpointWriter((m) => posts.push(m));
  return { w, posts };
}

describe('checkpointWriter', () => {
  it('writes each session\u2019s newest checkpoint; one taken during a write overtakes older waiting ones', async () => {
    const { w, posts } = writer();
    w.keep(ckpt('a', 1));
    w.keep(ckpt('a', 2)); // waits behind step 1's write, then is replaced
    w.keep(ckpt('a', 3));
    w.keep(ckpt('b', 5, ['b', 'b2']));
    await w.idle();
    expect(posts).toEqual([
      { type: 'checkpoint-saved', id: 'a', runIds: ['a'], step: 1 },
      { type: 'checkpoint-saved', id: 'a', runIds: ['a'], step: 3 },
      { type: 'checkpoint-saved', id: 'b', runIds: ['b', 'b2'], step: 5 },
    ]);
    expect((await getCheckpointOf('a'))?.step).toBe(3);
    expect([...((await getCheckpointOf('b2'))?.values ?? [])]).toEqual([5, 5]);
  });

  it('one kept after a drain is written too', async () => {
    const { w, posts } = writer();
    w.keep(ckpt('c', 1));
    await w.idle();
    w.keep(ckpt('c', 2));
    await w.idle();
    expect(posts.map((p) => (p.type === 'checkpoint-saved' ? p.step : -1))).toEqual([1, 2]);
    expect((await getCheckpointOf('c'))?.step).toBe(2);
  });

  it('a failed write sends the checkpoint itself, with the reason; the stored one stays', async () => {
    const { w, posts } = writer();
    w.keep(ckpt('d', 1));
    await w.idle();
    // A function cannot be stored: the put fails as a quota or storage error would.
    const bad = { ...ckpt('d', 2), unstorable: () => {} } as unknown as Checkpoint;
    w.keep(bad);
    await w.idle();
    const last = posts.at(-1);
    expect(last?.type).toBe('checkpoint-unsaved');
    if (last?.type !== 'checkpoint-unsaved') return;
    expect(last.checkpoint.step).toBe(2);
    expect([...last.checkpoint.values]).toEqual([2, 2]);
    expect(last.reason).not.toBe('');
    expect((await getCheckpointOf('d'))?.step).toBe(1);
  });
});
