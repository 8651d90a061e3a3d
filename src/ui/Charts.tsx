/** The paper's Figure-1 curves for every visible run, plus the twin gap readout. */
import { type ComponentProps, useMemo, useState } from 'react';
import { useLibraryStore } from '../state/runsLibrary';
import { isActive, useTrainingStore } from '../state/trainingStore';
import { useViewStore } from '../state/viewStore';
import { type BandGroup, groupBySeed } from './bands';
import { gapReadout } from './chartData';
import { downloadAllCharts } from './chartRegistry';
import { fmtInt, fmtSigned } from './format';
import type { ChartRun, MetricChart } from './MetricChart';
import { RunSwatch } from './RunSwatch';
import { runColor, runDash } from './runStyle';
import { StaggeredChart } from './StaggeredChart';

const LEGEND_ALL = 12;
const NO_BANDS: BandGroup[] = [];

/**
 * The Figure-1 curves (main), the training diagnostics (small) and, folded away by default,
 * more diagnostics (more), in reading order.
 */
const CHARTS: Array<{
  metric: ComponentProps<typeof MetricChart>['metric'];
  title: string;
  caption?: string;
  size: 'main' | 'small';
  row: 'main' | 'small' | 'more';
  /** A cross-entropy: follows the log-scale switch. */
  ce?: boolean;
  /** A setting, not a noisy measurement: never smoothed. */
  exact?: boolean;
}> = [
  {
    metric: 'intraDist',
    title: 'Intra-class distance',
    caption: 'normalized; lower = more compact',
    size: 'main',
    row: 'main',
  },
  { metric: 'testAcc', title: 'Test accuracy', size: 'main', row: 'main' },
  { metric: 'testCE', title: 'Test cross-entropy', size: 'main', row: 'main', ce: true },
  { metric: 'trainCE', title: 'Train cross-entropy', size: 'small', row: 'small', ce: true },
  { metric: 'match', title: 'Match', size: 'small', row: 'small' },
  { metric: 'sigma', title: 'σ', caption: 'kernel bandwidth', size: 'small', row: 'small' },
  {
    metric: 'gini',
    title: 'Gini',
    caption: 'feature impurity over classes; lower = more class-specific',
    size: 'small',
    row: 'more',
  },
  {
    metric: 'kl',
    title: 'KL',
    caption: 'features’ class spread vs the batch’s',
    size: 'small',
    row: 'more',
  },
  {
    metric: 'lr',
    title: 'Learning rate',
    caption: 'in force: live lr × schedule',
    size: 'small',
    row: 'more',
    exact: true,
  },
];

