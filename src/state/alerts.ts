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
  return useLibraryStore.getState().entries[runId]?.record.name ?? '';
}

/** The run events that raise an alert (a change, the warm-up's end or a resume do not). */
type AlertingEvent = Extract<
  RunEvent,
  { kind: 'collapsed' | 'diverged' | 'device-lost' | 'error' }
>;

const alerting = (e: RunEvent): e is AlertingEvent =>
  e.kind === 'collapsed' || e.kind === 'diverged' || e.kind === 'device-lost' || e.kind === 'error';

/** The one place a run event's alert is built: the worker sends the event only. */
const EVENT_ALERTS: Record<
  AlertingEvent['kind'],
  { level: AppAlert['level']; title: string; message(e: AlertingEvent): string; hint: string }
> = {
  collapsed: {
    level: 'warning',
    title: 'Features collapsed',
    message: (e) =>
      `${e.detail} Every feature became (nearly) the same, so the classifier cannot tell classes apart. The biased MMD rewards this when the matching loss starts before cross-entropy has made the features class-dependent.`,
    hint: 'Reset, then train with a longer warm-up (200+ steps; CIFAR-10 may need ~1,200), a smaller λ, or the unbiased estimator. The curves so far stay for comparison.',
  },
  diverged: {
    level: 'error',
    title: 'Training diverged',
    message: (e) => e.detail,
    hint: 'Lower the learning rate and train again; the curves so far are kept.',
  },
  'device-lost': {
    level: 'warning',
    title: 'GPU device lost',
    message: (e) =>
      `The GPU device was lost at step ${e.step} (${e.detail}). The curves recorded so far are kept.`,
    hint: 'The worker is restarting the GPU backend, then resumes the run from its last checkpoint.',
  },
  error: {
    level: 'error',
    title: 'Run error',
    message: (e) => e.detail,
    hint: 'Reset and Train to start again. The curves so far are kept in the runs panel.',
  },
};

/** The alert for a run event (diverged, collapsed, device lost, error); none for the others. */
export function alertForEvent(runId: string, e: RunEvent): void {
  if (!alerting(e)) return;
  const spec = EVENT_ALERTS[e.kind];
  const who = runName(runId);
  alert({
    id: `${runId}:${e.kind}`,
    level: spec.level,
    title: `${spec.title}${who ? ` — ${who}` : ''}`,
    message: spec.message(e),
    hint: spec.hint,
  });
}

const ERROR_TITLES: Record<ErrorCode, string> = {
  'backend-init': 'No compute backend could start',
  dataset: 'Dataset failed to load',
  config: 'Invalid settings',
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
  alert({
    id: msg.runId ? `${msg.runId}:${msg.code}` : `${msg.code}:${msg.message}`,
    level: msg.fatal || msg.code === 'dataset' ? 'error' : 'warning',
    title: `${ERROR_TITLES[msg.code]}${who ? ` — ${who}` : ''}`,
    message: msg.message,
    hint: msg.hint ?? defaultHint(msg.code),
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
