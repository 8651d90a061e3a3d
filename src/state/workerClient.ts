/**
 * The training worker behind a typed send/receive. Detects a crashed worker (onerror /
 * onmessageerror) and reports it once; `restart()` gives a fresh worker.
 */
import type { FromWorker, ToWorker } from '../protocol';

export type CrashKind = 'load' | 'crash' | 'message';

export interface CrashInfo {
  kind: CrashKind;
  message: string;
}

export interface WorkerClient {
  /** Posts to the current worker; false when there is none (crashed or not started). */
  send(msg: ToWorker, transfer?: Transferable[]): boolean;
  /** Listener for every message; returns an unsubscribe function. */
  onMessage(fn: (msg: FromWorker) => void): () => void;
  onCrash(fn: (info: CrashInfo) => void): () => void;
  /** Terminates the current worker (if any) and starts a new one. */
  restart(): void;
  terminate(): void;
  readonly alive: boolean;
}

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });

export function createWorkerClient(factory: WorkerFactory = defaultFactory): WorkerClient {
  const msgListeners = new Set<(m: FromWorker) => void>();
  const crashListeners = new Set<(c: CrashInfo) => void>();
  let worker: Worker | null = null;
  let sawMessage = false;

  const crash = (info: CrashInfo) => {
    for (const fn of crashListeners) fn(info);
  };

  const spawn = () => {
    sawMessage = false;
    let w: Worker;
    try {
      w = factory();
    } catch (e) {
      worker = null;
      queueMicrotask(() => crash({ kind: 'load', message: (e as Error).message ?? String(e) }));
      return;
    }
    worker = w;
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      if (w !== worker) return; // a late message from a terminated worker
      sawMessage = true;
      for (const fn of msgListeners) fn(ev.data);
    };
    w.onerror = (ev: ErrorEvent | Event) => {
      if (w !== worker) return;
      // Module-load failures arrive as a bare Event; uncaught errors as ErrorEvent.
      const detail =
        'message' in ev && ev.message
          ? `${ev.message}${ev.filename ? ` (${ev.filename}:${ev.lineno})` : ''}`
          : 'the worker script failed to load';
      ev.preventDefault?.();
      // Its state is unknown after an uncaught error: retire it; curves are kept by the stores.
      w.terminate();
      worker = null;
      crash({ kind: sawMessage ? 'crash' : 'load', message: detail });
    };
    w.onmessageerror = () => {
      if (w !== worker) return;
      crash({ kind: 'message', message: 'a message from the worker could not be read' });
    };
  };

  return {
    send(msg, transfer = []) {
      if (!worker) return false;
      worker.postMessage(msg, transfer);
      return true;
    },
    onMessage(fn) {
      msgListeners.add(fn);
      return () => msgListeners.delete(fn);
    },
    onCrash(fn) {
      crashListeners.add(fn);
      return () => crashListeners.delete(fn);
    },
    restart() {
      worker?.terminate();
      worker = null;
      spawn();
    },
    terminate() {
      worker?.terminate();
      worker = null;
    },
    get alive() {
      return worker !== null;
    },
  };
}
