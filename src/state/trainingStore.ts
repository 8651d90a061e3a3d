/**
 * The training session as the UI sees it: the worker and its backend, the phase, which runs
 * are the session's, throughput, and the alerts shown to the user. Written by the controller
 * modules (session.ts, workerLink.ts, streamFlush.ts, workerReplies.ts) only.
 */
import { create } from 'zustand';
import type { Speed } from '../engine/session';
import type { BackendInfo } from '../protocol';

export type SessionPhase = 'idle' | 'starting' | 'running' | 'paused' | 'finished';

export type WorkerState = 'starting' | 'ready' | 'failed' | 'crashed';

export interface AppAlert {
  /** Stable key: the same problem reported twice shows once. */
  id: string;
  level: 'error' | 'warning' | 'info';
  title: string;
  message: string;
  /** What the user can do next. */
  hint?: string;
  /** A button that does it (Resume, Restart the worker). */
  action?: { label: string; run(): void };
}

export interface SessionState {
  workerState: WorkerState;
  backend: BackendInfo | null;
  phase: SessionPhase;
  /** The current session's runs: one, or [A, B] for a twin pair. Their records live in the
   * runs library (runsLibrary.ts), the one store of every run, live or saved. */
  runIds: string[];
  speed: Speed | null;
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
