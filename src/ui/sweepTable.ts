/**
 * The results table's data, pure: which runs it summarizes, the groups (summarizeRuns of
 * src/reproduce, per sweep or per shared settings), sorting, and the CSV and Markdown exports
 * (Markdown: the CLI's report.md, renderReport).
 */

import { DATASETS } from '../data/registry';
import type { RunRecord } from '../engine/runRecord';
import { renderReport } from '../reproduce/report';
import type { Summary } from '../reproduce/stats';
import {
  type GroupSummary,
  RESULT_METRICS,
  type ResultMetric,
  summarizeRuns,
} from '../reproduce/summary';
import { countsInGroup, recordScope } from './bands';

export interface TableScope {
  scope: string;
  label: string;
  records: RunRecord[];
  groups: GroupSummary[];
}

export interface TableData {
  scopes: TableScope[];
  /** Whether the table is of sweep runs (else: every visible run, grouped by its settings). */
  sweeps: boolean;
  /** Runs left out: still in progress, or a sweep's stopped or failed runs. */
  leftOut: number;
}

function scopeLabel(r: RunRecord): string {
  const c = r.config;
  const where = `${DATASETS[c.dataset].shortName} · ${c.model} · ${(c.maxSteps || r.steps).toLocaleString('en-US')} steps`;
  return r.sweep ? `sweep ${r.sweep.id.slice(0, 4)} · ${where}` : where;
}

const inProgress = (r: RunRecord) => r.status === 'running' || r.status === 'paused';

/**
 * The sweep runs among `records` (or every run when none is a sweep's), finished ones only,
 * grouped: per sweep (or per shared settings), runs that differ only by seed.
 */
export function tableData(records: readonly RunRecord[]): TableData {
  const sweeps = records.some((r) => r.sweep);
  const pool = sweeps ? records.filter((r) => r.sweep) : records;
  const used = pool.filter((r) => !inProgress(r) && r.status !== 'error' && countsInGroup(r));
  const byScope = new Map<string, RunRecord[]>();
  for (const r of used) {
    const k = recordScope(r);
    const list = byScope.get(k);
    if (list) list.push(r);
    else byScope.set(k, [r]);
  }
  const scopes = [...byScope.entries()].map(([scope, recs]) => ({
    scope,
    label: scopeLabel(recs[0]!),
    records: recs,
    groups: summarizeRuns(recs),
  }));
  return { scopes, sweeps, leftOut: pool.length - used.length };
}

export interface TableRow {
  id: string;
  scope: string;
  scopeLabel: string;
  group: GroupSummary;
}

export function tableRows(data: TableData): TableRow[] {
  return data.scopes.flatMap((s) =>
    s.groups.map((g) => ({
      id: `${s.scope}|${g.groupKey}`,
      scope: s.scope,
      scopeLabel: s.label,
      group: g,
    })),
  );
}

export type SortKey = 'group' | 'n' | ResultMetric | 'diverged' | 'collapsed';
export type SortDir = 'ascending' | 'descending';

function sortValue(r: TableRow, key: SortKey): string | number | null {
  const g = r.group;
  switch (key) {
    case 'group':
      return `${r.scopeLabel} ${g.label}`;
    case 'n':
      return g.n;
    case 'diverged':
      return g.diverged;
    case 'collapsed':
      return g.collapsed;
    default:
      return g.metrics[key].mean;
  }
}

/** Stable sort by one column; groups without a value go last in either direction. */
export function sortRows(rows: readonly TableRow[], key: SortKey, dir: SortDir): TableRow[] {
  const sign = dir === 'ascending' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: sortValue(r, key) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c =
        typeof a.v === 'string' || typeof b.v === 'string'
          ? String(a.v).localeCompare(String(b.v), 'en', { numeric: true })
          : a.v - b.v;
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.r);
}

const csvCell = (v: unknown): string => {
  const t = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** One line per group: its coordinates, counts, and each metric's mean, sd and n. */
export function toCsv(rows: readonly TableRow[]): string {
  const coordKeys = [
    ...new Set(
      rows.flatMap((r) =>
        Object.keys(r.group.coords).filter((k) => k !== 'method' && k !== 'lambda'),
      ),
    ),
  ].sort();
  const head = [
    'set',
    'group',
    'method',
    'lambda',
    ...coordKeys,
    'n',
    'runs',
    'diverged',
    'collapsed',
    ...RESULT_METRICS.flatMap((m) => [`${m}_mean`, `${m}_sd`]),
  ];
  const lines = rows.map((r) => {
    const g = r.group;
    const stat = (s: Summary) => [s.mean, s.sd];
    return [
      r.scopeLabel,
      g.label,
      g.method,
      g.lambda,
      ...coordKeys.map((k) => g.coords[k]),
      g.n,
      g.runs.length,
      g.diverged,
      g.collapsed,
      ...RESULT_METRICS.flatMap((m) => stat(g.metrics[m])),
    ]
      .map(csvCell)
      .join(',');
  });
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

/** The CLI's report.md for each set of runs (the sweep's base settings from its first run). */
export function toMarkdown(data: TableData): string {
  return data.scopes
    .map((s) => {
      const first = s.records[0]!;
      return renderReport(s.groups, {
        title: s.label,
        base: first.config,
        trainSize: first.data.trainSize,
        budget:
          first.data.split === 'carved' ? `Split: ${first.data.splitNote ?? 'carved'}.` : undefined,
      });
    })
    .join('\n');
}
