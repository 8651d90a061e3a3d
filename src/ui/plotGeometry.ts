/**
 * Pure geometry of a line plot: scales, the y axis of a log chart, SVG paths of lines and bands,
 * the row under the cursor. d3-scale and d3-shape do the arithmetic (they are what recharts used
 * underneath); this file only wires them to our series. No React, no DOM: unit-tested in Node.
 */
import { type ScaleContinuousNumeric, scaleLinear, scaleLog } from 'd3-scale';
import { area, curveLinear, curveStepAfter, line } from 'd3-shape';
import type { AxisScale, ChartRow, XY } from './chartData';

export type Scale = ScaleContinuousNumeric<number, number>;

export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function xScaleOf(domain: readonly [number, number], box: PlotBox): Scale {
  return scaleLinear()
    .domain([...domain])
    .range([box.left, box.left + box.width]);
}

export function yScaleOf(domain: readonly [number, number], box: PlotBox, log: boolean): Scale {
  const s = log ? scaleLog() : scaleLinear();
  return s.domain([...domain]).range([box.top + box.height, box.top]);
}

/**
 * The y axis of a log chart over [min, max] (both > 0): rounded out to powers of ten when the
 * data spans one or more, else to the data's own 1-2-5 ticks; at most ~6 ticks.
 */
export function logAxis(min: number, max: number): AxisScale {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max))
    return { domain: [0.1, 1], ticks: [0.1, 1], decimals: 1 };
  const hi = max > min ? max : min * 1.1;
  const lo = max > min ? min : min / 1.1;
  const s = scaleLog().domain([lo, hi]).nice();
  let ticks = s.ticks();
  // Within one decade d3 gives every 1..9 multiple: keep the 1s, 2s and 5s, then the 1s.
  const lead = (t: number) => Math.round(t / 10 ** Math.floor(Math.log10(t) + 1e-9));
  if (ticks.length > 6) ticks = ticks.filter((t) => [1, 2, 5].includes(lead(t)));
  if (ticks.length > 6) ticks = ticks.filter((t) => lead(t) === 1);
  const [d0, d1] = s.domain() as [number, number];
  const smallest = Math.min(...ticks, d0);
  const decimals = Math.max(0, -Math.floor(Math.log10(smallest) + 1e-9));
  return { domain: [d0, d1], ticks, decimals };
}

/** The SVG path of a series (`step`: held until the next value, as a learning rate is). */
export function linePath(points: readonly XY[], x: Scale, y: Scale, step = false): string {
  return (
    line<XY>()
      .x((p) => x(p.step))
      .y((p) => y(p.value))
      .curve(step ? curveStepAfter : curveLinear)(points as XY[]) ?? ''
  );
}

/** The SVG path of a band between `loKey` and `hiKey`, over the rows that have both. */
export function bandPath(
  rows: readonly ChartRow[],
  loKey: string,
  hiKey: string,
  x: Scale,
  y: Scale,
): string {
  const both = rows.filter((r) => r[loKey] !== undefined && r[hiKey] !== undefined);
  return (
    area<ChartRow>()
      .x((r) => x(r.step))
      .y0((r) => y(r[loKey]!))
      .y1((r) => y(r[hiKey]!))(both) ?? ''
  );
}

/** Index of the row nearest to `step` (rows sorted by step); -1 when there are none. */
export function nearestRow(rows: readonly ChartRow[], step: number): number {
  if (rows.length === 0) return -1;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.step < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && step - rows[lo - 1]!.step <= rows[lo]!.step - step) return lo - 1;
  return lo;
}
