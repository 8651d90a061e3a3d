/**
 * The training session as the UI sees it: the worker and its backend, the current run(s) as
 * they stream, throughput, and the alerts shown to the user. Written by the controller
 * modules (session.ts, workerLink.ts, streamFlush.ts, workerReplies.ts) only.
 */
import { create } from 'zustand';
import type { RunRecord } from '../engine/runRecord';
import type { BackendInfo } from '../protocol';

export type SessionPhase = 'idle' | 'starting' | 'running' | 'paused' | 'finished';

export type WorkerState = 'starting' | 'ready' | 'failed' | 'crashed';

export interface SpeedInfo {
  stepsPerSec: number;
  samplesPerSec: number;
  step: number;
  epoch: number;
}

export interface AppAlert {
  /** Stable key: the same problem reported twice shows once. */
  id: string;
  level: 'error' | 'warning' | 'info';
  title: string;
  message: string;
  /** What the user can do next. */
  hint?: string;
}

export interface SessionState {
  workerState: WorkerState;
  backend: BackendInfo | null;
  phase: SessionPhase;
  /** The current session's runs: one, or [A, B] for a twin pair. */
  runIds: string[];
  runs: Record<string, RunRecord>;
  speed: SpeedInfo | null;
  alerts: AppAlert[];
  pushAlert(a: AppAlert): void;
  dismissAlert(id: string): void;
}

const MAX_ALERTS = 6;

export const useTrainingStore = create<SessionState>()((set, get) => ({
  workerState: 'starting',
  backend: null,
  phase: 'idle',
  runIds: [],
  runs: {},
  speed: null,
  alerts: [],
  pushAlert(a) {
    const rest = get().alerts.filter((x) => x.id !== a.id);
    set({ alerts: [...rest, a].slice(-MAX_ALERTS) });
  },
  dismissAlert(id) {
    set({ alerts: get().alerts.filter((x) => x.id !== id) });
  },
}));

/** Whether a session is in progress (settings that need a fresh model are locked). */
export const isActive = (phase: SessionPhase) =>
  phase === 'running' || phase === 'paused' || phase === 'starting';
