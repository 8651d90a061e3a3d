/** Every run kept across reloads: rename, show/hide, export, delete, import. */
import { useEffect, useRef, useState } from 'react';
import type { RunRecord } from '../engine/runRecord';
import type { LibraryEntry } from '../state/libraryLogic';
import { useLibraryStore } from '../state/runsLibrary';
import { useTrainingStore } from '../state/trainingStore';
import { fileSlug } from './chartCsv';
import { downloadAllCharts } from './chartRegistry';
import { ExportPyTorchButton } from './ExportPyTorchButton';
import { fmtInt, fmtPct } from './format';
import { DATASET_LABELS } from './labels';
import { RunActions } from './RunActions';
import { StorageWarning } from './StorageWarning';

export function RunsPanel() {
  const entries = useLibraryStore((s) => s.entries);
  const order = useLibraryStore((s) => s.order);
  const loaded = useLibraryStore((s) => s.loaded);
  const lastImport = useLibraryStore((s) => s.lastImport);
  const lib = useLibraryStore.getState;
  const currentIds = useTrainingStore((s) => s.runIds);
  const phase = useTrainingStore((s) => s.phase);

  const onImport = async (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = ''; // the same file can be picked again
    await lib().importFiles(files);
  };

  // Newest first: the run you just started is at the top.
  const list = [...order]
    .reverse()
    .map((id) => entries[id])
    .filter(Boolean);

  return (
    <section className="panel runs" aria-labelledby="runs-h">
      <div className="panel-head">
        <h2 id="runs-h">
          Runs <span className="count">{order.length || ''}</span>
        </h2>
        <div className="panel-head-actions">
          <button
            type="button"
            className="btn small"
            onClick={() => lib().exportAll()}
            disabled={order.length === 0}
          >
            Export all
          </button>
          <label className="btn small file-btn">
            Import…
            <input
              type="file"
              accept=".json,application/json"
              multiple
              onChange={(e) => void onImport(e.currentTarget)}
            />
          </label>
        </div>
      </div>
      {lastImport ? (
        <div
          role={lastImport.ok ? 'status' : 'alert'}
          className={`inline-msg ${lastImport.ok ? 'ok' : 'error'}`}
        >
          <span>{lastImport.message}</span>
          <button
            type="button"
            className="alert-close"
            aria-label="Dismiss import message"
            onClick={() => lib().dismissImport()}
          >
            ×
          </button>
        </div>
      ) : null}
      <StorageWarning />
      {list.length > 1 ? (
        <div className="runs-bulk">
          <button type="button" className="link-btn" onClick={() => lib().setAllHidden(false)}>
            Show all
          </button>
          <button type="button" className="link-btn" onClick={() => lib().setAllHidden(true)}>
            Hide all
          </button>
        </div>
      ) : null}
      {list.length === 0 ? (
        <p className="note">
          {loaded
            ? 'No runs yet. Every run you train is kept here across reloads; import exported runs with Import….'
            : 'Loading saved runs…'}
        </p>
      ) : (
        <ul className="run-list" aria-label="Saved runs">
          {list.map((e) => (
            <RunRow
              key={e.id}
              entry={e}
              live={currentIds.includes(e.id) && (phase === 'running' || phase === 'paused')}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function lastMetric(r: RunRecord, key: 'testAcc' | 'testCE'): number | null {
  for (let i = r.points.length - 1; i >= 0; i--) {
    const v = r.points[i][key];
    if (v !== null) return v;
  }
  return null;
}

function RunRow({ entry, live }: { entry: LibraryEntry; live: boolean }) {
  const { record: r } = entry;
  const lib = useLibraryStore.getState;
  const [name, setName] = useState(r.name);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => setName(r.name), [r.name]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const commit = () => {
    if (name.trim() && name.trim() !== r.name) lib().rename(r.id, name);
    else setName(r.name);
  };
  const acc = lastMetric(r, 'testAcc');

  return (
    <li className={`run-row${entry.hidden ? ' hidden-run' : ''}`} data-run-id={r.id}>
      <span className="swatch big" style={{ background: entry.color }} aria-hidden="true" />
      <div className="run-main">
        <input
          className="run-name"
          type="text"
          value={name}
          title={r.name}
          aria-label={`Name of run ${r.name}`}
          onChange={(e) => setName(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') e.currentTarget.blur();
            if (e.key === 'Escape') {
              setName(r.name);
              e.currentTarget.blur();
            }
          }}
        />
        <div className="run-meta">
          {r.twin ? <span className="badge">twin {r.twin.side}</span> : null}
          <span className={`badge status-${r.status}`}>{r.status}</span>
          <span>{DATASET_LABELS[r.config.dataset]}</span>
          <span>{fmtInt(r.steps)} steps</span>
          {acc !== null ? <span>acc {fmtPct(acc, 1)}</span> : null}
          {r.data.split === 'carved' ? <span title={r.data.splitNote}>carved split</span> : null}
        </div>
      </div>
      <div className="run-actions">
        <label className="check small" title="Show this run in the charts">
          <input
            type="checkbox"
            checked={!entry.hidden}
            aria-label={`Show ${r.name}`}
            onChange={(e) => lib().setHidden(r.id, !e.target.checked)}
          />
          Show
        </label>
        <button
          type="button"
          className="btn small"
          aria-label={`Export ${r.name}`}
          onClick={() => lib().exportRun(r.id)}
        >
          Export
        </button>
        <button
          type="button"
          className="btn small"
          aria-label={`Download charts of ${r.name}`}
          disabled={entry.hidden}
          title={
            entry.hidden
              ? 'Show the run in the charts first'
              : 'A zip of every chart shown, with this run alone (SVG, PNG and CSV)'
          }
          onClick={() =>
            downloadAllCharts(`${fileSlug(r.name)}-charts.zip`, r.id).catch((e: Error) =>
              console.warn(`Charts of ${r.name}: ${e.message}`),
            )
          }
        >
          Charts
        </button>
        <RunActions record={r} />
        <ExportPyTorchButton record={r} />
        <button
          type="button"
          className={`btn small${confirmDelete ? ' danger' : ''}`}
          aria-label={confirmDelete ? `Confirm delete ${r.name}` : `Delete ${r.name}`}
          disabled={live}
          title={live ? 'Reset the session before deleting its runs' : undefined}
          onClick={() => {
            if (confirmDelete) {
              lib().remove(r.id);
              return;
            }
            setConfirmDelete(true);
            timer.current = setTimeout(() => setConfirmDelete(false), 4000);
          }}
        >
          {confirmDelete ? 'Confirm' : 'Delete'}
        </button>
      </div>
    </li>
  );
}
