/**
 * See the features: the embedding scatter, the confusion matrix, per-class accuracy and
 * intra-class distance, and the mistakes, for one run or a twin pair side by side, at the step
 * the slider picks. Everything is computed in the worker; this only picks and draws.
 */
import { DATASETS } from '../../data/registry';
import type { EmbeddingFrame, RunRecord } from '../../engine/runRecord';
import { useFeaturesStore } from '../../state/featuresStore';
import { useLibraryStore } from '../../state/runsLibrary';
import { useTrainingStore } from '../../state/trainingStore';
import { classLabel } from '../labels';
import { ClassBars } from './ClassBars';
import { ConfusionMatrix } from './ConfusionMatrix';
import { classDiff, frameFor, frameSteps, pointAt } from './featureData';
import { MistakesGallery } from './MistakesGallery';
import { CLASS_COLORS, ScatterCanvas } from './ScatterCanvas';

const EMPTY: EmbeddingFrame[] = [];

/** Class names as the legend shows them (KMNIST: hiragana with romaji). */
function classNamesOf(dataset: RunRecord['config']['dataset']): string[] {
  const { classNames, classRomaji } = DATASETS[dataset];
  return classNames.map((_, k) => classLabel(classNames, classRomaji, k));
}

function useShownRecords(): RunRecord[] {
  const chosen = useFeaturesStore((s) => s.runIds);
  const sessionIds = useTrainingStore((s) => s.runIds);
  const entries = useLibraryStore((s) => s.entries);
  const ids = chosen ?? sessionIds;
  return ids.map((id) => entries[id]?.record).filter((r): r is RunRecord => r !== undefined);
}

