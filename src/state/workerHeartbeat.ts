/**
 * The worker's heartbeat. Two checks: a 'ping' the worker must answer (a worker whose event
 * loop is stuck answers nothing), and step progress while running (a GPU read that never
 * resolves leaves the event loop free, so pings are answered but the step stands still).
 * Either raises an alert with Restart; the run can then Resume from its last checkpoint.
 */
import type { FromWorker } from '../protocol';
import { alert, dismissAlert } from './alerts';
import { useDatasetStore } from './datasetStore';
import { useTrainingStore } from './trainingStore';

export interface HeartbeatTimes {
  intervalMs: number;
  /** A ping unanswered this long: the worker is stuck. (Parsing a dataset blocks it for seconds.) */
  answerMs: number;
  /** Running with no new step this long: a read or a kernel never finished. */
  progressMs: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatTimes = {
  intervalMs: 2_000,
  answerMs: 60_000,
  progressMs: 180_000,
};

export interface Heartbeat {
  start(times?: Partial<HeartbeatTimes>): void;
  stop(): void;
  onPong(msg: Extract<FromWorker, { type: 'pong' }>): void;
  /** A new worker (restart, crash): forget the old one's answers. */
  reset(): void;
}

export function createHeartbeat(
  send: (msg: { type: 'ping'; seq: number }) => boolean,
  onStall: (message: string) => void,
  now: () => number = () => performance.now(),
): Heartbeat {
  let times = DEFAULT_HEARTBEAT;
  let timer: ReturnType<typeof setInterval> | null = null;
  let seq = 0;
  /** The oldest ping not answered yet. */
  let waiting: { seq: number; at: number } | null = null;
  let step: number | null = null;
  let stepSince = now();
  /** What was reported, until the worker shows it is alive after all. */
  let reported: 'answer' | 'progress' | null = null;

  const watched = () => {
    const { phase, workerState } = useTrainingStore.getState();
    if (workerState !== 'ready') return false;
    if (phase === 'running' || phase === 'paused') return true;
    // Starting: stuck only if no dataset is being parsed (that blocks the worker for a while).
    return phase === 'starting' && useDatasetStore.getState().task === null;
  };

  const tick = () => {
    const t = now();
    if (!watched()) {
      waiting = null;
      stepSince = t;
      return;
    }
    // Ping on, even once a stall is reported: the answer is what clears it.
    if (!waiting) {
      seq++;
      if (send({ type: 'ping', seq })) waiting = { seq, at: t };
    } else if (t - waiting.at > times.answerMs) {
      stall(
        'answer',
        `The training worker has not answered for ${Math.round((t - waiting.at) / 1000)} s.`,
      );
      return;
    }
    const phase = useTrainingStore.getState().phase;
    const hidden = typeof document !== 'undefined' && document.hidden;
    if (phase !== 'running' || hidden) stepSince = t;
    else if (t - stepSince > times.progressMs) {
      stall(
        'progress',
        `Training has made no progress for ${Math.round((t - stepSince) / 1000)} s (stuck at step ${step ?? 0}): a GPU read or kernel may never have finished.`,
      );
    }
  };

  const stall = (kind: 'answer' | 'progress', message: string) => {
    if (reported) return;
    reported = kind;
    onStall(message);
  };

  return {
    start(partial) {
      times = { ...DEFAULT_HEARTBEAT, ...partial };
      if (timer) clearInterval(timer);
      timer = setInterval(tick, times.intervalMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    onPong(msg) {
      if (waiting && msg.seq >= waiting.seq) waiting = null;
      const moved = msg.step !== step;
      if (moved || msg.paused) {
        step = msg.step;
        stepSince = now();
      }
      // It answered (or stepped) after all, e.g. a very long step: the alert goes.
      if ((reported === 'answer' && !waiting) || (reported === 'progress' && moved)) {
        reported = null;
        dismissAlert('worker:stalled');
      }
    },
    reset() {
      waiting = null;
      step = null;
      stepSince = now();
      reported = null;
    },
  };
}

/** The alert for a stalled worker, with Restart. */
export function alertStalled(message: string, restart: () => void): void {
  alert({
    id: 'worker:stalled',
    level: 'error',
    title: 'The training worker is stalled',
    message,
    hint: 'Restart the worker: the curves stay, and the run can Resume from its last checkpoint.',
    action: { label: 'Restart worker', run: restart },
  });
}
