/**
 * The runs library as tabs use it, on fake-indexeddb and Node's BroadcastChannel: each "tab" is
 * a fresh copy of the modules (its own store, connection and channel) on one shared database.
 * A run the worker still reports after it was deleted stays deleted (only an import brings a
 * deleted id back); a rename that fails is kept and tried again; one tab's runs, points, renames, hides and deletes reach the other; the tail
 * a page noted in localStorage when it went away is merged at the next load and saved.
 */
import 'fake-indexeddb/auto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fixturePoint, fixtureRun } from '../../test/recordFixture';
import type { Point, RunRecord } from '../engine/runRecord';
import { readStored } from './libraryLogic';
import { planSave } from './runChunks';
import { loadAll } from './runsRecords';

/** localStorage for Node (the browser's, synchronous, in memory). */
class MemoryStorage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, String(v));
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  clear() {
    this.m.clear();
  }
}
vi.stubGlobal('localStorage', new MemoryStorage());
afterAll(() => vi.unstubAllGlobals());

const point = (step: number): Point => fixturePoint(step);

/** A running run with a point at each of `steps`. */
function run(id: string, steps: number[], extra: Partial<RunRecord> = {}): RunRecord {
  return fixtureRun(id, {
    status: 'running',
    steps: steps.at(-1) ?? 0,
    points: steps.map(point),
    events: [],
    ...extra,
  });
}

/** A tab: fresh modules, the library loaded. */
async function tab() {
  vi.resetModules();
  const lib = (await import('./runsLibrary')).useLibraryStore;
  const replies = await import('./workerReplies');
  await lib.getState().load();
  return { lib, replies };
}

/** The run as the disk holds it (null: not there or deleted). */
async function onDisk(id: string): Promise<RunRecord | null> {
  const s = (await loadAll()).find((x) => x.id === id);
  if (!s) return null;
  const read = readStored(s.id, s.meta, s.raw, true);
  return read.ok ? read.entry.record : null;
}
const stepsOnDisk = async (id: string) => (await onDisk(id))?.points.map((p) => p.step);

describe('a deleted run', () => {
  it('stays deleted when the worker still reports it; an import brings it back', async () => {
    const { lib, replies } = await tab();
    const r = run('w1', [4, 8]);
    replies.onWorkerMessage({ type: 'started', runs: [r] });
    await vi.waitFor(async () => expect(await stepsOnDisk('w1')).toEqual([4, 8]));
    lib.getState().remove('w1');
    await vi.waitFor(async () => expect(await onDisk('w1')).toBeNull());
    // The worker reports the run again (its session still holds it): not brought back.
    replies.onWorkerMessage({ type: 'started', runs: [r] });
    await vi.waitFor(() => expect(lib.getState().entries.w1).toBeUndefined());
    expect(await onDisk('w1')).toBeNull();
    // An import of the same id does bring it back.
    lib.getState().addRuns([r], { revive: true });
    await vi.waitFor(async () => expect(await stepsOnDisk('w1')).toEqual([4, 8]));
  });
});

describe('two tabs', () => {
  it("see each other's runs, new points, renames, hides and deletes", async () => {
    const a = (await tab()).lib;
    const b = (await tab()).lib;
    a.getState().addRuns([run('s1', [4])]);
    await vi.waitFor(() => expect(b.getState().entries.s1?.record.points.length).toBe(1));
    a.getState().updateRecords([run('s1', [4, 8, 12])], true);
    await vi.waitFor(() =>
      expect(b.getState().entries.s1?.record.points.map((p) => p.step)).toEqual([4, 8, 12]),
    );
    // A replaced tail (a resend after a device loss) replaces B's copy, not appends to it.
    const resent = run('s1', [4, 8, 12]);
    resent.points[2] = { ...resent.points[2], testAcc: 0.9 };
    a.getState().updateRecords([resent], true);
    await vi.waitFor(() => expect(b.getState().entries.s1?.record.points[2].testAcc).toBe(0.9));
    expect(b.getState().entries.s1?.record.points).toHaveLength(3);
    a.getState().rename('s1', 'renamed in A');
    await vi.waitFor(() => expect(b.getState().entries.s1?.record.name).toBe('renamed in A'));
    b.getState().setHidden('s1', true);
    await vi.waitFor(() => expect(a.getState().entries.s1?.hidden).toBe(true));
    a.getState().remove('s1');
    await vi.waitFor(() => expect(b.getState().entries.s1).toBeUndefined());
    expect(await onDisk('s1')).toBeNull();
  });
});

