/**
 * Renders a hidden chart a few times with made-up data while the page is idle after loading,
 * then removes it. The first redraw of a chart with data runs the chart code cold (V8 compiles
 * it as it goes): measured 50–110 ms in one main-thread task at a run's first point on the
 * production build, against < 50 ms for every later redraw. Warmed up here, off the training
 * path, the first point draws like the rest.
 */
import { useEffect, useState } from 'react';
import type { Point } from '../engine/runRecord';
import { type ChartRun, MetricChart } from './MetricChart';

const ROUNDS = 4;

function fakeRun(id: string, n: number, color: string): ChartRun {
  const points: Point[] = Array.from({ length: n }, (_, i) => ({
    step: (i + 1) * 10,
    epoch: (i + 1) / 100,
    intraDist: 0.8 - i * 0.01,
    testAcc: 0.1 + i * 0.05,
    testCE: 2.3 - i * 0.1,
    trainCE: 2.3 - i * 0.1,
    match: 0.5,
    sigma: 1,
    gini: 0.8,
    kl: 0.02,
    lr: 0.01,
    lambdaEff: 0.8,
    method: 'itra-c',
    samplesPerSec: null,
    wallMs: i * 100,
  }));
  return {
    id,
    name: id,
    color,
    points,
    events: [{ kind: 'change', step: 10, setting: 'lambda', from: 0.8, to: 1 }],
    current: true,
  };
}

const idle = (f: () => void): (() => void) => {
  const w = window as Window & {
    requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number;
    cancelIdleCallback?: (id: number) => void;
  };
  if (w.requestIdleCallback) {
    const id = w.requestIdleCallback(f, { timeout: 2000 });
    return () => w.cancelIdleCallback?.(id);
  }
  const id = setTimeout(f, 200);
  return () => clearTimeout(id);
};

export function ChartWarmup() {
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (round > ROUNDS) return;
    return idle(() => setRound((r) => r + 1));
  }, [round]);
  if (round === 0 || round > ROUNDS) return null;
  const runs = [fakeRun('warm-a', round + 1, '#888'), fakeRun('warm-b', round, '#999')];
  // A seed band too (the charts' Area code), from the same made-up runs.
  const members = runs.map((r) => ({ id: r.id, points: r.points, status: 'completed' as const }));
  const bands = [{ id: 'warm-band', key: '', name: '', color: '#777', members, current: false }];
  return (
    <div className="chart-warmup" aria-hidden="true">
      <MetricChart
        title="warm-up"
        metric="testAcc"
        runs={runs}
        bands={bands}
        smoothing={0}
        size="main"
      />
    </div>
  );
}