export function Charts() {
  const entries = useLibraryStore((s) => s.entries);
  const order = useLibraryStore((s) => s.order);
  const setHidden = useLibraryStore((s) => s.setHidden);
  const currentIds = useTrainingStore((s) => s.runIds);
  const waiting = useTrainingStore((s) => isActive(s.phase));
  const smoothing = useViewStore((s) => s.smoothing);
  const logCE = useViewStore((s) => s.logCE);
  const moreMetrics = useViewStore((s) => s.moreMetrics);
  const groupSeeds = useViewStore((s) => s.groupSeeds);
  const setView = useViewStore((s) => s.set);

  const liveRuns = useMemo<ChartRun[]>(
    () =>
      order
        // The dash follows the run's place in the library, so hiding one restyles no other.
        .map((id, i) => ({ e: entries[id], dash: runDash(i) }))
        .filter(({ e }) => e && !e.hidden)
        .map(({ e, dash }) => ({
          dash,
          id: e.id,
          name: e.record.name,
          color: e.color,
          points: e.record.points,
          events: e.record.events,
          current: currentIds.includes(e.id),
          side: e.record.twin?.side,
          lrStepwise: e.record.config.lrSchedule !== 'cosine' && e.record.config.lrWarmup === 0,
        })),
    [entries, order, currentIds],
  );
  // Grouped by seed: runs that differ only by seed become one mean line with a ± sd band.
  const { runs, bands } = useMemo(() => {
    if (!groupSeeds) return { runs: liveRuns, bands: NO_BANDS };
    const visible = order
      .map((id) => entries[id])
      .filter((e) => e && !e.hidden)
      .map((e) => ({ ...e, current: currentIds.includes(e.id) }));
    const { groups, grouped } = groupBySeed(visible);
    return { runs: liveRuns.filter((r) => !grouped.has(r.id)), bands: groups };
  }, [groupSeeds, liveRuns, entries, order, currentIds]);

  // Legend: every run while the library is small (hidden ones struck through, click to show);
  // with many runs, only what is drawn plus the session's runs (the runs panel has the rest).
  const legend = useMemo(() => {
    const all = order.map((id) => entries[id]).filter(Boolean);
    return all.length <= LEGEND_ALL
      ? all
      : all.filter((e) => !e.hidden || currentIds.includes(e.id));
  }, [entries, order, currentIds]);

  return (
    <section className="charts" aria-labelledby="charts-h">
      <div className="charts-toolbar">
        <h2 id="charts-h">Curves</h2>
        <div className="field inline slider-field">
          <label htmlFor="smoothing">Smoothing</label>
          <input
            id="smoothing"
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setView({ smoothing: Number(e.target.value) })}
            aria-valuetext={smoothing === 0 ? 'off' : smoothing.toFixed(2)}
            title="Exponential moving average, debiased and aware of uneven step spacing"
          />
          <output htmlFor="smoothing">{smoothing === 0 ? 'off' : smoothing.toFixed(2)}</output>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={logCE}
            onChange={(e) => setView({ logCE: e.target.checked })}
          />
          Log scale (cross-entropy)
        </label>
        <label
          className="check"
          title="Runs that differ only by seed: one mean line with a shaded ± one standard deviation band"
        >
          <input
            type="checkbox"
            checked={groupSeeds}
            onChange={(e) => setView({ groupSeeds: e.target.checked })}
          />
          Group by seed (mean ± sd)
        </label>
        <DownloadAll />
        {groupSeeds ? (
          <output className="note" aria-label="Seed groups">
            {bands.length
              ? `${bands.length} group${bands.length === 1 ? '' : 's'} of seeds`
              : 'no runs differ only by seed'}
          </output>
        ) : null}
      </div>

      {legend.length ? (
        <fieldset className="legend" aria-label="Runs shown in the charts">
          {legend.map((e) => (
            <button
              key={e.id}
              type="button"
              className={`legend-item${e.hidden ? ' off' : ''}`}
              aria-pressed={!e.hidden}
              title={e.hidden ? 'Show in charts' : 'Hide from charts'}
              onClick={() => setHidden(e.id, !e.hidden)}
            >
              <RunSwatch color={runColor(e.color)} dash={runDash(order.indexOf(e.id))} />
              {e.record.name}
            </button>
          ))}
        </fieldset>
      ) : (
        <p className="note empty-charts">
          Press <strong>Train</strong> to start a run. Curves appear at each eval step; every run is
          kept in the runs panel below.
        </p>
      )}

      <TwinGap />

      {(['main', 'small', 'more'] as const).map((row) => {
        const charts = CHARTS.filter((c) => c.row === row).map((c) => (
          <StaggeredChart
            key={c.metric}
            // One chart per task, 70 ms apart in reading order, none in the store update's task.
            stagger={20 + CHARTS.indexOf(c) * 70}
            waiting={waiting}
            title={c.title}
            caption={c.caption}
            metric={c.metric}
            runs={runs}
            bands={bands}
            smoothing={c.exact ? 0 : smoothing}
            logScale={c.ce ? logCE : false}
            size={c.size}
          />
        ));
        if (row !== 'more') {
          return (
            <div key={row} className={`charts-${row}`}>
              {charts}
            </div>
          );
        }
        // Folded away by default, and not mounted while folded (nine charts cost each redraw).
        return (
          <div key={row} className="charts-more">
            <button
              type="button"
              className="link-btn more-toggle"
              aria-expanded={moreMetrics}
              aria-controls="more-metrics"
              onClick={() => setView({ moreMetrics: !moreMetrics })}
            >
              <span aria-hidden="true">{moreMetrics ? '▾' : '▸'}</span> More metrics
              <span className="note"> Gini, KL, learning rate</span>
            </button>
            {moreMetrics ? (
              <div id="more-metrics" className="charts-small">
                {charts}
              </div>
            ) : null}
          </div>
        );
      })}
    </section>
  );
}

/** One zip: every chart on screen as SVG and PNG, and one CSV of all their curves. */
function DownloadAll() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn small"
        disabled={busy}
        title="A zip of every chart shown (SVG and PNG) and one CSV of all their curves"
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await downloadAllCharts();
          } catch (e) {
            setError((e as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Preparing…' : 'Download all charts'}
      </button>
      {error ? (
        <span className="inline-msg error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}

/** B − A for the current twin pair (or the latest visible one). */
function TwinGap() {
  const entries = useLibraryStore((s) => s.entries);
  const order = useLibraryStore((s) => s.order);
  const currentIds = useTrainingStore((s) => s.runIds);

  const pair = useMemo(() => {
    const find = (ids: readonly string[]) => {
      const es = ids.map((id) => entries[id]).filter((e) => e?.record.twin && !e.hidden);
      for (let i = es.length - 1; i >= 0; i--) {
        const b = es[i];
        if (b.record.twin?.side !== 'B') continue;
        const a = es.find(
          (e) => e.record.twin?.pairId === b.record.twin?.pairId && e.record.twin?.side === 'A',
        );
        if (a) return { a, b };
      }
      return null;
    };
    return find(currentIds) ?? find(order);
  }, [entries, order, currentIds]);

  const gap = useMemo(
    () => (pair ? gapReadout(pair.a.record.points, pair.b.record.points) : null),
    [pair],
  );
  if (!pair) return null;
  const cls = (v: number | null, betterIfNegative: boolean) =>
    v === null || v === 0 ? '' : v < 0 === betterIfNegative ? 'better' : 'worse';
  return (
    <section className="twin-gap" aria-label="Twin gap">
      <span className="swatch" style={{ background: runColor(pair.b.color) }} /> B −{' '}
      <span className="swatch" style={{ background: runColor(pair.a.color) }} /> A
      {gap ? (
        <>
          {' '}
          at step {fmtInt(gap.step)} (epoch {gap.epoch.toFixed(2)}): test CE{' '}
          <b className={cls(gap.testCE, true)}>{fmtSigned(gap.testCE, 3)}</b> · test accuracy{' '}
          <b className={cls(gap.testAcc, false)}>
            {fmtSigned(gap.testAcc === null ? null : gap.testAcc * 100, 2, ' pp')}
          </b>{' '}
          · intra-class distance{' '}
          <b className={cls(gap.intraDist, true)}>{fmtSigned(gap.intraDist, 3)}</b>
        </>
      ) : (
        ': waiting for a common eval step…'
      )}
    </section>
  );
}
