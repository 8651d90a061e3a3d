/**
 * The feature views of one trainer at an eval step: the embedding subset's last-hidden-layer
 * features projected to 2-D (PCA on the training backend, aligned to the previous frame),
 * their predictions, per-class intra-class distance and the silhouette. `tensors` adds its
 * part to the trainer's single packed read; `unpack` turns that part into a frame.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../models';
import type { EmbeddingFrame } from '../runRecord';
import { classDistanceTensor } from './classStats';
import type { EmbedSet } from './embedSet';
import { initialBasis, pcaTensors, ritzAxes, rotate } from './pca';
import { alignTo } from './procrustes';

/** Total feature variance per dimension below this is a collapsed frame (as trainer's). */
const COLLAPSED_VARIANCE = 1e-10;

export interface FrameResult {
  frame: EmbeddingFrame;
  classIntra: Array<number | null>;
  silhouette: number | null;
  /**
   * The raw features [N, D], when asked for (the worker's UMAP), left on the training backend:
   * read only if a UMAP of this step is requested, so an eval step reads N × D fewer values.
   * The receiver owns (and disposes) it.
   */
  features?: tf.Tensor2D;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);
const round4 = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(4)));

export class FeatureViews {
  readonly set: EmbedSet;
  private readonly basis: tf.Variable<tf.Rank.R2>;
  private readonly k: number;
  private readonly dim: number;
  private readonly keepFeatures: boolean;
  private prev: Float64Array | null = null;
  /** This eval's features, kept out of the tidy until `unpack` hands them on. */
  private pending: tf.Tensor2D | null = null;

  constructor(set: EmbedSet, model: Model, seed: number, keepFeatures = false) {
    this.set = set;
    this.k = model.numClasses;
    this.dim = model.featureDim;
    this.keepFeatures = keepFeatures;
    const b = initialBasis(this.dim, seed);
    this.basis = tf.variable(b, false);
    b.dispose();
  }

  /** Values this part adds to the packed read. */
  get length(): number {
    const n = this.set.size;
    return this.k + 1 + 1 + 4 + 2 * n + n;
  }

  /** Call inside tf.tidy: one flat tensor; updates the warm-start basis (no read). */
  tensors(model: Model): tf.Tensor1D {
    const h = tf.concat(this.set.chunks.map((x) => model.features(x, false))) as tf.Tensor2D;
    const pred = tf.cast(tf.argMax(model.logits(h), 1), 'float32');
    const dist = classDistanceTensor(h, this.set.y);
    const p = pcaTensors(h, this.basis);
    this.basis.assign(p.basis);
    const parts: tf.Tensor[] = [
      dist,
      tf.reshape(p.totalVar, [1]),
      tf.reshape(p.ritz, [4]),
      tf.reshape(p.xy, [-1]),
      pred,
    ];
    if (this.keepFeatures) {
      // A diverged eval never unpacks: free what the previous one left.
      this.pending?.dispose();
      this.pending = tf.keep(tf.clone(h));
    }
    return tf.concat(parts.map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D;
  }

  /** Reads this part of the packed values (from `offset`) as the frame at `step`. */
  unpack(v: Float32Array, offset: number, step: number): FrameResult {
    const n = this.set.size;
    let o = offset;
    const take = (len: number) => {
      const s = v.subarray(o, o + len);
      o += len;
      return s;
    };
    const dist = take(this.k + 1);
    const totalVar = take(1)[0]!;
    const ritz = take(4);
    const xyRaw = take(2 * n);
    const pred = Array.from(take(n), (x) => Math.round(x));
    const features = this.pending ?? undefined;
    this.pending = null;
    const collapsed = !(totalVar >= COLLAPSED_VARIANCE * this.dim) || !xyRaw.every(Number.isFinite);
    let xy: Float64Array;
    let explained: number | null = null;
    if (collapsed) {
      // All features (nearly) equal: one blob at the origin, and the last basis kept.
      xy = new Float64Array(2 * n);
    } else {
      const ax = ritzAxes(ritz);
      xy = alignTo(rotate(xyRaw, ax.v), this.prev);
      this.prev = xy;
      explained = finite((ax.variances[0] + ax.variances[1]) / totalVar);
    }
    const frame: EmbeddingFrame = {
      step,
      method: 'pca',
      xy: Array.from(xy, round4),
      pred,
      ...(collapsed ? { collapsed: true } : {}),
      ...(explained !== null ? { explained: round4(Math.min(1, explained)) } : {}),
    };
    return {
      frame,
      classIntra: Array.from(dist.subarray(0, this.k), finite),
      silhouette: finite(dist[this.k]!),
      features,
    };
  }

  dispose(): void {
    this.pending?.dispose();
    this.pending = null;
    this.basis.dispose();
  }
}
