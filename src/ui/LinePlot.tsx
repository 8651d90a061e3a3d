/**
 * A line plot drawn as plain SVG: grid, axes, lines, seed bands, event markers, a cursor shared
 * by every plot (the same step everywhere) and a readout moved by the mouse or by ← → after
 * focusing the plot. A redraw is a few path strings (plotGeometry.ts) and one small React commit:
 * recharts' redraw (its store, selectors, decimal.js ticks, a component per point) was the
 * main-thread long task while training (bench/PERFORMANCE.md, issue 21).
 */
import {
  type KeyboardEvent,
  type ReactNode,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { AxisScale, ChartRow, XY } from './chartData';
import { MarkerLabel } from './chartParts';
import {
  bandPath,
  linePath,
  nearestRow,
  type PlotBox,
  type Scale,
  xScaleOf,
  yScaleOf,
} from './plotGeometry';

export interface PlotLine {
  key: string;
  /** Classes of the line's group (runLineClass: export picks one run's lines by it). */
  className?: string;
  color: string;
  dash?: string;
  width: number;
  opacity?: number;
  points: readonly XY[];
  /** Held until the next value (a learning rate that only jumps). */
  step?: boolean;
  /** Dots on the values (a line of one or two points is hard to see). */
  dots?: boolean;
}

export interface PlotBand {
  key: string;
  color: string;
  loKey: string;
  hiKey: string;
}

export interface PlotMarker {
  key: string;
  step: number;
  color: string;
  /** Drawn in the top margin, in label row `row`; none: the line alone. */
  label?: string;
  row: number;
}

export interface LinePlotProps {
  title: string;
  height: number;
  marginTop: number;
  rows: readonly ChartRow[];
  lines: readonly PlotLine[];
  bands: readonly PlotBand[];
  markers: readonly PlotMarker[];
  x: AxisScale;
  y: AxisScale;
  log: boolean;
  xFormat: (v: number) => string;
  yFormat: (v: number) => string;
  /** The readout of one row (the hover or keyboard position). */
  readout: (row: ChartRow) => ReactNode;
}

const AXIS_W = 52;
const AXIS_H = 30;
const RIGHT = 14;
const TICK = 6;

// The step under the cursor, shared by every plot (recharts' syncId did this before).
let cursorStep: number | null = null;
const cursorListeners = new Set<() => void>();
function setCursor(step: number | null) {
  if (step === cursorStep) return;
  cursorStep = step;
  for (const l of cursorListeners) l();
}
const subscribeCursor = (l: () => void) => {
  cursorListeners.add(l);
  return () => cursorListeners.delete(l);
};
const getCursor = () => cursorStep;

function Cursor({ x, box }: { x: Scale; box: PlotBox }) {
  const step = useSyncExternalStore(subscribeCursor, getCursor, getCursor);
  if (step === null) return null;
  const [d0, d1] = x.domain() as [number, number];
  if (step < d0 || step > d1) return null;
  const px = x(step);
  return (
    <line
      className="chart-cursor"
      x1={px}
      x2={px}
      y1={box.top}
      y2={box.top + box.height}
      stroke="var(--chart-axis)"
      strokeWidth={1}
    />
  );
}

function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.round(el.clientWidth));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}

