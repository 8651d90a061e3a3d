/** Backend, throughput, step, epoch and dataset at a glance; and the not-on-WebGPU banner. */
import type { BackendInfo } from '../protocol';
import { useDatasetStore } from '../state/datasetStore';
import { useTrainingStore } from '../state/trainingStore';
import { fmtInt, fmtRate } from './format';
import { DATASET_LABELS } from './labels';

export function adapterText(info: BackendInfo): string {
  const a = info.adapter;
  if (!a) return '';
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || a.device || '';
}

function backendText(info: BackendInfo | null, state: string): string {
  if (!info) {
    if (state === 'failed') return 'unavailable';
    if (state === 'crashed') return 'worker stopped';
    return 'starting…';
  }
  const adapter = adapterText(info);
  return adapter ? `${info.backend} · ${adapter}` : info.backend;
}

export function StatusBar() {
  const backend = useTrainingStore((s) => s.backend);
  const workerState = useTrainingStore((s) => s.workerState);
  const speed = useTrainingStore((s) => s.speed);
  const loaded = useDatasetStore((s) => s.loaded);

  const items: [string, string, string?][] = [
    ['Backend', backendText(backend, workerState), backend?.notes.join('; ')],
    ['Steps/s', fmtRate(speed?.stepsPerSec)],
    ['Samples/s', fmtRate(speed?.samplesPerSec)],
    ['Step', speed ? fmtInt(speed.step) : '—'],
    ['Epoch', speed ? speed.epoch.toFixed(2) : '—'],
    [
      'Dataset',
      loaded
        ? `${DATASET_LABELS[loaded.id]}${loaded.split === 'carved' ? ' (carved split)' : ''}`
        : 'not loaded',
      loaded?.splitNote,
    ],
  ];
  return (
    <section className="statusbar" aria-label="Status bar">
      {items.map(([k, v, title]) => (
        <span key={k} className="stat" title={title} data-stat={k.toLowerCase()}>
          <span className="stat-k">{k}</span> <span className="stat-v">{v}</span>
        </span>
      ))}
    </section>
  );
}

export function BackendBanner() {
  const backend = useTrainingStore((s) => s.backend);
  if (!backend || backend.backend === 'webgpu') return null;
  const reasons = backend.fallbackReasons.length
    ? backend.fallbackReasons.join('; ')
    : 'no reason given';
  return (
    <div className="banner" role="status" aria-label="Backend notice">
      <strong>Not on WebGPU: training runs on {backend.backend}</strong>, which is much slower. Why:{' '}
      {reasons}.{backend.notes.length ? ` ${backend.notes.join('; ')}.` : ''}{' '}
      <span className="banner-hint">
        For full speed use a browser with WebGPU enabled (recent Chrome or Edge).
      </span>
    </div>
  );
}
