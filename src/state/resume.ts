/**
 * Resume: a run that ended by reload, device loss, worker crash or stop continues from its
 * checkpoint (checkpoints.ts) on the identical batch sequence, in the same run record (which
 * notes the resume as an event). After a GPU device loss the run resumes automatically once,
 * on the rebuilt backend. A twin pair resumes both sides together or not at all.
 */
import { resumeSetup } from '../engine/checkpoint';
import type { RunEvent, RunRecord } from '../engine/runRecord';
import { alert, dismissAlert } from './alerts';
import { checkpointOf } from './checkpoints';
import { loadDatasetFromServer } from './datasetActions';
import { useDatasetStore } from './datasetStore';
import { useLibraryStore } from './runsLibrary';
import { flush } from './streamFlush';
import { isActive, useTrainingStore } from './trainingStore';
import { HandledError, workerLink } from './workerLink';

/** Whether a run's record allows Resume (it also needs a checkpoint). */
export function canResume(r: RunRecord, live: readonly string[]): boolean {
  if (live.includes(r.id)) return false;
  return (
    r.status === 'stopped' ||
    r.status === 'error' ||
    r.status === 'running' ||
    r.status === 'paused'
  );
}

/** Why the run ended, for its 'resumed' event. */
function reasonOf(r: RunRecord): string {
  const last = r.events.at(-1);
  if (last?.kind === 'device-lost') return 'after the GPU device was lost';
  if (r.status === 'error') return 'after the training worker stopped';
  return 'after the run was stopped or the page was closed';
}

function refuse(title: string, message: string, hint?: string) {
  alert({ id: 'resume:refused', level: 'error', title, message, hint });
}

/**
 * The checkpoint's record with what ended the run after it (a device loss, an error), as the
 * library has it: the history stays on the curves, the points restart from the checkpoint.
 */
function withEndingEvents(r: RunRecord): RunRecord {
  const now = useLibraryStore.getState().entries[r.id]?.record;
  const key = (e: RunEvent) => `${e.kind}@${e.step}`;
  const had = new Set(r.events.map(key));
  const ending = (now?.events ?? []).filter(
    (e) => (e.kind === 'device-lost' || e.kind === 'error') && !had.has(key(e)),
  );
  return ending.length ? { ...r, events: [...r.events, ...ending] } : r;
}

/** Resumes the session that holds `runId` from its newest checkpoint; true once sent. */
export async function resumeRun(runId: string, reason?: string): Promise<boolean> {
  flush();
  if (isActive(useTrainingStore.getState().phase)) {
    refuse(
      'A run is in progress',
      'Only one session trains at a time.',
      'Reset it, then press Resume.',
    );
    return false;
  }
  const ckpt = await checkpointOf(runId);
  if (!ckpt) {
    refuse('No checkpoint to resume from', 'This run has no saved weights.', 'Train a new run.');
    return false;
  }
  const lib = useLibraryStore.getState();
  const missing = ckpt.sides.filter((s) => !lib.entries[s.record.id]).map((s) => s.record.name);
  if (missing.length) {
    refuse(
      'A twin pair resumes both sides together',
      `The other side of this pair (${missing.join(', ')}) is no longer in the runs panel.`,
      'Import it back, or train a new pair.',
    );
    return false;
  }
  const record = lib.entries[runId].record;
  dismissAlert('resume:refused');
  dismissAlert('worker:crash');
  dismissAlert('worker:stalled');
  useTrainingStore.setState({ phase: 'starting', runIds: [], speed: null });
  try {
    await workerLink.ensureReady();
    const rec = ckpt.sides[0].record;
    const carved = rec.data.split === 'carved';
    const loaded = useDatasetStore.getState().loaded;
    if (loaded?.id !== rec.config.dataset || (loaded.split === 'carved') !== carved) {
      await loadDatasetFromServer(rec.config.dataset, true);
    }
    // A copy travels (transferred): the kept one stays whole for another resume.
    const values = ckpt.values.slice();
    const sides = ckpt.sides.map((s) => ({ ...s, record: withEndingEvents(s.record) }));
    const sent = workerLink.send(
      {
        type: 'start',
        request: resumeSetup(ckpt),
        resume: { checkpoint: { ...ckpt, sides, values }, reason: reason ?? reasonOf(record) },
      },
      [values.buffer],
    );
    if (!sent) throw new HandledError('worker not running');
    return true;
  } catch (e) {
    if (useTrainingStore.getState().phase === 'starting')
      useTrainingStore.setState({ phase: 'idle' });
    if (!(e instanceof HandledError)) {
      refuse('Could not resume', (e as Error).message, 'Reload the page and try again.');
    }
    return false;
  }
}

/** Runs lost with the GPU device, waiting for the rebuilt backend to resume (once each). */
let afterDeviceLoss: string | null = null;
const autoResumed = new Set<string>();

/** A session ended: if a GPU device loss ended it, resume it once the backend is back. */
export function onSessionFinished(runs: readonly RunRecord[]): void {
  const lost = runs.find((r) => r.events.at(-1)?.kind === 'device-lost');
  if (!lost) return;
  if (autoResumed.has(lost.id)) {
    offerResume(lost.id, `${lost.id}:device-lost`);
    return;
  }
  afterDeviceLoss = lost.id;
}

/** The worker rebuilt its backend after a device loss: resume the lost run, once. */
export function onBackendRebuilt(): void {
  const id = afterDeviceLoss;
  afterDeviceLoss = null;
  if (!id) return;
  autoResumed.add(id);
  void checkpointOf(id).then(async (ckpt) => {
    if (!ckpt) return;
    const ok = await resumeRun(id, 'automatically, after the GPU device was lost');
    if (!ok) return;
    const st = useTrainingStore.getState();
    for (const a of st.alerts.filter((x) => ckpt.runIds.some((r) => x.id === `${r}:device-lost`))) {
      st.pushAlert({
        ...a,
        level: 'info',
        hint: `Resumed automatically from the checkpoint at step ${ckpt.step} on the rebuilt backend: nothing to do. A second loss stops the run and offers Resume.`,
      });
    }
  });
}

/** Adds a Resume button to the alert `alertId` when the run has a checkpoint. */
export function offerResume(runId: string, alertId: string): void {
  void checkpointOf(runId).then((ckpt) => {
    if (!ckpt) return;
    const st = useTrainingStore.getState();
    const a = st.alerts.find((x) => x.id === alertId);
    if (!a) return;
    st.pushAlert({
      ...a,
      hint: `Resume continues the run from its checkpoint at step ${ckpt.step}.`,
      action: { label: 'Resume', run: () => void resumeRun(runId) },
    });
  });
}
