/** A metric chart redrawn on its own schedule: only when its own series changed, one chart per task. */
import { type ComponentProps, startTransition, useEffect, useRef, useState } from 'react';
import type { BandGroup } from './bands';
import { type ChartRun, MetricChart, prepared } from './MetricChart';

const NO_BANDS: BandGroup[] = [];
/** The shortest time between two redraws of one chart. */
const MIN_REDRAW_MS = 1000;

/**
 * Redraws its chart `stagger` ms after its own data changed, as a transition. Six chart
 * redraws in one task were one 150–400 ms main-thread task with recharts (production build,
 * points every ~0.5 s on wasm); one chart per task, its code warmed up at load (ChartWarmup). Every flush gives every
 * run a new points array: a chart whose own series did not change (σ and match of a vanilla
 * run, the learning rate, Gini and KL without Gini + KL) keeps its props and is not redrawn.
 */
export function StaggeredChart({
  stagger,
  runs,
  bands,
  ...rest
}: ComponentProps<typeof MetricChart> & { stagger: number }) {
  const noBands = bands ?? NO_BANDS;
  const [shown, setShown] = useState({ runs, bands: noBands });
  const latest = useRef({ runs, bands: noBands });
  // The newest runs known to draw what `shown` draws: compared with, so that the series cache
  // only ever moves forward (never asked again for an older points array).
  const base = useRef({ runs, bands: noBands });
  const lastDraw = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { metric, smoothing, logScale = false } = rest;
  useEffect(() => {
    const next = { runs, bands: noBands };
    latest.current = next;
    if (pending.current !== null) return;
    // Nothing this chart draws changed: keep the runs it shows (a memo hit in MetricChart).
    if (sameDrawing(base.current, next, metric, smoothing, logScale)) {
      base.current = next;
      return;
    }
    // A redraw already scheduled takes the newest runs: updates faster than `stagger` must
    // not keep postponing it.
    // At most one redraw of a chart a second: points come twice a second on wasm, and under
    // CPU load each redraw is stretched several-fold.
    const wait = Math.max(stagger, lastDraw.current + MIN_REDRAW_MS - performance.now());
    pending.current = setTimeout(() => {
      pending.current = null;
      lastDraw.current = performance.now();
      base.current = latest.current;
      // A transition: React renders it in slices and yields to input between them.
      startTransition(() => setShown(latest.current));
    }, wait);
  }, [runs, noBands, stagger, metric, smoothing, logScale]);
  useEffect(
    () => () => {
      if (pending.current !== null) clearTimeout(pending.current);
      pending.current = null;
    },
    [],
  );
  return <MetricChart runs={shown.runs} bands={shown.bands} {...rest} />;
}

/** Whether `next` draws what `shown` drew for this metric (series by identity: seriesCache). */
function sameDrawing(
  shown: { runs: readonly ChartRun[]; bands: readonly BandGroup[] },
  next: { runs: readonly ChartRun[]; bands: readonly BandGroup[] },
  metric: ComponentProps<typeof MetricChart>['metric'],
  smoothing: number,
  logScale: boolean,
): boolean {
  if (shown.runs === next.runs && shown.bands === next.bands) return true;
  if (shown.bands !== next.bands && (shown.bands.length || next.bands.length)) return false;
  if (shown.runs.length !== next.runs.length) return false;
  return shown.runs.every((a, i) => {
    const b = next.runs[i]!;
    return (
      a.id === b.id &&
      a.name === b.name &&
      a.color === b.color &&
      a.dash === b.dash &&
      a.current === b.current &&
      a.side === b.side &&
      a.lrStepwise === b.lrStepwise &&
      a.events === b.events &&
      (a.points === b.points ||
        prepared(a, metric, smoothing, logScale) === prepared(b, metric, smoothing, logScale))
    );
  });
}
