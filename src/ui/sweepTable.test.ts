/** The results table's data: which runs, the groups, sorting, CSV and Markdown. */
import { describe, expect, it } from 'vitest';
import { vanillaPoint } from '../../test/recordFixture';
import { DEFAULT_CONFIG, type Method } from '../engine/config';
import { RUN_SCHEMA_ID, RUN_SCHEMA_VERSION, type RunRecord } from '../engine/runRecord';
import { sortRows, tableData, tableRows, toCsv, toMarkdown } from './sweepTable';

const pt = (step: number, acc: number, ce: number) =>
  vanillaPoint(step, { epoch: step / 500, testAcc: acc, testCE: ce, trainCE: ce });

function rec(
  method: Method,
  seed: number,
  acc: number,
  extra: Partial<RunRecord> & { sweepId?: string | null } = {},
): RunRecord {
  const { sweepId = 'S1', ...rest } = extra;
  const coords = { method, ...(method === 'itra-c' ? { lambda: 0.8 } : {}), seed };
  return {
    schema: RUN_SCHEMA_ID,
    version: RUN_SCHEMA_VERSION,
    id: `${sweepId}-${method}-${seed}`,
    name: `${method} ${seed}`,
    createdAt: '2026-12-01T00:00:00Z',
    config: {
      ...DEFAULT_CONFIG,
      dataset: 'kmnist',
      model: 'tiny',
      method,
      seed,
      maxSteps: 8,
      lambda: 0.8,
    },
    data: { trainSize: 8000, testSize: 2000, evalSize: 100, split: 'carved' },
    environment: { backend: 'wasm', runtime: 'test', tfjsVersion: '4.22.0' },
    ...(sweepId ? { sweep: { id: sweepId, coords } } : {}),
    status: 'completed',
    steps: 8,
    points: [pt(4, acc - 0.1, 2), pt(8, acc, 1.5)],
    events: [],
    ...rest,
  };
}

const four = [
  rec('vanilla', 1, 0.5),
  rec('vanilla', 2, 0.7),
  rec('itra-c', 1, 0.6),
  rec('itra-c', 2, 0.8),
];

describe('tableData', () => {
  it('two groups of n=2 from a 2 seeds × 2 methods sweep', () => {
    const d = tableData(four);
    expect(d.sweeps).toBe(true);
    const rows = tableRows(d);
    expect(rows.map((r) => [r.group.label, r.group.n])).toEqual([
      ['vanilla', 2],
      ['itra-c λ0.8', 2],
    ]);
    expect(rows[0]!.group.metrics.finalTestAcc.mean).toBeCloseTo(0.6, 12);
    expect(rows[0]!.scopeLabel).toBe('sweep S1 · KMNIST · tiny · 8 steps');
  });

  it('leaves out runs in progress and stopped sweep runs, counting them; other runs when a sweep is shown', () => {
    const d = tableData([
      ...four,
      rec('vanilla', 3, 0.9, { status: 'running' }),
      rec('vanilla', 4, 0.9, { status: 'stopped' }),
      rec('vanilla', 5, 0.9, { sweepId: null }),
    ]);
    expect(tableRows(d).map((r) => r.group.n)).toEqual([2, 2]);
    expect(d.leftOut).toBe(2);
  });

  it('without sweep runs, groups every finished run by its settings', () => {
    const d = tableData([
      rec('vanilla', 1, 0.5, { sweepId: null, status: 'stopped' }),
      rec('vanilla', 2, 0.7, { sweepId: null, status: 'stopped' }),
      rec('vanilla', 3, 0.7, { sweepId: null, status: 'running' }),
    ]);
    expect(d.sweeps).toBe(false);
    expect(tableRows(d).map((r) => [r.group.label, r.group.n])).toEqual([['vanilla', 2]]);
  });

  it('keeps two sweeps apart; counts diverged and collapsed runs', () => {
    const diverged = rec('vanilla', 2, 0.1, { sweepId: 'S2', status: 'diverged' });
    const collapsed = rec('vanilla', 1, 0.1, {
      sweepId: 'S2',
      events: [{ kind: 'collapsed', step: 4, detail: 'x' }],
    });
    const rows = tableRows(tableData([...four, diverged, collapsed]));
    expect(rows).toHaveLength(3);
    const s2 = rows[2]!.group;
    expect([s2.n, s2.diverged, s2.collapsed, s2.runs.length]).toEqual([1, 1, 1, 2]);
  });
});

describe('sorting', () => {
  const rows = tableRows(tableData([...four, rec('lsr', 1, 0.9, { status: 'diverged' })]));
  it('by a metric either way, groups without a value last', () => {
    const asc = sortRows(rows, 'finalTestAcc', 'ascending').map((r) => r.group.label);
    expect(asc).toEqual(['vanilla', 'itra-c λ0.8', 'lsr']);
    const desc = sortRows(rows, 'finalTestAcc', 'descending').map((r) => r.group.label);
    expect(desc).toEqual(['itra-c λ0.8', 'vanilla', 'lsr']);
  });
  it('by name and by counts', () => {
    expect(sortRows(rows, 'group', 'ascending').map((r) => r.group.label)).toEqual([
      'itra-c λ0.8',
      'lsr',
      'vanilla',
    ]);
    expect(sortRows(rows, 'diverged', 'descending')[0]!.group.label).toBe('lsr');
  });
});

describe('exports', () => {
  const rows = tableRows(tableData(four));
  it('CSV: one line per group, mean and sd per metric, quoted where needed', () => {
    const csv = toCsv(rows).trim().split('\n');
    expect(csv[0]).toBe(
      'set,group,method,lambda,n,runs,diverged,collapsed,finalTestAcc_mean,finalTestAcc_sd,bestTestAcc_mean,bestTestAcc_sd,finalTestCE_mean,finalTestCE_sd,minTestCE_mean,minTestCE_sd,finalIntraDist_mean,finalIntraDist_sd',
    );
    expect(csv).toHaveLength(3);
    const cells = csv[2]!.split(',');
    expect(cells.slice(1, 8)).toEqual(['itra-c λ0.8', 'itra-c', '0.8', '2', '2', '0', '0']);
    expect(Number(cells[8])).toBeCloseTo(0.7, 12);
    expect(Number(cells[9])).toBeCloseTo(Math.SQRT2 * 0.1, 12);
    const quoted = toCsv([{ ...rows[0]!, scopeLabel: 'a, "b"' }]).split('\n')[1];
    expect(quoted?.startsWith('"a, ""b""",')).toBe(true);
  });
  it('Markdown: the CLI report of each sweep', () => {
    const md = toMarkdown(tableData(four));
    expect(md).toContain('# sweep S1 · KMNIST · tiny · 8 steps');
    expect(md).toContain('## The full grid');
    expect(md).toContain('| Vanilla SGD | — | 2 of 2 | 60.00 ± 14.14 |');
    expect(md).toContain('## Paired with vanilla on the same seeds');
  });
});
