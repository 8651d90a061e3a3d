/** The pieces of a metric chart around its plot: value formats, the hover readout, marker labels. */
import type { RunEvent } from '../engine/runRecord';
import { type BandGroup, type BandSeries, hiKey, loKey } from './bands';
import { type ChartRow, type MetricKey, rawKey } from './chartData';
import { fmtInt, fmtNum, fmtPct } from './format';
import type { ChartRun } from './MetricChart';
import { RunSwatch } from './RunSwatch';
import { runColor, runDash } from './runStyle';

export function formatMetric(metric: MetricKey, v: number | null | undefined): string {
  if (metric === 'testAcc') return fmtPct(v, 2);
  return fmtNum(v, metric === 'sigma' || metric === 'match' || metric === 'lr' ? 4 : 3);
}

export const compactStep = (v: number) =>
  v >= 1e6 ? `${+(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(2)}k` : String(v);

/** The values of every line at one step (the hover or keyboard position). */
export function ChartTooltip(props: {
  row: ChartRow;
  runs: readonly ChartRun[];
  bands: readonly { group: BandGroup; series: BandSeries }[];
  metric: MetricKey;
  smoothing: number;
}) {
  const { row, runs, bands, metric, smoothing } = props;
  const shown = runs.filter((r) => row[r.id] !== undefined || row[rawKey(r.id)] !== undefined);
  const shownBands = bands.filter((b) => row[b.group.id] !== undefined);
  if (shown.length === 0 && shownBands.length === 0) return null;
  return (
    <div className="chart-tooltip" role="status">
      <div className="chart-tooltip-head">
        step {fmtInt(row.step)} · epoch {row.epoch.toFixed(2)}
      </div>
      {shown.map((r) => (
        <div key={r.id} className="chart-tooltip-row">
          <RunSwatch color={runColor(r.color)} dash={r.dash} />
          <span className="chart-tooltip-name">{r.name}</span>
          <span className="chart-tooltip-val">
            {formatMetric(metric, row[r.id])}
            {smoothing > 0 && row[rawKey(r.id)] !== undefined ? (
              <span className="raw"> · raw {formatMetric(metric, row[rawKey(r.id)])}</span>
            ) : null}
          </span>
        </div>
      ))}
      {shownBands.map(({ group: g, series }, i) => {
        const [lo, hi] = [row[loKey(g.id)], row[hiKey(g.id)]];
        const sd = lo !== undefined && hi !== undefined ? (hi - lo) / 2 : null;
        return (
          <div key={g.id} className="chart-tooltip-row">
            <RunSwatch color={runColor(g.color)} dash={runDash(i)} />
            <span className="chart-tooltip-name">{g.name}</span>
            <span className="chart-tooltip-val">
              {formatMetric(metric, row[g.id])}
              {sd !== null ? ` ± ${formatMetric(metric, sd)}` : ''} (n={series.n})
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** Marker labels sit in the top margin, above the data, in two staggered rows. */
export function MarkerLabel(props: {
  viewBox?: { x?: number; y?: number };
  text: string;
  row: number;
}) {
  const x = (props.viewBox?.x ?? 0) + 2;
  const y = (props.viewBox?.y ?? 0) - 4 - props.row * 11;
  return (
    <text x={x} y={y} fontSize={10} fill="var(--chart-label)">
      {props.text}
    </text>
  );
}

export function markerColor(kind: RunEvent['kind']): string {
  switch (kind) {
    case 'warmup-end':
      return 'var(--marker-warmup)';
    case 'collapsed':
      return 'var(--marker-collapsed)';
    default:
      return 'var(--marker-diverged)';
  }
}