describe('a rename or a hide that fails', () => {
  it('is said, kept and tried again until it lands', async () => {
    const { lib } = await tab();
    lib.getState().addRuns([run('m1', [4])]);
    await vi.waitFor(async () => expect(await stepsOnDisk('m1')).toEqual([4]));
    // The database refuses the user's fields for a while (a put that throws: quota, a closing connection).
    const put = IDBObjectStore.prototype.put;
    let refuse = true;
    IDBObjectStore.prototype.put = function (
      this: IDBObjectStore,
      ...args: [unknown, IDBValidKey?]
    ) {
      if (refuse && this.name === 'runs')
        throw new DOMException('The disk is full (test).', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      lib.getState().rename('m1', 'kept name');
      lib.getState().setHidden('m1', true);
      await vi.waitFor(() => expect(lib.getState().storageError).toContain('was not saved'));
      refuse = false;
      await lib.getState().retrySaving();
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    const s = (await loadAll()).find((x) => x.id === 'm1');
    expect(s?.meta).toMatchObject({ name: 'kept name', hidden: true });
    expect(lib.getState().storageError).toBeNull();
  });
});

describe('the tail noted when a page went away', () => {
  it('is written at once on persistNow and dropped when that save lands', async () => {
    const { lib } = await tab();
    lib.getState().addRuns([run('t1', [4])]);
    await vi.waitFor(async () => expect(await stepsOnDisk('t1')).toEqual([4]));
    lib.getState().updateRecords([run('t1', [4, 8, 12])], false);
    const saving = lib.getState().persistNow(['t1']);
    const note = JSON.parse(localStorage.getItem('itra-playground-run-tail:t1') ?? 'null');
    expect(note.parts.p.from).toBe(1);
    expect(note.parts.p.items.map((p: Point) => p.step)).toEqual([8, 12]);
    await saving;
    expect(localStorage.getItem('itra-playground-run-tail:t1')).toBeNull();
    expect(await stepsOnDisk('t1')).toEqual([4, 8, 12]);
  });

  it('is merged at the next load when its write never landed, then saved', async () => {
    const { lib } = await tab();
    lib.getState().addRuns([run('t2', [4, 8])]);
    await vi.waitFor(async () => expect(await stepsOnDisk('t2')).toEqual([4, 8]));
    // The page went away: its note says 12 and 16 followed; the write of them never landed.
    const { stashTail } = await import('./pendingTail');
    stashTail(run('t2', [4, 8, 12, 16]), planSave(run('t2', [4, 8]), undefined).state);
    const next = (await tab()).lib;
    const e = next.getState().entries.t2;
    expect(e?.record.points.map((p) => p.step)).toEqual([4, 8, 12, 16]);
    expect(e?.record.status).toBe('stopped'); // its worker is gone
    await vi.waitFor(async () => expect(await stepsOnDisk('t2')).toEqual([4, 8, 12, 16]));
    await vi.waitFor(() => expect(localStorage.getItem('itra-playground-run-tail:t2')).toBeNull());
  });

  it('adds nothing, and is dropped, when the disk has it all or does not line up', async () => {
    const { mergeTail, stashTail, readTails } = await import('./pendingTail');
    const disk = run('t3', [4, 8, 12]);
    stashTail(run('t3', [4, 8, 12]), planSave(run('t3', [4, 8]), undefined).state);
    const [note] = readTails().filter((t) => t.id === 't3');
    expect(mergeTail(disk, note)).toBeNull();
    expect(mergeTail(run('t3', [4]), note)).toBeNull(); // the disk lacks what the note follows
    const merged = mergeTail(run('t3', [4, 8]), note) as unknown as RunRecord;
    expect(merged.points.map((p) => p.step)).toEqual([4, 8, 12]);
  });
});
