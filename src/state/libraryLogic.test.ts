import { describe, expect, it } from 'vitest';
import { fixturePoint, fixtureRun } from '../../test/recordFixture';
import { makeBundle, parseRunFile, RUN_SCHEMA_VERSION, type RunRecord } from '../engine/runRecord';
import {
  bundleFileName,
  importMessage,
  type LibraryEntry,
  normalizeLoaded,
  PALETTE,
  pickColors,
  planImport,
  readStored,
  runFileName,
} from './libraryLogic';

const run = (id: string, extra: Partial<RunRecord> = {}): RunRecord =>
  fixtureRun(id, {
    steps: 10,
    points: [fixturePoint(10, { epoch: 0.5, wallMs: 1000 })],
    ...extra,
  });

describe('run library import', () => {
  it('imports a single run file', () => {
    const plan = planImport(JSON.stringify(run('a')), new Set());
    expect(plan.add.map((r) => r.id)).toEqual(['a']);
    expect(plan.skipped).toBe(0);
    expect(importMessage(plan, 'a.json')).toBe('Imported 1 run from a.json.');
  });

  it('imports a bundle and skips runs already in the library', () => {
    const text = JSON.stringify(makeBundle([run('a'), run('b'), run('c')]));
    const plan = planImport(text, new Set(['b']));
    expect(plan.add.map((r) => r.id)).toEqual(['a', 'c']);
    expect(plan.skipped).toBe(1);
    expect(importMessage(plan, 'all.json')).toMatch(/Imported 2 runs.*1 run already/);
    const again = planImport(text, new Set(['a', 'b', 'c']));
    expect(importMessage(again, 'all.json')).toMatch(/nothing new/);
  });

  it('rejects non-JSON, foreign JSON and invalid runs with a clear message, planning nothing', () => {
    expect(() => planImport('not json', new Set())).toThrow(/Not a JSON file/);
    expect(() => planImport('{"hello":1}', new Set())).toThrow(/Not an ITRA Playground run file/);
    const bad = run('x');
    (bad.points[0] as { step: unknown }).step = 'ten';
    expect(() => planImport(JSON.stringify(bad), new Set())).toThrow(/Invalid run file: points/);
    // One bad run in a bundle: the whole file is refused.
    const bundle = makeBundle([run('ok'), { ...run('bad'), status: 'weird' as never }]);
    expect(() => planImport(JSON.stringify(bundle), new Set())).toThrow(/Invalid run file/);
  });
});

describe('runs exported while training', () => {
  it('are imported as stopped (no worker trains them here), and the message says so', () => {
    const text = JSON.stringify(
      makeBundle([run('a', { status: 'running' }), run('b', { status: 'paused' }), run('c')]),
    );
    const plan = planImport(text, new Set());
    expect(plan.add.map((r) => r.status)).toEqual(['stopped', 'stopped', 'completed']);
    expect(plan.interrupted).toBe(2);
    expect(importMessage(plan, 'x.json')).toMatch(
      /Imported 3 runs from x\.json\. 2 runs were exported while training and are marked stopped\./,
    );
  });
});

describe('stored runs are validated', () => {
  it('a damaged record is quarantined with its name and why, never returned as a run', () => {
    const bad = { ...run('x'), points: [{ step: 'ten' }] };
    const read = readStored('x', { hidden: false }, bad);
    expect(read.ok).toBe(false);
    expect(!read.ok && read.bad).toMatchObject({ id: 'x', name: 'run x', why: /points\.0/ });
    expect(!read.ok && read.bad.raw).toBe(bad);
    expect(readStored('y', undefined, null).ok).toBe(false);
    // Stored under another id: not trusted either.
    expect(readStored('other', undefined, run('x')).ok).toBe(false);
  });

  it('a valid one keeps its fields; a live one from another tab stays running', () => {
    const read = readStored('a', { hidden: true, color: '#123456', addedAt: 3 }, run('a'));
    expect(read.ok && read.entry).toMatchObject({ hidden: true, color: '#123456', addedAt: 3 });
    const live = run('a', { status: 'running' });
    expect(readStored('a', undefined, live).ok && readStored('a', undefined, live)).toMatchObject({
      entry: { record: { status: 'stopped' } },
    });
    expect(readStored('a', undefined, live, true)).toMatchObject({
      entry: { record: { status: 'running' } },
    });
  });
});

describe('library helpers', () => {
  it('picks unused colours first, then cycles', () => {
    expect(pickColors([], 2)).toEqual([PALETTE[0], PALETTE[1]]);
    expect(pickColors([PALETTE[0]], 1)).toEqual([PALETTE[1]]);
    expect(pickColors([...PALETTE], 2)).toHaveLength(2);
  });

  it('marks runs saved mid-training as stopped after a reload', () => {
    const e: LibraryEntry = {
      id: 'a',
      record: run('a', { status: 'running' }),
      hidden: false,
      color: '#000',
      addedAt: 1,
    };
    expect(normalizeLoaded(e).record.status).toBe('stopped');
    const done = { ...e, record: run('a') };
    expect(normalizeLoaded(done)).toBe(done);
  });

  it('brings a run stored before schema version 2 up to date, so it exports as valid', () => {
    const current = run('old');
    const { lambdaGini: _g, lambdaKl: _k, labelNoise: _n, ...v1Config } = current.config;
    const v1Points = current.points.map(({ gini: _gi, kl: _kl, lr: _lr, ...p }) => p);
    const stored = {
      id: 'old',
      record: { ...current, version: 1, config: v1Config, points: v1Points },
      hidden: false,
      color: '#000',
      addedAt: 1,
    } as unknown as LibraryEntry;
    const loaded = normalizeLoaded(stored);
    expect(loaded.record.version).toBe(RUN_SCHEMA_VERSION);
    expect(loaded.record.config.labelNoise).toBe(0);
    expect(loaded.record.points[0].lr).toBe(current.config.lr);
    expect(() => parseRunFile(JSON.stringify(loaded.record))).not.toThrow();
  });

  it('makes safe file names', () => {
    expect(runFileName(run('abcdef123456', { name: 'A: ITRA-c λ0.6 · Fashion-MNIST' }))).toMatch(
      /^itra-run-A-ITRA-c-.*-abcdef12\.json$/,
    );
    expect(bundleFileName(new Date('2024-05-06T07:08:09Z'))).toBe(
      'itra-runs-2024-05-06-07-08-09.json',
    );
  });
});
