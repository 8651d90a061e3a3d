/**
 * What the feature views need beyond the run records: the embedding subset's images (from the
 * worker, once per session), the view's position (step slider, projection method, the runs
 * shown), and UMAP on demand — its progress, its cancel, and the frames it computed.
 */
import { create } from 'zustand';
import type { EmbeddingFrame } from '../engine/runRecord';
import type { FromWorker } from '../protocol';
import { workerLink } from './workerLink';

export interface SubsetImages {
  runIds: string[];
  images: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

export interface ProjectionState {
  /** Runs still to project after the current one (twins: B after A). */
  queue: string[];
  runId: string;
  step: number;
  done: number;
  total: number;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  message?: string;
}

export interface FeaturesState {
  /** The current session's subset images. */
  images: SubsetImages | null;
  /** Stored (finished, imported) runs' subset images, from the loaded test split, per run. */
  stored: Record<string, SubsetImages>;
  /** Slider position; null follows the newest frame. */
  step: number | null;
  method: 'pca' | 'umap';
  /** The runs shown (one, or a twin pair); null: the current session's. */
  runIds: string[] | null;
  projection: ProjectionState | null;
  /** UMAP frames computed this page session, per run. */
  umap: Record<string, EmbeddingFrame[]>;
  setStep(step: number | null): void;
  setMethod(method: 'pca' | 'umap'): void;
  setRuns(ids: string[] | null): void;
  /** UMAP of `step` for each run in turn. */
  project(runIds: string[], step: number): void;
  cancelProjection(): void;
  /** Ask the worker for stored runs' subset images (once per set of runs). */
  requestImages(runIds: string[], indices: readonly number[]): void;
}

/** Image requests already sent (a reply may not come: then the panel shows labels only). */
const asked = new Set<string>();

export const useFeaturesStore = create<FeaturesState>()((set, get) => ({
  images: null,
  stored: {},
  step: null,
  method: 'pca',
  runIds: null,
  projection: null,
  umap: {},
  setStep: (step) => set({ step }),
  setMethod: (method) => set({ method }),
  setRuns: (runIds) => set({ runIds, step: null }),
  project(runIds, step) {
    const [first, ...queue] = runIds;
    if (first === undefined) return;
    const sent = workerLink.send({ type: 'project', runId: first, step });
    set({
      projection: sent
        ? { queue, runId: first, step, done: 0, total: 0, status: 'running' }
        : {
            queue: [],
            runId: first,
            step,
            done: 0,
            total: 0,
            status: 'failed',
            message: 'The worker is not running.',
          },
    });
  },
  requestImages(runIds, indices) {
    const key = runIds.join();
    if (asked.has(key)) return;
    if (workerLink.send({ type: 'subset-images', runIds, indices: [...indices] })) asked.add(key);
  },
  cancelProjection() {
    workerLink.send({ type: 'cancel-projection' });
    const p = get().projection;
    if (p) set({ projection: { ...p, queue: [] } });
  },
}));

type FeaturesMessage = Extract<
  FromWorker,
  { type: 'embed-images' | 'projection-progress' | 'projection' }
>;

/** Routed here by workerReplies.ts. Returns a finished UMAP frame for the run record. */
export function onFeaturesMessage(msg: FeaturesMessage): EmbeddingFrame | null {
  const s = useFeaturesStore.getState();
  switch (msg.type) {
    case 'embed-images': {
      const { type: _t, stored, ...images } = msg;
      if (stored) {
        const next = { ...s.stored };
        for (const id of images.runIds) next[id] = images;
        useFeaturesStore.setState({ stored: next });
      } else useFeaturesStore.setState({ images, step: null });
      return null;
    }
    case 'projection-progress':
      if (s.projection?.runId === msg.runId) {
        useFeaturesStore.setState({
          projection: { ...s.projection, done: msg.done, total: msg.total },
        });
      }
      return null;
    case 'projection': {
      const p = s.projection;
      const frame = msg.outcome === 'done' ? (msg.frame ?? null) : null;
      const umap = frame
        ? {
            ...s.umap,
            [msg.runId]: [...(s.umap[msg.runId] ?? []).filter((f) => f.step !== frame.step), frame],
          }
        : s.umap;
      const next = p?.runId === msg.runId && msg.outcome === 'done' ? p.queue[0] : undefined;
      if (p && next !== undefined) {
        workerLink.send({ type: 'project', runId: next, step: p.step });
        useFeaturesStore.setState({
          umap,
          projection: { ...p, queue: p.queue.slice(1), runId: next, done: 0, total: 0 },
        });
      } else {
        useFeaturesStore.setState({
          umap,
          ...(frame ? { method: 'umap' as const } : {}),
          projection: p ? { ...p, status: msg.outcome, message: msg.message } : null,
        });
      }
      return frame;
    }
  }
}
