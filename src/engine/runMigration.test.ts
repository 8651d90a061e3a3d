/**
 * Version-1 run files (written by the CLI before schema 2, test/fixtures/run-v1.json) import:
 * migrated to the current version with the settings they trained with, and validated.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/shared';
import { makeBundle, parseRunFile, RUN_SCHEMA_VERSION, runRecordSchema } from './runRecord';

const v1Text = readFileSync(resolve(REPO_ROOT, 'test/fixtures/run-v1.json'), 'utf8');
const v1 = JSON.parse(v1Text);

describe('run files of version 1', () => {
  it('the fixture is a real version-1 record, which the current schema refuses as it is', () => {
    expect(v1.version).toBe(1);
    expect(v1.config.weightDecay).toBeUndefined();
    expect(runRecordSchema.safeParse(v1).success).toBe(false);
  });

  it('migrate to the current version with the settings they trained with', () => {
    const [r] = parseRunFile(v1Text);
    expect(r!.version).toBe(RUN_SCHEMA_VERSION);
    expect(r!.config).toMatchObject({
      ...v1.config,
      weightDecay: 0,
      lrSchedule: 'constant',
      lrWarmup: 0,
      augment: false,
      flip: false,
      labelNoise: 0,
    });
    expect(r!.points).toHaveLength(v1.points.length);
    for (const [i, p] of r!.points.entries()) {
      expect(p).toMatchObject({ ...v1.points[i], gini: null, kl: null, lr: v1.config.lr });
    }
    expect(runRecordSchema.safeParse(r).success).toBe(true);
  });

  it('a version-1 bundle migrates run by run', () => {
    const bundle = { ...makeBundle([]), version: 1, runs: [v1, { ...v1, id: 'other' }] };
    const runs = parseRunFile(JSON.stringify(bundle));
    expect(runs.map((r) => [r.id, r.version])).toEqual([
      [v1.id, RUN_SCHEMA_VERSION],
      ['other', RUN_SCHEMA_VERSION],
    ]);
  });

  it('a live learning-rate change of version 1 gives each later point its rate', () => {
    const [first, second] = v1.points;
    const changed = {
      ...v1,
      events: [
        ...v1.events,
        { kind: 'change', step: first.step + 1, setting: 'lr', from: v1.config.lr, to: 0.5 },
      ],
    };
    const [r] = parseRunFile(JSON.stringify(changed));
    expect(r!.points.map((p) => p.lr)).toEqual([v1.config.lr, 0.5]);
    expect(second.step).toBeGreaterThan(first.step + 1);
  });

  it('a current record passes through unchanged', () => {
    const [r] = parseRunFile(v1Text);
    const again = parseRunFile(JSON.stringify(r));
    expect(again[0]).toEqual(r);
    // It remembers it was a version-1 file (the feature views say "recorded before views").
    expect(again[0]!.migratedFrom).toBe(1);
  });

  it('a damaged version-1 record is still refused with the field named', () => {
    const damaged = { ...v1, points: [{ ...v1.points[0], testAcc: 'high' }] };
    expect(() => parseRunFile(JSON.stringify(damaged))).toThrow(/points\.0\.testAcc/);
  });

  it('migrates to version 3 with no embedding recorded (embedSize 0, no views fields)', () => {
    const [r] = parseRunFile(v1Text);
    expect(r!.config.embedSize).toBe(0);
    expect(r!.embeddings).toBeUndefined();
    expect(r!.embedSubset).toBeUndefined();
    expect(r!.points.every((p) => p.confusion === undefined)).toBe(true);
  });
});

describe('run files of version 2', () => {
  /** A version-2 record: the version-1 fixture as schema 2 wrote it (no embedSize). */
  const v2 = (() => {
    const [r] = parseRunFile(v1Text);
    const { embedSize: _e, ...config } = r!.config;
    return { ...r!, version: 2, config };
  })();

  it('the current schema refuses it as it is', () => {
    expect(runRecordSchema.safeParse(v2).success).toBe(false);
  });

  it('imports as the current version with the views off, alone or in a bundle', () => {
    const [r] = parseRunFile(JSON.stringify(v2));
    expect(r!.version).toBe(RUN_SCHEMA_VERSION);
    expect(r!.config.embedSize).toBe(0);
    expect(runRecordSchema.safeParse(r).success).toBe(true);
    const bundle = { ...makeBundle([]), version: 2, runs: [v2] };
    expect(parseRunFile(JSON.stringify(bundle))[0]).toEqual(r);
  });
});
