/** Dataset: download / open / drop the official files, progress, errors, samples, cache. */
import { useEffect, useState } from 'react';
import { type StorageUse, storageEstimate } from '../data/browserCache';
import { useConfigStore } from '../state/configStore';
import {
  acceptPending,
  cancelDatasetDownload,
  clearCache,
  discardPending,
  loadDatasetFromServer,
  openDatasetFiles,
} from '../state/datasetActions';
import { DATASETS, officialFileNames } from '../state/datasetSource';
import { useDatasetStore } from '../state/datasetStore';
import { isActive, useTrainingStore } from '../state/trainingStore';
import { fmtInt, formatBytes, formatDuration, formatRate } from './format';
import { DATASET_LABELS } from './labels';
import { SampleGrid } from './SampleGrid';

export function DatasetPanel() {
  const selected = useConfigStore((s) => s.config.dataset);
  const loaded = useDatasetStore((s) => s.loaded);
  const task = useDatasetStore((s) => s.task);
  const error = useDatasetStore((s) => s.error);
  const pending = useDatasetStore((s) => s.pending);
  const cache = useDatasetStore((s) => s.cache);
  const phase = useTrainingStore((s) => s.phase);
  const busy = task !== null;
  const locked = isActive(phase);
  const [dragging, setDragging] = useState(false);
  const [carve, setCarve] = useState(true);
  const [storage, setStorage] = useState<StorageUse | null>(null);
  // The site's whole use (datasets and runs) beside the cache: re-read when the cache changes.
  useEffect(() => {
    if (cache === null) return;
    let live = true;
    void storageEstimate().then((e) => live && setStorage(e));
    return () => {
      live = false;
    };
  }, [cache]);

  const onFiles = (files: FileList | null) => {
    if (files?.length) void openDatasetFiles([...files]);
  };

  return (
    <section
      className={`panel dataset${dragging ? ' dragging' : ''}`}
      aria-labelledby="dataset-h"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        onFiles(e.dataTransfer.files);
      }}
    >
      <div className="panel-head">
        <h2 id="dataset-h">Dataset</h2>
      </div>

      <p className="dataset-state">
        {loaded ? (
          <>
            <strong>{DATASET_LABELS[loaded.id]}</strong> loaded: {fmtInt(loaded.trainSize)} train /{' '}
            {fmtInt(loaded.testSize)} test ·{' '}
            {loaded.split === 'carved' ? (
              <span className="badge warn" title={loaded.splitNote}>
                carved split
              </span>
            ) : (
              'official split'
            )}
            {loaded.splitNote ? <span className="note block">{loaded.splitNote}</span> : null}
          </>
        ) : (
          <>
            <strong>{DATASET_LABELS[selected]}</strong> is not loaded yet. Train downloads it (from
            this app’s server, cached in the browser), or open the official files.
          </>
        )}
        {loaded && loaded.id !== selected ? (
          <span className="note block">
            The settings select {DATASET_LABELS[selected]}: Train loads it first.
          </span>
        ) : null}
      </p>

      <div className="dataset-actions">
        <button
          type="button"
          className="btn small"
          disabled={busy || locked}
          onClick={() => void loadDatasetFromServer(selected).catch(() => {})}
        >
          Download {DATASET_LABELS[selected]}
        </button>
        <label className={`btn small file-btn${busy || locked ? ' disabled' : ''}`}>
          Open files…
          <input
            type="file"
            multiple
            aria-label="Open dataset files"
            disabled={busy || locked}
            onChange={(e) => {
              onFiles(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
        <span className="note">or drop them here</span>
      </div>

      {task ? <TaskProgress /> : null}

      {pending ? (
        <fieldset className="carve-offer">
          <legend>Carve a split</legend>
          <p>
            These files hold only the <strong>{pending.presence.test ? 'test' : 'train'}</strong>{' '}
            split of {DATASET_LABELS[pending.data.id]}
            {pending.missing.length ? ` (missing: ${pending.missing.join(', ')})` : ''}. Training
            needs both: carve a seeded train/test split from it (the run record says so).
          </p>
          <label className="check">
            <input type="checkbox" checked={carve} onChange={(e) => setCarve(e.target.checked)} />
            Carve train/test split from this file
          </label>
          <div className="dataset-actions">
            <button
              type="button"
              className="btn small primary"
              onClick={() => void acceptPending(carve)}
            >
              Load files
            </button>
            <button type="button" className="btn small" onClick={discardPending}>
              Discard
            </button>
          </div>
        </fieldset>
      ) : null}

      {error ? (
        <div role="alert" className="inline-msg error dataset-error">
          <p>
            <strong>{DATASET_LABELS[error.id]} could not be loaded.</strong>
          </p>
          <p className="pre">{error.message}</p>
          {error.urls.some((u) => !error.message.includes(u)) ? (
            <p>
              Failed URL{error.urls.length > 1 ? 's' : ''}:{' '}
              {error.urls.map((u) => (
                <code key={u} className="url block">
                  {u}
                </code>
              ))}
            </p>
          ) : null}
          {error.hint ? <p>{error.hint}</p> : null}
          <p>
            Two ways out: run <code>npm run data -- import &lt;dir&gt;</code> with the official
            files in <code>&lt;dir&gt;</code>, or use <strong>Open files…</strong> above and pick
            them ({officialFileNames(error.id).join(', ')}).
          </p>
        </div>
      ) : null}

      {loaded ? (
        <SampleGrid
          samples={loaded.samples}
          classNames={DATASETS[loaded.id].classNames}
          romaji={DATASETS[loaded.id].classRomaji}
        />
      ) : null}

      <div className="cache-row">
        <span>
          Browser cache:{' '}
          {cache === null
            ? '…'
            : cache === 'unavailable'
              ? 'not available'
              : cache.length === 0
                ? 'empty'
                : `${formatBytes(cache.reduce((n, c) => n + c.bytes, 0))} (${cache.length} file${cache.length === 1 ? '' : 's'})`}
          {storage ? (
            <span className="storage-estimate" data-testid="storage-estimate">
              {' '}
              · site storage {formatBytes(storage.usage)} of {formatBytes(storage.quota)}
              {storage.persisted ? ' (kept)' : ''}
            </span>
          ) : null}
        </span>
        <button
          type="button"
          className="btn small"
          disabled={cache === 'unavailable' || cache === null || cache.length === 0 || busy}
          onClick={() => void clearCache()}
        >
          Clear cache
        </button>
      </div>
    </section>
  );
}

function TaskProgress() {
  const task = useDatasetStore((s) => s.task);
  if (!task) return null;
  if (task.kind === 'download') {
    const known = task.total > 0;
    const pct = known ? Math.min(100, (task.loaded / task.total) * 100) : 0;
    return (
      <div className="progress-row">
        <label htmlFor="dataset-progress">
          {task.phase === 'cache'
            ? 'Reading from the browser cache'
            : task.phase === 'verify'
              ? 'Verifying'
              : 'Downloading'}{' '}
          {task.file || DATASET_LABELS[task.id]}
          {task.fileCount > 1 ? ` (file ${task.fileIndex + 1} of ${task.fileCount})` : ''}…
        </label>
        <progress
          id="dataset-progress"
          max={known ? task.total : undefined}
          value={known ? task.loaded : undefined}
        />
        <span className="progress-text">
          {formatBytes(task.loaded)}
          {known ? ` of ${formatBytes(task.total)} (${pct.toFixed(0)}%)` : ''}
          {task.rate ? ` · ${formatRate(task.rate)}` : ''}
          {task.rate && known && task.total > task.loaded
            ? ` · ${formatDuration((task.total - task.loaded) / task.rate)} left`
            : ''}
        </span>
        <button type="button" className="btn small" onClick={cancelDatasetDownload}>
          Cancel
        </button>
      </div>
    );
  }
  if (task.kind === 'read') {
    return (
      <div className="progress-row">
        <label htmlFor="dataset-progress">Reading {task.files} file(s)…</label>
        <progress id="dataset-progress" />
      </div>
    );
  }
  const known = task.total > 0;
  return (
    <div className="progress-row">
      <label htmlFor="dataset-progress">{task.task || 'Parsing'}…</label>
      <progress
        id="dataset-progress"
        max={known ? task.total : undefined}
        value={known ? task.done : undefined}
      />
      {known ? (
        <span className="progress-text">{((task.done / task.total) * 100).toFixed(0)}%</span>
      ) : null}
    </div>
  );
}
