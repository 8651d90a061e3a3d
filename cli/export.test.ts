/** `npm run export -- --pytorch DIR SOURCE`: from a run file, a bundle, a settings URL. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/engine/config';
import { makeBundle, type RunRecord } from '../src/engine/runRecord';
import { looksLikeUrl, main, TRAIN_PY } from './export';

const run = (id: string, name: string): RunRecord => ({
  schema: 'itra-playground/run',
  version: 3,
  id,
  name,
  createdAt: '2026-12-01T10:00:00.000Z',
  config: { ...DEFAULT_CONFIG, maxSteps: 400, seed: 3 },
  data: { trainSize: 60000, testSize: 10000, evalSize: 2000, split: 'official' },
  environment: { backend: 'wasm', runtime: 'node', tfjsVersion: '4.22.0' },
  status: 'completed',
  steps: 400,
  points: [],
  events: [],
});

const dirs: string[] = [];
function tmp() {
  const d = mkdtempSync(join(tmpdir(), 'itra-export-cli-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function capture(argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('npm run export', () => {
  it('writes train.py, config.json and README.md from a run record', () => {
    const d = tmp();
    const file = join(d, 'run.json');
    writeFileSync(file, JSON.stringify(run('a', 'my run')));
    const r = capture(['--pytorch', join(d, 'out'), file]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(d, 'out/train.py'), 'utf8')).toBe(readFileSync(TRAIN_PY, 'utf8'));
    const doc = JSON.parse(readFileSync(join(d, 'out/config.json'), 'utf8'));
    expect(doc.config.seed).toBe(3);
    expect(doc.name).toBe('my run');
    expect(readFileSync(join(d, 'out/README.md'), 'utf8')).toContain('# my run');
    expect(r.out).toContain('python');
  });

  it('a bundle needs --run (id, name or position) and lists its runs', () => {
    const d = tmp();
    const file = join(d, 'all.json');
    writeFileSync(file, JSON.stringify(makeBundle([run('a', 'first'), run('b', 'second')])));
    const none = capture(['--pytorch', join(d, 'x'), file]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('2. second (b)');
    for (const pick of ['b', 'second', '2']) {
      const r = capture(['--pytorch', join(d, pick), file, '--run', pick]);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(readFileSync(join(d, pick, 'config.json'), 'utf8')).name).toBe('second');
    }
    expect(capture(['--pytorch', join(d, 'y'), file, '--run', 'nope']).code).toBe(2);
  });

  it('a settings URL or its query string', () => {
    const d = tmp();
    const url = 'http://127.0.0.1:5173/?dataset=kmnist&model=tiny&method=center&maxSteps=50';
    expect(looksLikeUrl(url)).toBe(true);
    expect(looksLikeUrl('runs/a.json')).toBe(false);
    const r = capture(['--pytorch', join(d, 'u'), url]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(readFileSync(join(d, 'u/config.json'), 'utf8'));
    expect(doc.config).toMatchObject({ dataset: 'kmnist', model: 'tiny', method: 'center' });
    expect(doc.steps).toBe(50);
    expect(doc.source).toEqual({ kind: 'settings' });
    const q = capture(['--pytorch', join(d, 'q'), '?method=vanilla', '--name', 'baseline']);
    expect(q.code, q.err).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'q/config.json'), 'utf8')).name).toBe('baseline');
    const bad = capture(['--pytorch', join(d, 'b'), '?lr=abc']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('lr=abc');
  });

  it('refuses what is not a run file, and a missing argument', () => {
    const d = tmp();
    const file = join(d, 'x.json');
    writeFileSync(file, '{"schema":"something else"}');
    const r = capture(['--pytorch', join(d, 'o'), file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Not an ITRA Playground run file');
    expect(capture(['--pytorch', join(d, 'o')]).code).toBe(2);
    expect(capture([join(d, 'x.json')]).code).toBe(2);
    expect(capture(['--pytorch', join(d, 'o'), join(d, 'missing.json')]).err).toContain(
      'no such file',
    );
  });
});
