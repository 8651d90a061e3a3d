/**
 * Every alert the controller raises, with its title and hint, built here so that a problem
 * reads the same wherever it is detected. The alerts live in the training store.
 */
import type { RunEvent } from '../engine/runRecord';
import type { ErrorCode, FromWorker } from '../protocol';
import { useLibraryStore } from './runsLibrary';
import { type AppAlert, useTrainingStore } from './trainingStore';
import type { CrashInfo } from './workerClient';

export function alert(a: AppAlert): void {
  useTrainingStore.getState().pushAlert(a);
}

export function dismissAlert(id: string): void {
  useTrainingStore.getState().dismissAlert(id);
}

function runName(runId: string | undefined): string {
  if (!runId) return '';
  const r =
    useTrainingStore.getState().runs[runId] ?? useLibraryStore.getState().entries[runId]?.record;
  return r ? r.name : '';
}

const EVENT_ALERTS: Partial<
  Record<RunEvent['kind'], { level: AppAlert['level']; title: string; hint: string; why?: string }>
> = {
  collapsed: {
    level: 'warning',
    title: 'Features collapsed',
    why: 'Every feature became (nearly) the same, so the classifier cannot tell classes apart. The biased MMD rewards this when the matching loss starts before cross-entropy has made the features class-dependent.',
    hint: 'Reset, then train with a longer warm-up (200+ steps; CIFAR-10 may need ~1,200), a smaller λ, or the unbiased estimator. The curves so far stay for comparison.',
  },
  diverged: {
    level: 'error',
    title: 'Training diverged',
    hint: 'Lower the learning rate (or λ), then Reset and Train. The curves up to here are kept.',
  },
  'device-lost': {
    level: 'warning',
    title: 'GPU device lost',
    hint: 'The curves so far are kept. The worker restarts the GPU backend; press Train to start a new run (closing other GPU-heavy tabs helps).',
  },
  error: {
    level: 'error',
    title: 'Run error',
    hint: 'Reset and Train to start again. The curves so far are kept in the runs panel.',
  },
};

/** The alert for a run event (diverged, collapsed, device lost, error); none for the others. */
export function alertForEvent(runId: string, e: RunEvent): void {
  if (e.kind === 'change' || e.kind === 'warmup-end') return;
  const spec = EVENT_ALERTS[e.kind];
  if (!spec) return;
  const who = runName(runId);
  alert({
    id: `${runId}:${e.kind}`,
    level: spec.level,
    title: `${spec.title} at step ${e.step}${who ? ` — ${who}` : ''}`,
    message: [e.detail, spec.why].filter(Boolean).join(' '),
    hint: spec.hint,
  });
}

const ERROR_TITLES: Record<ErrorCode, string> = {
  'backend-init': 'No compute backend could start',
  dataset: 'Dataset failed to load',
  config: 'Invalid settings',
  diverged: 'Training diverged',
  collapsed: 'Features collapsed',
  'device-lost': 'GPU device lost',
  internal: 'Internal error in the training worker',
};

function defaultHint(code: ErrorCode): string {
  switch (code) {
    case 'backend-init':
      return 'Try a browser with WebGPU (recent Chrome or Edge), or reload the page.';
    case 'dataset':
      return 'Open the official files with "Open files…" in the Dataset panel, or run `npm run data -- import <dir>`.';
    case 'config':
      return 'Fix the highlighted setting, then press Train.';
    default:
      return 'Reset and Train to start again; the curves so far are kept.';
  }
}

/** The alert for an error the worker reported. */
export function alertForError(msg: Extract<FromWorker, { type: 'error' }>): void {
  const who = runName(msg.runId);
  const eventSpec =
    msg.code === 'collapsed' || msg.code === 'diverged' || msg.code === 'device-lost'
      ? EVENT_ALERTS[msg.code]
      : undefined;
  alert({
    id: msg.runId ? `${msg.runId}:${msg.code}` : `${msg.code}:${msg.message}`,
    level: msg.fatal || msg.code === 'dataset' || msg.code === 'diverged' ? 'error' : 'warning',
    title: `${ERROR_TITLES[msg.code]}${who ? ` — ${who}` : ''}`,
    message: [msg.message, eventSpec?.why].filter(Boolean).join(' '),
    hint: msg.hint ?? eventSpec?.hint ?? defaultHint(msg.code),
  });
}

/** The alert for a worker that crashed, could not load, or sent an unreadable message. */
export function alertForCrash(info: CrashInfo): void {
  if (info.kind === 'message') {
    alert({
      id: 'worker:message',
      level: 'warning',
      title: 'A message from the training worker was lost',
      message: info.message,
      hint: 'The charts may miss a point. If they stop updating, Reset and Train.',
    });
    return;
  }
  alert({
    id: 'worker:crash',
    level: 'error',
    title:
      info.kind === 'load' ? 'The training worker could not start' : 'The training worker crashed',
    message: info.message,
    hint:
      info.kind === 'load'
        ? 'Reload the page. If it keeps happening, the build may be incomplete: check the browser console.'
        : 'Your curves are kept in the runs panel. Press Train to start again in a fresh worker (training restarts from new weights).',
  });
}

export function alertSlowStart(waitedMs: number): void {
  alert({
    id: 'worker:slow-start',
    level: 'warning',
    title: 'The training worker has not answered yet',
    message: `No reply ${waitedMs / 1000} s after start: choosing a compute backend can take a while on a software GPU.`,
    hint: 'Wait a little longer, or reload the page.',
  });
}
