/**
 * UMAP on demand, in the worker: the raw features of every eval step of the current (or last)
 * session are kept here as tensors on the training backend (capped; the oldest go first), and
 * read back only when a UMAP of that step is requested, so ordinary eval steps read nothing
 * extra. umap-js then runs a few epochs at a time, yielding between chunks so that training
 * steps, progress messages and a cancel get through. Its neighbour search (initializeFit) is
 * one blocking call: a cancel lands after it. The result is an embedding frame with the PCA
 * frame's predictions.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { UMAP } from 'umap-js';
import { formatBytes } from '../data/bytes';
import type { FrameResult } from '../engine/features/embedding';
import type { EmbeddingFrame } from '../engine/runRecord';
import { Rng } from '../util/rng';

/** Bytes of backend memory for kept features (the oldest steps are dropped past it). */
const FEATURE_BUDGET_BYTES = 64e6;
const EPOCHS_PER_CHUNK = 10;

interface Kept {
  step: number;
  features: tf.Tensor2D;
  pred: number[];
}

export type ProjectionReply =
  | { type: 'projection-progress'; runId: string; step: number; done: number; total: number }
  | {
      type: 'projection';
      runId: string;
      step: number;
      outcome: 'done' | 'cancelled' | 'failed';
      frame?: EmbeddingFrame;
      message?: string;
    };

export class Projections {
  private readonly kept = new Map<string, Kept[]>();
  private bytes = 0;
  private running: { cancelled: boolean } | null = null;

  /** A new session (or a lost device): the previous session's features go. */
  reset(): void {
    for (const list of this.kept.values()) for (const k of list) free(k.features);
    this.kept.clear();
    this.bytes = 0;
  }

  keep(runId: string, views: FrameResult): void {
    if (!views.features) return;
    const list = this.kept.get(runId) ?? [];
    list.push({ step: views.frame.step, features: views.features, pred: views.frame.pred });
    this.kept.set(runId, list);
    this.bytes += bytesOf(views.features);
    while (this.bytes > FEATURE_BUDGET_BYTES) {
      const longest = [...this.kept.values()].sort((a, b) => b.length - a.length)[0];
      const dropped = longest?.shift();
      if (!dropped) break;
      this.bytes -= bytesOf(dropped.features);
      free(dropped.features);
    }
  }

  /** The steps whose features are kept, per run. */
  steps(runId: string): number[] {
    return (this.kept.get(runId) ?? []).map((k) => k.step);
  }

  cancel(): void {
    if (this.running) this.running.cancelled = true;
  }

  async run(
    runId: string,
    step: number,
    post: (r: ProjectionReply) => void,
    yieldToHost: () => Promise<void>,
  ): Promise<void> {
    this.cancel();
    const entry = (this.kept.get(runId) ?? []).find((k) => k.step === step);
    if (!entry) {
      post({
        type: 'projection',
        runId,
        step,
        outcome: 'failed',
        message: `The features of step ${step} are not kept (only this session's eval steps, the most recent ${formatBytes(FEATURE_BUDGET_BYTES)}).`,
      });
      return;
    }
    const me = { cancelled: false };
    this.running = me;
    try {
      const [n, dim] = entry.features.shape;
      // The one read of these features, on request only.
      const flat = await entry.features.data();
      if (me.cancelled) {
        post({ type: 'projection', runId, step, outcome: 'cancelled' });
        return;
      }
      const rows = Array.from({ length: n }, (_, i) =>
        Array.from(flat.subarray(i * dim, (i + 1) * dim)),
      );
      const rng = new Rng(step + 1);
      const umap = new UMAP({
        nComponents: 2,
        nNeighbors: Math.max(2, Math.min(15, n - 1)),
        random: () => rng.next(),
      });
      const total = umap.initializeFit(rows);
      for (let done = 0; done < total; ) {
        if (me.cancelled) {
          post({ type: 'projection', runId, step, outcome: 'cancelled' });
          return;
        }
        for (let i = 0; i < EPOCHS_PER_CHUNK && done < total; i++) done = umap.step();
        post({ type: 'projection-progress', runId, step, done, total });
        await yieldToHost();
      }
      const xy = umap.getEmbedding().flatMap(([x, y]) => [round4(x!), round4(y!)]);
      post({
        type: 'projection',
        runId,
        step,
        outcome: 'done',
        frame: { step, method: 'umap', xy, pred: entry.pred },
      });
    } catch (e) {
      post({ type: 'projection', runId, step, outcome: 'failed', message: (e as Error).message });
    } finally {
      if (this.running === me) this.running = null;
    }
  }
}

const bytesOf = (t: tf.Tensor) => t.size * 4;

/** Disposed tensors (a lost device's) throw on dispose: nothing is left to free then. */
function free(t: tf.Tensor): void {
  try {
    t.dispose();
  } catch {
    // gone with its backend
  }
}

const round4 = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(4)));
