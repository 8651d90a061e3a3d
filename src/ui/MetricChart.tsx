/** One metric vs step for every visible run, with event markers and a hover readout. */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Point, RunEvent } from '../engine/runRecord';
import { type BandGroup, cachedBandSeries, hiKey, loKey, rangeKey } from './bands';
import { ChartTable } from './ChartTable';
import { ChartTools } from './ChartTools';
import type { CsvLine } from './chartCsv';
import {
  collectMarkers,
  labelRows,
  type MetricKey,
  mergeRows,
  niceScale,
  rawKey,
  stepScale,
  valueRange,
} from './chartData';
import { chartSvg } from './chartExport';
import {
  ChartTooltip,
  compactStep,
  formatMetric,
  MarkerLabel,
  markerColor,
  type TooltipEntry,
} from './chartParts';
import { registerChart } from './chartRegistry';
import { fmtNum } from './format';
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
    for (const row of rows) {
      for (const { group: g } of bands) {
        const [lo, hi] = [row[loKey(g.id)], row[hiKey(g.id)]];
        // recharts draws an Area between the two values of a [low, high] pair.
        if (lo !== undefined && hi !== undefined)
          (row as Record<string, unknown>)[rangeKey(g.id)] = [lo, hi];
      }
    }
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
    // Linear axes get round domains and ticks from us (see niceScale); log axes stay recharts'.
    const yScale = logScale || !range ? null : niceScale(range[0], range[1], { nonNegative: true });
    const xScale = stepScale(lastStep);
    return { series, bands, rows, markers, labels, count, xScale, yScale };
  }, [runs, bandGroups, metric, smoothing, logScale, size]);
  const drawnBands = bands.filter((b) => b.series.mean.main.length > 0);

  // Hovered by the mouse or focused by the keyboard (recharts moves the readout with ← →).
  const [hovered, setHovered] = useState(false);
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
  // As many decimals as tell our ticks apart; recharts' own (log) ticks get the usual format.
  const yFmt = (v: number) =>
    metric === 'testAcc'
      ? `${+(v * 100).toFixed(yScale ? Math.max(0, yScale.decimals - 2) : 1)}%`
      : yScale && yScale.decimals <= 4
        ? v.toFixed(yScale.decimals)
        : fmtNum(v, metric === 'sigma' || metric === 'lr' ? 4 : 3);

  return (
    <figure
      ref={figure}
      className={`chart chart-${size}`}
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
      onFocus={() => setHovered(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setHovered(false);
      }}
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
      {/* The chart is mounted even while empty, so that the first point only updates it:
          mounting six recharts charts at once is one long main-thread task. */}
      <div className="chart-body" style={{ height }}>
        <ResponsiveContainer width="100%" height={height}>
          <ComposedChart
            data={rows}
            syncId="itra-curves"
            syncMethod="value"
            title={`${title}: focus and use ← → to read the values`}
            margin={{ top: size === 'main' ? 28 : 8, right: 14, bottom: 0, left: 0 }}
          >
            <CartesianGrid stroke="var(--chart-grid)" strokeDasharray="3 3" />
            <XAxis
              dataKey="step"
              type="number"
              domain={xScale.domain}
              ticks={xScale.ticks}
              // Our ~5 ticks always fit: interval 0 spares recharts measuring every label in
              // the DOM (a forced layout per new label) to thin them out.
              interval={0}
              tickFormatter={compactStep}
              allowDecimals={false}
              tick={{ fontSize: 11, fill: 'var(--chart-axis)' }}
              stroke="var(--chart-axis)"
            />
            <YAxis
              scale={logScale ? 'log' : 'auto'}
              domain={yScale ? yScale.domain : ['auto', 'auto']}
              ticks={yScale?.ticks}
              interval={yScale ? 0 : 'preserveEnd'}
              allowDataOverflow={logScale}
              tickFormatter={yFmt}
              width={52}
              tick={{ fontSize: 11, fill: 'var(--chart-axis)' }}
              stroke="var(--chart-axis)"
            />
            <Tooltip
              isAnimationActive={false}
              wrapperStyle={{ zIndex: 20 }}
              allowEscapeViewBox={{ x: false, y: true }}
              content={(p) => (
                <ChartTooltip
                  // Synced charts show the cursor; only the hovered one shows the readout.
                  active={p.active && hovered}
                  payload={p.payload as readonly TooltipEntry[]}
                  runs={runs}
                  bands={bands}
                  metric={metric}
                  smoothing={smoothing}
                />
              )}
            />
            {smoothing > 0
              ? runs.map((r) => (
                  <Line
                    key={rawKey(r.id)}
                    dataKey={rawKey(r.id)}
                    className={runLineClass(r.id)}
                    stroke={runColor(r.color)}
                    strokeOpacity={0.22}
                    strokeWidth={1}
                    dot={false}
                    activeDot={false}
                    connectNulls
                    isAnimationActive={false}
                    legendType="none"
                  />
                ))
              : null}
            {runs.map((r, i) => (
              <Line
                key={r.id}
                dataKey={r.id}
                name={r.name}
                className={runLineClass(r.id)}
                type={metric === 'lr' && r.lrStepwise ? 'stepAfter' : 'linear'}
                stroke={runColor(r.color)}
                strokeDasharray={r.dash}
                strokeWidth={r.current ? 2.2 : 1.6}
                dot={(series[i]?.main.length ?? 0) < 3 ? { r: 2.5 } : false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
            {drawnBands.map(({ group: g }) => (
              <Area
                key={rangeKey(g.id)}
                dataKey={rangeKey(g.id)}
                stroke="none"
                fill={runColor(g.color)}
                fillOpacity={0.2}
                dot={false}
                activeDot={false}
                connectNulls
                isAnimationActive={false}
                legendType="none"
              />
            ))}
            {drawnBands.map(({ group: g, series: b }) => (
              <Line
                key={g.id}
                dataKey={g.id}
                name={g.name}
                stroke={runColor(g.color)}
                strokeDasharray={runDash(bands.findIndex((x) => x.group.id === g.id))}
                strokeWidth={g.current ? 2.6 : 2.2}
                dot={b.mean.main.length < 3 ? { r: 2.5 } : false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
            {markers.map((m, i) => (
              <ReferenceLine
                key={`${m.step}-${m.label}`}
                x={m.step}
                stroke={m.kind === 'change' ? runColor(m.color) : markerColor(m.kind)}
                strokeDasharray="4 3"
                strokeOpacity={0.8}
                ifOverflow="extendDomain"
                label={
                  size === 'main' && labels[i] >= 0
                    ? (p: { viewBox?: { x?: number; y?: number } }) => (
                        <MarkerLabel viewBox={p.viewBox} text={m.label} row={labels[i]} />
                      )
                    : undefined
                }
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
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
