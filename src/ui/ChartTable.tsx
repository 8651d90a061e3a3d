/** A chart's drawn values as a table: its text alternative ("Show as table"). */
import type { ChartRow } from './chartData';
import { fmtInt } from './format';

export interface TableColumn {
  key: string;
  name: string;
}

/** At most this many rows (the newest); the CSV download has every drawn point. */
const MAX_ROWS = 300;

export function ChartTable(props: {
  title: string;
  rows: readonly ChartRow[];
  columns: readonly TableColumn[];
  format: (v: number | undefined) => string;
}) {
  const { title, rows, columns, format } = props;
  const shown = rows.length > MAX_ROWS ? rows.slice(rows.length - MAX_ROWS) : rows;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="chart-table" tabIndex={0} aria-label={`${title} as a table`}>
      <table>
        <caption>
          {title}
          {shown.length < rows.length
            ? ` — the last ${MAX_ROWS} of ${fmtInt(rows.length)} steps (Download CSV has all)`
            : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Epoch</th>
            {columns.map((c) => (
              <th key={c.key} scope="col">
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 ? (
            <tr>
              <td colSpan={columns.length + 2}>No points yet</td>
            </tr>
          ) : (
            shown.map((r) => (
              <tr key={r.step}>
                <th scope="row">{fmtInt(r.step)}</th>
                <td>{r.epoch.toFixed(2)}</td>
                {columns.map((c) => (
                  <td key={c.key}>{r[c.key] === undefined ? '' : format(r[c.key])}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}
