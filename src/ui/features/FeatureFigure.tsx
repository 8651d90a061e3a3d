/**
 * One feature view with the charts' tools (Download PNG/SVG/CSV, Show as table): the view,
 * and below it, when asked, its values as a table (the text alternative).
 */
import { type ReactNode, useState } from 'react';
import { ExportTools } from '../ChartTools';
import type { ChartImage } from '../chartExport';
import { resolveColor } from '../chartExport';
import type { Theme } from './featureExport';

/** The theme's colours now (light or dark), resolved for a standalone file. */
export function currentTheme(): Theme {
  return {
    text: resolveColor('var(--text)'),
    muted: resolveColor('var(--muted)'),
    bg: resolveColor('var(--panel)'),
    grid: resolveColor('var(--chart-grid)'),
  };
}

export function FeatureFigure(props: {
  title: string;
  /** What the heading shows (defaults to the title). */
  heading?: ReactNode;
  svg: (t: Theme) => ChartImage;
  csv: () => string;
  table: () => ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const [table, setTable] = useState(false);
  return (
    <figure className={`feature-view ${props.className ?? ''}`} aria-label={props.title}>
      <figcaption className="feature-view-head">
        <span className="feature-view-title">{props.heading ?? props.title}</span>
        <ExportTools
          title={props.title}
          svg={() => props.svg(currentTheme())}
          csv={props.csv}
          table={table}
          onTable={setTable}
        />
      </figcaption>
      {props.children}
      {table ? props.table() : null}
    </figure>
  );
}

/** At most this many rows on the page (the CSV has all). */
const MAX_ROWS = 300;

export function ValuesTable(props: {
  caption: string;
  head: readonly string[];
  rows: ReadonlyArray<ReadonlyArray<string | number>>;
}) {
  const { caption, head, rows } = props;
  const shown = rows.slice(0, MAX_ROWS);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="chart-table" tabIndex={0} aria-label={`${caption} as a table`}>
      <table>
        <caption>
          {caption}
          {shown.length < rows.length
            ? ` — the first ${MAX_ROWS} of ${rows.length} (Download CSV has all)`
            : ''}
        </caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows of a fixed snapshot
            <tr key={i}>
              {r.map((v, j) =>
                j === 0 ? (
                  <th key={head[j]} scope="row">
                    {v}
                  </th>
                ) : (
                  <td key={head[j]}>{v}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