export function LinePlot(props: LinePlotProps) {
  const { title, height, marginTop, rows, lines, bands, markers, x: xAxis, y: yAxis, log } = props;
  const [wrap, width] = useWidth();
  const [active, setActive] = useState<number | null>(null);
  const box: PlotBox = useMemo(
    () => ({
      left: AXIS_W,
      top: marginTop,
      width: Math.max(1, width - AXIS_W - RIGHT),
      height: Math.max(1, height - marginTop - AXIS_H),
    }),
    [width, height, marginTop],
  );
  const x = useMemo(() => xScaleOf(xAxis.domain, box), [xAxis, box]);
  const y = useMemo(() => yScaleOf(yAxis.domain, box, log), [yAxis, box, log]);

  // Everything but the cursor and the readout: kept as one element while only they move.
  const { xFormat, yFormat } = props;
  const drawing = useMemo(() => {
    if (width === 0) return null;
    const bottom = box.top + box.height;
    const right = box.left + box.width;
    return (
      <>
        <g className="chart-grid">
          {yAxis.ticks.map((t) => (
            <line
              key={`y${t}`}
              x1={box.left}
              x2={right}
              y1={y(t)}
              y2={y(t)}
              stroke="var(--chart-grid)"
              strokeDasharray="3 3"
            />
          ))}
          {xAxis.ticks.map((t) => (
            <line
              key={`x${t}`}
              x1={x(t)}
              x2={x(t)}
              y1={box.top}
              y2={bottom}
              stroke="var(--chart-grid)"
              strokeDasharray="3 3"
            />
          ))}
        </g>
        <g className="chart-axis chart-xaxis" fontSize={11} fill="var(--chart-axis)">
          <line x1={box.left} x2={right} y1={bottom} y2={bottom} stroke="var(--chart-axis)" />
          {xAxis.ticks.map((t) => (
            <g key={t}>
              <line x1={x(t)} x2={x(t)} y1={bottom} y2={bottom + TICK} stroke="var(--chart-axis)" />
              <text x={x(t)} y={bottom + TICK + 12} textAnchor="middle">
                {xFormat(t)}
              </text>
            </g>
          ))}
        </g>
        <g className="chart-axis chart-yaxis" fontSize={11} fill="var(--chart-axis)">
          <line x1={box.left} x2={box.left} y1={box.top} y2={bottom} stroke="var(--chart-axis)" />
          {yAxis.ticks.map((t) => (
            <g key={t}>
              <line
                x1={box.left - TICK}
                x2={box.left}
                y1={y(t)}
                y2={y(t)}
                stroke="var(--chart-axis)"
              />
              <text x={box.left - TICK - 2} y={y(t)} dy="0.355em" textAnchor="end">
                {yFormat(t)}
              </text>
            </g>
          ))}
        </g>
        {bands.map((b) => (
          <g key={b.key} className="chart-area">
            <path
              d={bandPath(rows, b.loKey, b.hiKey, x, y)}
              fill={b.color}
              fillOpacity={0.2}
              stroke="none"
            />
          </g>
        ))}
        {lines.map((l) => (
          <g key={l.key} className={`chart-line${l.className ? ` ${l.className}` : ''}`}>
            <path
              className="chart-line-curve"
              d={linePath(l.points, x, y, l.step)}
              fill="none"
              stroke={l.color}
              strokeWidth={l.width}
              strokeOpacity={l.opacity}
              strokeDasharray={l.dash}
            />
            {l.dots
              ? l.points.map((p) => (
                  <circle
                    key={p.step}
                    cx={x(p.step)}
                    cy={y(p.value)}
                    r={2.5}
                    fill="var(--panel)"
                    stroke={l.color}
                    strokeWidth={l.width}
                  />
                ))
              : null}
          </g>
        ))}
        {markers.map((m) => {
          const px = x(m.step);
          return (
            <g key={m.key} className="chart-marker">
              <line
                x1={px}
                x2={px}
                y1={box.top}
                y2={bottom}
                stroke={m.color}
                strokeDasharray="4 3"
                strokeOpacity={0.8}
              />
              {m.label ? (
                <MarkerLabel viewBox={{ x: px, y: box.top }} text={m.label} row={m.row} />
              ) : null}
            </g>
          );
        })}
      </>
    );
  }, [width, box, x, y, xAxis, yAxis, rows, lines, bands, markers, xFormat, yFormat]);

  const at = active === null || rows.length === 0 ? null : Math.min(active, rows.length - 1);
  const show = (i: number | null) => {
    setActive(i);
    setCursor(i === null ? null : (rows[i]?.step ?? null));
  };
  const onKey = (e: KeyboardEvent) => {
    if ((e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') || rows.length === 0) return;
    e.preventDefault();
    const move = e.key === 'ArrowRight' ? 1 : -1;
    show(at === null ? 0 : Math.max(0, Math.min(rows.length - 1, at + move)));
  };
  const row = at === null ? undefined : rows[at];
  const px = row ? x(row.step) : 0;
  return (
    <div ref={wrap} className="chart-plot" style={{ height }}>
      {width > 0 ? (
        <svg
          className="chart-surface"
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="application"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: ← → move the readout
          tabIndex={0}
          onPointerMove={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            const i = nearestRow(rows, x.invert(e.clientX - r.left));
            if (i !== at) show(i < 0 ? null : i);
          }}
          onPointerLeave={() => show(null)}
          onBlur={() => show(null)}
          onKeyDown={onKey}
        >
          <title>{title}</title>
          {drawing}
          <Cursor x={x} box={box} />
        </svg>
      ) : null}
      {row ? (
        <div
          className="chart-readout"
          style={{
            top: box.top,
            left: px < width / 2 ? px + 12 : undefined,
            right: px < width / 2 ? undefined : width - px + 12,
          }}
        >
          {props.readout(row)}
        </div>
      ) : null}
    </div>
  );
}
