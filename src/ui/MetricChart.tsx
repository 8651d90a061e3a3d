/** One metric vs step for every visible run, with event markers and a hover readout. */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { Point, RunEvent } from '../engine/runRecord';
import { type BandGroup, cachedBandSeries, hiKey, loKey } from './bands';
import { ChartTable } from './ChartTable';
import { ChartTools } from './ChartTools';
import type { CsvLine } from './chartCsv';
import {
  collectMarkers,
  labelRows,
  type MetricKey,
  mergeRows,
  niceScale,
  stepScale,
  valueRange,
} from './chartData';
import { chartSvg } from './chartExport';
import { ChartTooltip, compactStep, formatMetric, markerColor } from './chartParts';
import { registerChart } from './chartRegistry';
import { fmtNum } from './format';
import { LinePlot, type PlotBand, type PlotLine, type PlotMarker } from './LinePlot';
import { logAxis } from './plotGeometry';
import { runColor, runDash, runLineClass } from './runStyle';
import { preparedIncremental } from './seriesCache';

export interface ChartRun {
  id: string;
  name: string;
  color: string;
  points: Point[];
  events: RunEvent[];
  /** Part of the session in progress: drawn a little heavier. */
  current: boolean;
  /** Twin side, to say which side a marker belongs to. */
  side?: 'A' | 'B';
  /**
   * The run's learning rate only jumps (constant or step decay, no lr warm-up): its lr line is
   * drawn as steps, so a drop reads as a drop between two eval points, not as a slope.
   */
  lrStepwise?: boolean;
  /** Line dash (runStyle.ts): runs stay apart without colour vision. */
  dash?: string;
}

export interface MetricChartProps {
  title: string;
  metric: MetricKey;
  runs: readonly ChartRun[];
  smoothing: number;
  logScale?: boolean;
  size: 'main' | 'small';
  /** One-line description under the heading. */
  caption?: string;
  /** A session is starting or running: an empty chart is waiting, not empty. */
  waiting?: boolean;
  /** Runs grouped by seed: a mean line and a ± one sd band each (bands.ts). */
  bands?: readonly BandGroup[];
}

const MAX_POINTS = 500;
const NO_BANDS: readonly BandGroup[] = [];

/** The run's series for this chart (seriesCache.ts: only the points new since the last call are read). */
export function prepared(run: ChartRun, metric: MetricKey, smoothing: number, log: boolean) {
  return preparedIncremental(run.id, run.points, metric, {
    smoothing,
    logScale: log,
    maxPoints: MAX_POINTS,
  });
}