/** The run choice: the current session, or any run of the library (twins come as a pair). */
function RunChoice() {
  const chosen = useFeaturesStore((s) => s.runIds);
  const setRuns = useFeaturesStore((s) => s.setRuns);
  const order = useLibraryStore((s) => s.order);
  const entries = useLibraryStore((s) => s.entries);
  const options: Array<{ value: string; label: string; ids: string[] }> = [];
  const seenPairs = new Set<string>();
  for (const id of order) {
    const r = entries[id]?.record;
    if (!r) continue;
    if (r.twin) {
      if (seenPairs.has(r.twin.pairId)) continue;
      seenPairs.add(r.twin.pairId);
      const pair = order
        .map((i) => entries[i]?.record)
        .filter((x): x is RunRecord => x?.twin?.pairId === r.twin!.pairId)
        .sort((a, b) => a.twin!.side.localeCompare(b.twin!.side));
      options.push({
        value: r.twin.pairId,
        label: `Twin: ${pair.map((p) => p.name).join(' vs ')}`,
        ids: pair.map((p) => p.id),
      });
    } else options.push({ value: id, label: r.name, ids: [id] });
  }
  const current = chosen ? (options.find((o) => o.ids.join() === chosen.join())?.value ?? '') : '';
  return (
    <label className="features-runs">
      Runs{' '}
      <select
        value={current}
        onChange={(e) => setRuns(options.find((o) => o.value === e.target.value)?.ids ?? null)}
      >
        <option value="">The current session</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function FeaturesPanel() {
  const records = useShownRecords();
  const step = useFeaturesStore((s) => s.step);
  const method = useFeaturesStore((s) => s.method);
  const setStep = useFeaturesStore((s) => s.setStep);
  const setMethod = useFeaturesStore((s) => s.setMethod);
  const images = useFeaturesStore((s) => s.images);
  const projection = useFeaturesStore((s) => s.projection);
  const umap = useFeaturesStore((s) => s.umap);
  const project = useFeaturesStore((s) => s.project);
  const cancel = useFeaturesStore((s) => s.cancelProjection);
  const live = useTrainingStore((s) => s.runIds);

  const steps = frameSteps(records);
  const at = step !== null && steps.includes(step) ? step : (steps.at(-1) ?? 0);
  const index = Math.max(0, steps.indexOf(at));
  const hasEmbedding = records.some((r) => r.embeddings && r.embeddings.length > 0);
  const twin = records.length === 2;
  const umapFrames = (r: RunRecord) => umap[r.id] ?? EMPTY;
  const hasUmap =
    records.length > 0 && records.every((r) => frameFor(r, at, 'umap', umapFrames(r)) !== null);
  const shownMethod = method === 'umap' && hasUmap ? 'umap' : 'pca';
  const running = projection?.status === 'running';
  const projectable = records.length > 0 && records.every((r) => live.includes(r.id));

  return (
    <section className="panel features-panel" aria-labelledby="features-title">
      <div className="features-head">
        <h2 id="features-title">Features</h2>
        <RunChoice />
      </div>
      {records.length === 0 ? (
        <p className="muted">Train a run (or choose one) to see its features.</p>
      ) : !hasEmbedding ? (
        <p className="muted" role="status">
          No embedding recorded
          {records[0]?.config.embedSize === 0
            ? ' (this run had the feature views off: embedding subset 0).'
            : ' yet.'}
        </p>
      ) : (
        <>
          <div className="features-controls">
            <label className="features-step">
              Step <strong data-testid="features-step">{at}</strong>
              <input
                type="range"
                aria-label="Feature step"
                min={0}
                max={Math.max(0, steps.length - 1)}
                value={index}
                onChange={(e) => {
                  const i = Number(e.target.value);
                  setStep(i >= steps.length - 1 ? null : (steps[i] ?? null));
                }}
              />
            </label>
            <fieldset className="features-method">
              <legend className="sr-only">Projection</legend>
              <label>
                <input
                  type="radio"
                  name="features-method"
                  checked={shownMethod === 'pca'}
                  onChange={() => setMethod('pca')}
                />{' '}
                PCA
              </label>
              <label title={hasUmap ? '' : 'Compute UMAP for this step first'}>
                <input
                  type="radio"
                  name="features-method"
                  checked={shownMethod === 'umap'}
                  disabled={!hasUmap}
                  onChange={() => setMethod('umap')}
                />{' '}
                UMAP
              </label>
            </fieldset>
            <button
              type="button"
              disabled={running || !projectable}
              title={
                projectable
                  ? `UMAP of the features at step ${at}, in the worker`
                  : 'UMAP needs the features, which the worker keeps for the current session only'
              }
              onClick={() =>
                project(
                  records.map((r) => r.id),
                  at,
                )
              }
            >
              Compute UMAP
            </button>
            {projection && projection.status === 'running' ? (
              <span className="features-progress">
                <progress
                  aria-label="UMAP progress"
                  max={projection.total || 1}
                  value={projection.done}
                />{' '}
                <button type="button" onClick={cancel}>
                  Cancel
                </button>
              </span>
            ) : projection ? (
              <span className="muted" role="status" data-testid="projection-status">
                UMAP {projection.status}
                {projection.message ? `: ${projection.message}` : ''}
              </span>
            ) : null}
          </div>
          <Legend classNames={classNamesOf(records[0]!.config.dataset)} />
          <div className={`features-sides${twin ? ' twin' : ''}`}>
            {records.map((r) => (
              <RunViews
                key={r.id}
                record={r}
                step={at}
                frame={frameFor(r, at, shownMethod, umapFrames(r))}
                images={images?.runIds.includes(r.id) ? images : null}
              />
            ))}
          </div>
          {twin ? <TwinDiff a={records[0]!} b={records[1]!} step={at} /> : null}
        </>
      )}
    </section>
  );
}

function Legend({ classNames }: { classNames: readonly string[] }) {
  return (
    <ul className="features-legend" aria-label="Classes">
      {classNames.map((n, k) => (
        <li key={n}>
          <span className="swatch" style={{ background: CLASS_COLORS[k % CLASS_COLORS.length] }} />
          {n}
        </li>
      ))}
    </ul>
  );
}

function RunViews({
  record,
  step,
  frame,
  images,
}: {
  record: RunRecord;
  step: number;
  frame: EmbeddingFrame | null;
  images: ReturnType<typeof useFeaturesStore.getState>['images'];
}) {
  const classNames = classNamesOf(record.config.dataset);
  const labels = record.embedSubset?.labels ?? [];
  const point = pointAt(record, step);
  const side = record.twin ? `${record.twin.side}: ` : '';
  const diverged = record.status === 'diverged' && frame && frame.step < step;
  return (
    <div className="features-side" data-run={record.id}>
      <h3>
        {side}
        {record.name}
      </h3>
      {frame ? (
        <ScatterCanvas
          frame={frame}
          labels={labels}
          classNames={classNames}
          images={images}
          label={`${side}${frame.method.toUpperCase()} of the features at step ${frame.step}`}
        />
      ) : (
        <p className="muted">No embedding recorded at this step.</p>
      )}
      {frame ? (
        <p className="muted features-caption">
          {frame.method === 'pca'
            ? `PCA, step ${frame.step}${frame.explained !== undefined ? `: the two axes show ${(frame.explained * 100).toFixed(0)}% of the feature variance` : ''}`
            : `UMAP, step ${frame.step}`}
          {diverged ? ' (the run diverged: its last frame)' : ''}
        </p>
      ) : null}
      {point?.confusion ? (
        <>
          <h4>Confusion matrix (eval subset, step {point.step})</h4>
          <ConfusionMatrix
            confusion={point.confusion}
            classNames={classNames}
            label={`${side}confusion matrix`}
          />
          <h4>Per-class accuracy (total {((point.testAcc ?? 0) * 100).toFixed(1)}%)</h4>
          <ClassBars
            values={point.classAcc ?? []}
            classNames={classNames}
            label={`${side}per-class accuracy`}
          />
          <h4>
            Per-class intra-class distance
            {point.silhouette != null ? ` · silhouette ${point.silhouette.toFixed(3)}` : ''}
          </h4>
          <ClassBars
            values={point.classIntra ?? []}
            classNames={classNames}
            label={`${side}per-class intra-class distance`}
            max={Math.max(1, ...(point.classIntra ?? []).map((v) => v ?? 0))}
            format={(v) => v.toFixed(3)}
          />
        </>
      ) : null}
      {frame ? (
        <details className="features-mistakes">
          <summary>Mistakes at step {frame.step}</summary>
          <MistakesGallery frame={frame} labels={labels} classNames={classNames} images={images} />
        </details>
      ) : null}
    </div>
  );
}

function TwinDiff({ a, b, step }: { a: RunRecord; b: RunRecord; step: number }) {
  const pa = pointAt(a, step);
  const pb = pointAt(b, step);
  const diff = classDiff(pa?.classAcc, pb?.classAcc);
  if (!diff.length) return null;
  return (
    <div className="features-diff">
      <h4>Per-class accuracy, B − A (step {pb?.step})</h4>
      <ClassBars
        values={diff}
        classNames={classNamesOf(a.config.dataset)}
        label="per-class accuracy B minus A"
        signed
        format={(v) => `${(v * 100).toFixed(1)} pt`}
      />
    </div>
  );
}
