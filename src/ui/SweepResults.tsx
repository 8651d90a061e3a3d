/**
 * Mean ± sd per group of runs that differ only by seed: the sweep runs in the charts (or every
 * run shown, when none is a sweep's), sortable by any column, exportable as CSV and Markdown.
 */
import { useMemo, useRef, useState } from 'react';
import type { RunRecord } from '../engine/runRecord';
import { meanSd } from '../reproduce/report';
import type { ResultMetric } from '../reproduce/summary';
import { downloadText } from '../state/download';
import { useLibraryStore } from '../state/runsLibrary';
import {
  type SortDir,
  type SortKey,
  sortRows,
  tableData,
  tableRows,
  toCsv,
  toMarkdown,
} from './sweepTable';

const COLUMNS: Array<{ key: SortKey; label: string; title?: string; percent?: boolean }> = [
  { key: 'group', label: 'Group' },
  { key: 'n', label: 'n', title: 'Runs averaged (a diverged run is counted apart)' },
  { key: 'finalTestAcc', label: 'Final test acc %', percent: true },
  { key: 'finalTestCE', label: 'Final test CE' },
  { key: 'bestTestAcc', label: 'Best test acc %', percent: true },
  { key: 'minTestCE', label: 'Min test CE' },
  { key: 'finalIntraDist', label: 'Final intra-class dist' },
  { key: 'diverged', label: 'Diverged' },
  { key: 'collapsed', label: 'Collapsed' },
];

const inProgress = (r: RunRecord) => r.status === 'running' || r.status === 'paused';

/** The same array as last time while its elements are the same objects (memo-friendly). */
function useStableList<T>(list: T[]): T[] {
  const ref = useRef(list);
  const prev = ref.current;
  if (prev.length !== list.length || prev.some((x, i) => x !== list[i])) ref.current = list;
  return ref.current;
}

export function SweepResults() {
  const entries = useLibraryStore((s) => s.entries);
  const order = useLibraryStore((s) => s.order);
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({
    key: 'group',
    dir: 'ascending',
  });

  // A run in progress changes at every flush: it is left out here, so the summaries are
  // computed again only when a run ends, is shown or hidden.
  const visible = order.map((id) => entries[id]).filter((e) => e && !e.hidden);
  const finished = useStableList(visible.map((e) => e.record).filter((r) => !inProgress(r)));
  const data = useMemo(() => tableData(finished), [finished]);
  const running = visible.filter(
    (e) => inProgress(e.record) && (!data.sweeps || e.record.sweep),
  ).length;
  const rows = useMemo(() => sortRows(tableRows(data), sort.key, sort.dir), [data, sort]);
  const multi = data.scopes.length > 1;

  const onSort = (key: SortKey) =>
    setSort((s) => ({
      key,
      dir: s.key === key && s.dir === 'ascending' ? 'descending' : 'ascending',
    }));
  const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

  return (
    <section className="panel sweep-results" aria-labelledby="sweep-results-h">
      <div className="panel-head">
        <h2 id="sweep-results-h">
          Results <span className="count">{rows.length ? `${rows.length} groups` : ''}</span>
        </h2>
        <div className="panel-head-actions">
          <button
            type="button"
            className="btn small"
            disabled={rows.length === 0}
            onClick={() => downloadText(`itra-results-${stamp()}.csv`, toCsv(rows), 'text/csv')}
          >
            Export CSV
          </button>
          <button
            type="button"
            className="btn small"
            disabled={rows.length === 0}
            onClick={() =>
              downloadText(`itra-results-${stamp()}.md`, toMarkdown(data), 'text/markdown')
            }
          >
            Export Markdown
          </button>
        </div>
      </div>
      <p className="note">
        {data.sweeps
          ? 'The sweep runs shown in the charts, grouped by everything but the seed: mean ± sample sd over seeds.'
          : 'Every run shown in the charts, grouped by everything but the seed: mean ± sample sd over seeds.'}
        {data.leftOut + running > 0
          ? ` Not counted: ${data.leftOut + running} run${data.leftOut + running === 1 ? '' : 's'} in progress, stopped or failed.`
          : ''}
      </p>
      {rows.length === 0 ? (
        <p className="note">No finished runs to summarize yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="results-table" aria-label="Sweep results">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th
                    key={c.key}
                    scope="col"
                    aria-sort={sort.key === c.key ? sort.dir : 'none'}
                    className={c.key === 'group' ? 'left' : undefined}
                  >
                    <button type="button" title={c.title} onClick={() => onSort(c.key)}>
                      {c.label}
                      <span aria-hidden="true" className="sort-mark">
                        {sort.key === c.key ? (sort.dir === 'ascending' ? '▲' : '▼') : ''}
                      </span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const g = r.group;
                return (
                  <tr key={r.id} data-group={g.label} data-n={g.n}>
                    <th scope="row" className="left">
                      {multi ? <span className="scope">{r.scopeLabel} · </span> : null}
                      {g.label}
                    </th>
                    <td title={`${g.n} of ${g.runs.length} runs averaged`}>{g.n}</td>
                    {COLUMNS.slice(2, 7).map((c) => (
                      <td key={c.key}>
                        {meanSd(g.metrics[c.key as ResultMetric], c.percent === true)}
                      </td>
                    ))}
                    <td className={g.diverged ? 'warn' : undefined}>{g.diverged}</td>
                    <td className={g.collapsed ? 'warn' : undefined}>{g.collapsed}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
