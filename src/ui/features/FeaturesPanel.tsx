/**
 * See the features: the embedding scatter, the confusion matrix, per-class accuracy and
 * intra-class distance, and the mistakes, for one run or a twin pair side by side, at the step
 * the slider picks. Everything is computed in the worker; this only picks and draws.
 */
import { useEffect } from 'react';
import { DATASETS } from '../../data/registry';
import type { EmbeddingFrame, RunRecord } from '../../engine/runRecord';
import { useDatasetStore } from '../../state/datasetStore';
import { type SubsetImages, useFeaturesStore } from '../../state/featuresStore';
import { useLibraryStore } from '../../state/runsLibrary';
import { useTrainingStore } from '../../state/trainingStore';
import { frameFor, frameSteps, noEmbeddingReason } from './featureData';
import { classNamesOf, Legend, RunViews, TwinDiff } from './RunViews';
import './features.css';

const EMPTY: EmbeddingFrame[] = [];

/**
 * A stored run's subset images come from the loaded test split when it is the run's (same
 * dataset, split and size: the record keeps only the indices). Otherwise, why not.
 */
function useStoredImages(records: readonly RunRecord[]): {
  of: (r: RunRecord) => SubsetImages | null;
  note: (r: RunRecord) => string;
} {
  const session = useFeaturesStore((s) => s.images);
  const stored = useFeaturesStore((s) => s.stored);
  const request = useFeaturesStore((s) => s.requestImages);
  const loaded = useDatasetStore((s) => s.loaded);
  const matches = (r: RunRecord) =>
    loaded !== null &&
    loaded.id === r.config.dataset &&
    loaded.split === r.data.split &&
    loaded.testSize === r.data.testSize;
  const of = (r: RunRecord) => (session?.runIds.includes(r.id) ? session : (stored[r.id] ?? null));
  const wanted = records.filter((r) => r.embedSubset && !of(r) && matches(r));
  const key = wanted.map((r) => r.id).join();
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the runs still wanting images
  useEffect(() => {
    // Twins share one subset: one request for the pair.
    if (wanted.length)
      request(
        wanted.map((r) => r.id),
        wanted[0]!.embedSubset!.indices,
      );
  }, [key, request]);
  const note = (r: RunRecord) =>
    matches(r)
      ? 'the images are on their way from the loaded test split'
      : `load ${DATASETS[r.config.dataset].name}${r.data.split === 'carved' ? ' (carved split)' : ''} to see the images; the record keeps only their test-split indices`;
  return { of, note };
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
  const images = useStoredImages(records);
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
          No embedding recorded{noEmbeddingReason(records[0])}
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
                images={images.of(r)}
                imagesNote={images.note(r)}
              />
            ))}
          </div>
          {twin ? <TwinDiff a={records[0]!} b={records[1]!} step={at} /> : null}
        </>
      )}
    </section>
  );
}
