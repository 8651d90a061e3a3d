/**
 * The runs library's IndexedDB layer on fake-indexeddb (the same code path the browser runs;
 * e2e/storage.spec.ts repeats the user-facing cases in real Chromium): incremental saves,
 * the upgrade from whole records, per-field edits, tombstones, quota failures that stay
 * reported until saved, another version's connection, a failed open tried again.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixturePoint, fixtureRun } from '../../test/recordFixture';
import { REPO_ROOT } from '../../test/shared';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../engine/runRecord';
import { readStored } from './libraryLogic';
import { planSave, type RunMeta, stateOfLoaded } from './runChunks';
import { createSaver, type UnsavedRun } from './runSaver';
import { closeDb, DB_NAME, type DbNotice, db, onDbNotice } from './runsDb';
import {
  deleteRuns,
  loadAll,
  loadDelta,
  patchMeta,
  RunDeletedError,
  writeRun,
} from './runsRecords';

const point = (step: number) => fixturePoint(step);
const run = (id: string, steps: number[], extra: Partial<RunRecord> = {}): RunRecord =>
  fixtureRun(id, {
    status: 'running',
    steps: steps.at(-1) ?? 0,
    points: steps.map(point),
    ...extra,
  });
const meta = (id: string, name = `run ${id}`): RunMeta => ({
  id,
  name,
  hidden: false,
  color: '#0072b2',
  addedAt: 1,
});

async function wipe() {
  closeDb();
  await new Promise<void>((res, rej) => {
    const r = indexedDB.deleteDatabase(DB_NAME);
    r.onsuccess = () => res();
    r.onerror = () => rej(r.error);
  });
}

async function stored(id: string): Promise<RunRecord | null> {
  const all = await loadAll();
  const s = all.find((x) => x.id === id);
  if (!s) return null;
  const read = readStored(s.id, s.meta, s.raw, true);
  if (!read.ok) throw new Error(read.bad.why);
  return read.entry.record;
}

beforeEach(wipe);
afterEach(wipe);

describe('incremental saves', () => {
  it('a save writes only what is new since the last one; loading reassembles the run', async () => {
    let r = run('a', [4, 8]);
    let plan = planSave(r, undefined);
    await writeRun('a', plan, { meta: meta('a') });
    for (let k = 3; k <= 20; k++) {
      r = { ...r, points: [...r.points, point(k * 4)], steps: k * 4 };
      plan = planSave(r, plan.state);
      // One point per save, whatever the run's length.
      expect(plan.append).toEqual([{ kind: 'p', index: k - 2, items: [point(k * 4)] }]);
      expect(plan.rewrite).toEqual([]);
      await writeRun('a', plan);
    }
    expect(await stored('a')).toEqual(r);
  });

  it('a replaced tail (a resend after a device-loss restore) writes that array again', async () => {
    const r = run('a', [4, 8, 12]);
    const first = planSave(r, undefined);
    await writeRun('a', first, { meta: meta('a') });
    const resent = { ...r, points: [point(4), { ...point(8), testAcc: 0.1 }] };
    const plan = planSave(resent, first.state);
    expect(plan.rewrite).toEqual(['p']);
    await writeRun('a', plan);
    expect((await stored('a'))?.points).toEqual(resent.points);
  });

  it('continues a run loaded from disk where the disk left off', async () => {
    const r = run('a', [4, 8]);
    await writeRun('a', planSave(r, undefined), { meta: meta('a') });
    const [s] = await loadAll();
    const next = { ...r, points: [...r.points, point(12)] };
    const plan = planSave(next, stateOfLoaded(r, s.cursor));
    expect(plan.append).toEqual([{ kind: 'p', index: 1, items: [point(12)] }]);
    await writeRun('a', plan);
    expect((await stored('a'))?.points.map((p) => p.step)).toEqual([4, 8, 12]);
    // Another tab reads only the new chunk.
    const delta = await loadDelta('a', s.cursor);
    expect(delta?.chunks).toEqual([{ kind: 'p', index: 1, items: [point(12)] }]);
  });
});

describe('two tabs on one database', () => {
  it("a hide keeps another tab's rename, and a training save keeps both", async () => {
    const r = run('a', [4]);
    const plan = planSave(r, undefined);
    await writeRun('a', plan, { meta: meta('a') });
    await patchMeta(['a'], { name: 'renamed in A' });
    await patchMeta(['a'], { hidden: true }); // B, which never saw the rename
    await writeRun('a', planSave({ ...r, points: [...r.points, point(8)] }, plan.state));
    const [s] = await loadAll();
    expect(s.meta).toMatchObject({ name: 'renamed in A', hidden: true });
    expect(await stored('a')).toMatchObject({ name: 'renamed in A' });
  });

  it('a deleted run stays deleted when another tab later writes or hides it', async () => {
    const r = run('a', [4]);
    const plan = planSave(r, undefined);
    await writeRun('a', plan, { meta: meta('a') });
    await writeRun('b', planSave(run('b', [4]), undefined), { meta: meta('b') });
    await deleteRuns(['a']);
    // B still trains 'a' and saves it (refused: deleted), then presses "Hide all".
    await expect(
      writeRun('a', planSave({ ...r, points: [...r.points, point(8)] }, plan.state)),
    ).rejects.toThrow(RunDeletedError);
    expect(await patchMeta(['a', 'b'], { hidden: true })).toEqual(['b']);
    expect((await loadAll()).map((s) => s.id)).toEqual(['b']);
    expect(await loadDelta('a')).toBeNull();
  });
});

describe('the first layout (version 1: whole records)', () => {
  it('is split in place on upgrade; a version-1 record migrates, a damaged one is quarantined', async () => {
    const v1 = JSON.parse(readFileSync(resolve(REPO_ROOT, 'test/fixtures/run-v1.json'), 'utf8'));
    await new Promise<void>((res, rej) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore('runs', { keyPath: 'id' });
        store.put({ id: v1.id, record: v1, hidden: true, color: '#e69f00', addedAt: 5 });
        store.put({ id: 'bad', record: { ...v1, id: 'bad', points: 'lost' }, hidden: false });
      };
      req.onsuccess = () => {
        req.result.close();
        res();
      };
      req.onerror = () => rej(req.error);
    });
    const all = await loadAll();
    const reads = all.map((s) => readStored(s.id, s.meta, s.raw));
    const good = reads.find((x) => x.ok);
    const bad = reads.find((x) => !x.ok);
    expect(good?.ok && good.entry).toMatchObject({ id: v1.id, hidden: true, color: '#e69f00' });
    expect(good?.ok && good.entry.record.version).toBe(RUN_SCHEMA_VERSION);
    expect(good?.ok && good.entry.record.points).toHaveLength(v1.points.length);
    expect(bad?.ok === false && bad.bad).toMatchObject({ id: 'bad', why: /points/ });
  });
});

describe('saves that fail', () => {
  const put = IDBObjectStore.prototype.put;
  afterEach(() => {
    IDBObjectStore.prototype.put = put;
  });
  /** Chunks over `limit` items are refused as a full disk refuses them. */
  function quota(limit: number) {
    IDBObjectStore.prototype.put = function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      if (Array.isArray(value) && value.length > limit) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return put.call(this, value, key);
    };
  }

  it('stay listed, named with their size, after later saves of other runs succeed, until saved', async () => {
    const records: Record<string, RunRecord> = {
      big: run('big', [4, 8, 12, 16, 20, 24]),
      small: run('small', [4]),
    };
    let unsaved: UnsavedRun[] = [];
    const saver = createSaver({
      record: (id) => records[id],
      meta: (id) => meta(id),
      unsavedChanged: (u) => {
        unsaved = u;
      },
      saved: () => {},
    });
    quota(3);
    await saver.save(['big']);
    expect(unsaved).toMatchObject([{ id: 'big', name: 'run big', reason: /storage .* is full/ }]);
    expect(unsaved[0].bytes).toBeGreaterThan(1000);
    await saver.save(['small']);
    expect(unsaved.map((u) => u.id)).toEqual(['big']);
    expect(await stored('small')).toEqual(records.small);
    expect(await stored('big')).toBeNull();
    IDBObjectStore.prototype.put = put;
    await saver.retry();
    expect(unsaved).toEqual([]);
    expect(await stored('big')).toEqual(records.big);
  });

  it('a failure between two saves leaves no gap: the next save writes the run whole', async () => {
    const records: Record<string, RunRecord> = { a: run('a', [4]) };
    let unsaved: UnsavedRun[] = [];
    const saver = createSaver({
      record: (id) => records[id],
      meta: (id) => meta(id),
      unsavedChanged: (u) => {
        unsaved = u;
      },
      saved: () => {},
    });
    await saver.save(['a']);
    records.a = run('a', [4, 8, 12]);
    quota(1);
    const failing = saver.save(['a']); // two new points: refused
    records.a = run('a', [4, 8, 12, 16]);
    const later = saver.save(['a']); // one point, planned before the failure is known: lands, counts for nothing
    await Promise.all([failing, later]);
    expect(unsaved.map((u) => u.id)).toEqual(['a']);
    // Before any retry the disk holds a prefix of the run, never points with a hole.
    const before = (await stored('a'))?.points.map((p) => p.step);
    expect([4, 8, 12, 16].slice(0, before?.length)).toEqual(before);
    IDBObjectStore.prototype.put = put;
    await saver.retry();
    expect(unsaved).toEqual([]);
    expect((await stored('a'))?.points.map((p) => p.step)).toEqual([4, 8, 12, 16]);
  });

  /** Tab A's saver of run 'a', saved once, whose next save (two new points) is refused. */
  async function failedOnce() {
    const records: Record<string, RunRecord> = { a: run('a', [4]) };
    const state = { unsaved: [] as UnsavedRun[] };
    const saver = createSaver({
      record: (id) => records[id],
      meta: (id) => meta(id),
      unsavedChanged: (u) => {
        state.unsaved = u;
      },
      saved: () => {},
    });
    await saver.save(['a'], { revive: true });
    records.a = run('a', [4, 8, 12]);
    quota(1);
    await saver.save(['a']);
    expect(state.unsaved.map((u) => u.id)).toEqual(['a']);
    IDBObjectStore.prototype.put = put;
    return { saver, records, state };
  }

  it("a retry after a failure keeps another tab's rename", async () => {
    const { saver } = await failedOnce();
    await patchMeta(['a'], { name: 'renamed in B' });
    await saver.retry();
    expect((await loadAll())[0].meta.name).toBe('renamed in B');
    expect((await stored('a'))?.points.map((p) => p.step)).toEqual([4, 8, 12]);
  });

  it('a retry after a failure does not bring back a run another tab deleted', async () => {
    const { saver, state } = await failedOnce();
    await deleteRuns(['a']); // tab B
    await saver.retry();
    expect(await loadAll()).toEqual([]);
    expect(await loadDelta('a')).toBeNull();
    expect(state.unsaved).toEqual([]); // dropped quietly: deleted elsewhere
  });

  it('an unsaved run is tried again on the timer and "Try again", not with every other save', async () => {
    const { saver, records, state } = await failedOnce();
    records.b = run('b', [4]);
    await saver.save(['b'], { revive: true }); // the disk has room again, but 'a' waits its turn
    expect((await stored('a'))?.points.map((p) => p.step)).toEqual([4]);
    await saver.retry();
    expect(state.unsaved).toEqual([]);
    expect((await stored('a'))?.points.map((p) => p.step)).toEqual([4, 8, 12]);
  });

  it('an import may bring back a deleted id, and the leftover sweep keeps it', async () => {
    const r = run('a', [4]);
    await writeRun('a', planSave(r, undefined), { meta: meta('a') });
    await deleteRuns(['a']);
    // loadAll sees the tombstone; the import lands between its read and its sweep.
    const loading = loadAll();
    const importing = writeRun('a', planSave(r, undefined), { meta: meta('a'), revive: true });
    expect(await loading).toEqual([]);
    await importing;
    await loadAll(); // after the sweep
    expect(await stored('a')).toEqual(r);
  });
});

describe('the connection', () => {
  it('closes for a newer version in another tab, and says so', async () => {
    const notices: DbNotice[] = [];
    onDbNotice((n) => notices.push(n));
    await db();
    const newer = await new Promise<IDBDatabase>((res, rej) => {
      const req = indexedDB.open(DB_NAME, 3);
      req.onsuccess = () => res(req.result);
      req.onerror = () => rej(req.error);
      req.onblocked = () => rej(new Error('blocked: the old connection stayed open'));
    });
    newer.close();
    expect(notices.at(-1)).toMatchObject({ kind: 'closed', message: /newer version/ });
    await expect(db()).rejects.toThrow(/closed/);
  });

  it('a failed open is tried again on the next use', async () => {
    // A database of a later version: this version cannot open it.
    await new Promise<void>((res) => {
      const req = indexedDB.open(DB_NAME, 9);
      req.onsuccess = () => {
        req.result.close();
        res();
      };
    });
    await expect(db()).rejects.toThrow();
    await wipe();
    await expect(db()).resolves.toBeTruthy();
  });
});