function MetricChartImpl(props: MetricChartProps) {
  const { title, metric, runs, smoothing, logScale = false, size, caption, waiting } = props;
  const bandGroups = props.bands ?? NO_BANDS;
  const { series, bands, rows, markers, labels, count, xScale, yScale } = useMemo(() => {
    const series = runs.map((r) => prepared(r, metric, smoothing, logScale));
    const opts = { smoothing, logScale, maxPoints: MAX_POINTS };
    const bands = bandGroups.map((group) => ({
      group,
      series: cachedBandSeries(group, metric, opts),
    }));
    const bandParts = bands.flatMap(({ series: b }) => [b.mean, b.lo, b.hi]);
    const rows = mergeRows([...series, ...bandParts]);
    const lastStep = Math.max(
      rows.length ? rows[rows.length - 1].step : 0,
      ...runs.flatMap((r) => r.events.map((e) => e.step)),
      1,
    );
    const markers = collectMarkers(runs, size === 'main' ? 40 : 20, lastStep * 0.04);
    // A label needs ~70 px of a main chart's ~230 px plot.
    const labels = labelRows(markers, lastStep * 0.3, 2);
    const count =
      series.reduce((n, s) => n + s.main.length, 0) +
      bands.reduce((n, b) => n + b.series.mean.main.length, 0);
    const range = valueRange([...series, ...bandParts]);
    // Round domains and ticks: they only move when the data crosses a tick.
    const yScale = logScale
      ? logAxis(range?.[0] ?? 0.1, range?.[1] ?? 1)
      : niceScale(range?.[0] ?? 0, range?.[1] ?? 1, { nonNegative: true });
    const xScale = stepScale(lastStep);
    return { series, bands, rows, markers, labels, count, xScale, yScale };
  }, [runs, bandGroups, metric, smoothing, logScale, size]);
  const drawnBands = useMemo(() => bands.filter((b) => b.series.mean.main.length > 0), [bands]);

  const [table, setTable] = useState(false);
  const figure = useRef<HTMLElement>(null);
  // Read on demand (a download), so the latest drawn data without re-registering per render.
  const latest = useRef({ runs, series, bands });
  latest.current = { runs, series, bands };
  const exporter = useMemo(() => {
    // With a run id: that run alone (a run's "Charts" download), no seed groups.
    const legend = (only?: string) => [
      ...latest.current.runs
        .filter((r) => !only || r.id === only)
        .map((r) => ({ name: r.name, color: runColor(r.color), dash: r.dash })),
      ...(only ? [] : latest.current.bands).map((b, i) => ({
        name: b.group.name,
        color: runColor(b.group.color),
        dash: runDash(i),
      })),
    ];
    const csvLines = (only?: string): CsvLine[] => [
      ...latest.current.runs
        .map((r, i) => ({ name: r.name, id: r.id, series: latest.current.series[i] }))
        .filter((l) => !only || l.id === only),
      ...(only ? [] : latest.current.bands).map((b) => ({
        name: `${b.group.name} (mean of ${b.series.n})`,
        id: b.group.id,
        series: b.series.mean,
      })),
    ];
    return { legend, csvLines };
  }, []);
  useEffect(
    () =>
      registerChart({
        figure: () => figure.current,
        title,
        metric,
        csvLines: exporter.csvLines,
        image: (runId) => {
          if (!figure.current) throw new Error(`${title}: not on the page`);
          const only = runId ? runLineClass(runId) : undefined;
          return chartSvg(figure.current, title, exporter.legend(runId), only);
        },
      }),
    [metric, title, exporter],
  );
  const height = size === 'main' ? 252 : 150;
  // As many decimals as tell our ticks apart; a log axis's ticks get the usual format.
  const linear = logScale ? null : yScale;
  const yFmt = useMemo(
    () => (v: number) =>
      metric === 'testAcc'
        ? `${+(v * 100).toFixed(linear ? Math.max(0, linear.decimals - 2) : 1)}%`
        : linear && linear.decimals <= 4
          ? v.toFixed(linear.decimals)
          : fmtNum(v, metric === 'sigma' || metric === 'lr' ? 4 : 3),
    [metric, linear],
  );
  const plot = useMemo(() => {
    const lines: PlotLine[] = [];
    if (smoothing > 0)
      runs.forEach((r, i) => {
        lines.push({
          key: `${r.id}__raw`,
          className: runLineClass(r.id),
          color: runColor(r.color),
          width: 1,
          opacity: 0.22,
          points: series[i]?.raw ?? [],
        });
      });
    runs.forEach((r, i) => {
      const main = series[i]?.main ?? [];
      lines.push({
        key: r.id,
        className: runLineClass(r.id),
        color: runColor(r.color),
        dash: r.dash,
        width: r.current ? 2.2 : 1.6,
        points: main,
        step: metric === 'lr' && r.lrStepwise,
        dots: main.length < 3,
      });
    });
    const areas: PlotBand[] = drawnBands.map(({ group: g }) => ({
      key: `${g.id}__band`,
      color: runColor(g.color),
      loKey: loKey(g.id),
      hiKey: hiKey(g.id),
    }));
    for (const { group: g, series: b } of drawnBands) {
      lines.push({
        key: g.id,
        color: runColor(g.color),
        dash: runDash(bands.findIndex((x) => x.group.id === g.id)),
        width: g.current ? 2.6 : 2.2,
        points: b.mean.main,
        dots: b.mean.main.length < 3,
      });
    }
    const marks: PlotMarker[] = markers.map((m, i) => ({
      key: `${m.step}-${m.label}`,
      step: m.step,
      color: m.kind === 'change' ? runColor(m.color) : markerColor(m.kind),
      label: size === 'main' && labels[i]! >= 0 ? m.label : undefined,
      row: labels[i]!,
    }));
    return { lines, areas, marks };
  }, [runs, series, bands, drawnBands, markers, labels, smoothing, metric, size]);

  return (
    <figure
      ref={figure}
      className={`chart chart-${size}`}
      aria-label={`${title} chart`}
      data-points={count}
      data-series={series.filter((s) => s.main.length > 0).length + drawnBands.length}
      data-bands={drawnBands.length}
      data-band-runs={drawnBands.map((b) => b.series.n).join(',')}
      data-metric={metric}
      data-markers={markers.map((m) => m.label).join(' | ')}
    >
      <figcaption className="chart-head">
        <h3>{title}</h3>
        {caption ? <span className="chart-caption">{caption}</span> : null}
        <ChartTools
          figure={figure}
          title={title}
          metric={metric}
          legend={exporter.legend}
          csvLines={exporter.csvLines}
          table={table}
          onTable={setTable}
        />
      </figcaption>
      {/* The plot is mounted even while empty, so that the first point only updates it. */}
      <div className="chart-body" style={{ height }}>
        <LinePlot
          title={`${title}: focus and use ← → to read the values`}
          height={height}
          marginTop={size === 'main' ? 28 : 8}
          rows={rows}
          lines={plot.lines}
          bands={plot.areas}
          markers={plot.marks}
          x={xScale}
          y={yScale}
          log={logScale}
          xFormat={compactStep}
          yFormat={yFmt}
          readout={(row) => (
            <ChartTooltip
              row={row}
              runs={runs}
              bands={bands}
              metric={metric}
              smoothing={smoothing}
            />
          )}
        />
        {rows.length === 0 ? (
          <div className="chart-empty">
            {runs.length === 0 && bandGroups.length === 0
              ? 'No runs shown'
              : waiting
                ? 'Waiting for the first eval step…'
                : metric === 'match' || metric === 'sigma'
                  ? 'No values: logged for ITRA and ITRA-c'
                  : 'No points recorded'}
          </div>
        ) : null}
      </div>
      {table ? (
        <ChartTable
          title={title}
          rows={rows}
          columns={[
            ...runs.map((r) => ({ key: r.id, name: r.name })),
            ...drawnBands.map((b) => ({ key: b.group.id, name: `${b.group.name} (mean)` })),
          ]}
          format={(v) => formatMetric(metric, v)}
        />
      ) : null}
    </figure>
  );
}

export const MetricChart = memo(MetricChartImpl);
