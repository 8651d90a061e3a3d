/**
 * Mini-batches S1 and S2 (spec, step 1): two independent seeded streams over the training split,
 * each a sequence of epochs of shuffled indices; the last partial batch of an epoch is dropped
 * so that every batch has the same shape (the WebGPU buffer pool keys on exact sizes).
 * Pixels stay uint8 until here; a batch is scaled to [0, 1] float32 as it is built.
 * S2 is drawn at every step (so the streams do not depend on the method) but uploaded only
 * when something reads it: a vanilla step between evals never does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../data/dataset';
import { Rng } from '../util/rng';
import {
  type AugmentDraw,
  type AugmentSettings,
  drawAugmentation,
  writeAugmented,
} from './augment';
import { corruptLabels } from './labelNoise';

export interface Batch {
  x1: tf.Tensor4D;
  /** One-hot labels of S1, float32 m1×C. */
  y1: tf.Tensor2D;
  x2: tf.Tensor4D;
  y2: tf.Tensor2D;
  /** Class indices of S1 and S2 on the CPU (the matching loss builds its masks from them). */
  labels1: Int32Array;
  labels2: Int32Array;
}

export function disposeBatch(b: Batch): void {
  if (b instanceof SampledBatch) b.dispose();
  else tf.dispose([b.x1, b.y1, b.x2, b.y2]);
}

/** Where an index stream stands: enough to rebuild it exactly (see `IndexStream.restore`). */
export interface StreamPosition {
  /** The generator's state before it drew the current epoch's permutation. */
  permRng: number;
  /** The next index to hand out in that permutation. */
  pos: number;
}

/** An endless stream of shuffled batch indices, one epoch after another. */
class IndexStream {
  private perm: Int32Array;
  private pos = 0;
  private permRng: number;
  constructor(
    private readonly n: number,
    private readonly batch: number,
    private readonly rng: Rng,
  ) {
    this.permRng = rng.state;
    this.perm = rng.permutation(n);
  }
  next(): Int32Array {
    if (this.pos + this.batch > this.n) {
      this.permRng = this.rng.state;
      this.perm = this.rng.permutation(this.n);
      this.pos = 0;
    }
    const out = this.perm.subarray(this.pos, this.pos + this.batch);
    this.pos += this.batch;
    return out;
  }
  /** The position, without the permutation itself (it is redrawn from `permRng`). */
  get position(): StreamPosition {
    return { permRng: this.permRng, pos: this.pos };
  }
  /** Redraws the epoch's permutation from its generator state and moves to `p.pos`. */
  restore(p: StreamPosition): void {
    if (!Number.isInteger(p.pos) || p.pos < 0 || p.pos > this.n) {
      throw new RangeError(`A batch stream position of ${p.pos} is outside 0..${this.n}`);
    }
    this.rng.state = p.permRng;
    this.permRng = p.permRng;
    this.perm = this.rng.permutation(this.n);
    this.pos = p.pos;
  }
}

/**
 * Gathers images (uint8 NHWC) at `indices` into a float32 tensor in [0, 1], cropped and flipped
 * as `draw` says when given (training batches with augmentation).
 */
export function imagesToTensor(
  set: ImageSet,
  indices: ArrayLike<number>,
  draw: AugmentDraw | null = null,
): tf.Tensor4D {
  const px = set.height * set.width * set.channels;
  const out = new Float32Array(indices.length * px);
  for (let b = 0; b < indices.length; b++) {
    if (draw) {
      writeAugmented(out, b * px, set, indices[b]!, draw, b);
      continue;
    }
    const src = indices[b] * px;
    const dst = b * px;
    for (let k = 0; k < px; k++) out[dst + k] = set.images[src + k] / 255;
  }
  return tf.tensor4d(out, [indices.length, set.height, set.width, set.channels]);
}

/** One-hot float32 labels, built on the CPU: one upload, no kernels. */
export function labelsToOneHot(
  labels: ArrayLike<number>,
  indices: ArrayLike<number>,
  numClasses: number,
): tf.Tensor2D {
  const out = new Float32Array(indices.length * numClasses);
  for (let b = 0; b < indices.length; b++) out[b * numClasses + labels[indices[b]]] = 1;
  return tf.tensor2d(out, [indices.length, numClasses]);
}

/** What one mini-batch is built from: its images, their (possibly noisy) labels, its crops. */
interface BatchSource {
  set: ImageSet;
  labels: Uint8Array;
  numClasses: number;
  augment: AugmentSettings | null;
}

function batchImages(src: BatchSource, indices: Int32Array, draw: AugmentDraw | null): tf.Tensor4D {
  return imagesToTensor(src.set, indices, src.augment ? draw : null);
}

/** S1 uploaded at once; S2 on first read (kept out of any enclosing tidy scope). */
class SampledBatch implements Batch {
  readonly x1: tf.Tensor4D;
  readonly y1: tf.Tensor2D;
  readonly labels1: Int32Array;
  readonly labels2: Int32Array;
  private s2: { x: tf.Tensor4D; y: tf.Tensor2D } | null = null;
  private disposed = false;

  constructor(
    private readonly src: BatchSource,
    i1: Int32Array,
    private readonly i2: Int32Array,
    draw1: AugmentDraw | null,
    private readonly draw2: AugmentDraw | null,
  ) {
    this.x1 = batchImages(src, i1, draw1);
    this.y1 = labelsToOneHot(src.labels, i1, src.numClasses);
    this.labels1 = Int32Array.from(i1, (i) => src.labels[i]!);
    this.labels2 = Int32Array.from(i2, (i) => src.labels[i]!);
  }

  private get built() {
    if (this.disposed) throw new Error('This batch was disposed');
    this.s2 ??= {
      x: tf.keep(batchImages(this.src, this.i2, this.draw2)),
      y: tf.keep(labelsToOneHot(this.src.labels, this.i2, this.src.numClasses)),
    };
    return this.s2;
  }
  get x2(): tf.Tensor4D {
    return this.built.x;
  }
  get y2(): tf.Tensor2D {
    return this.built.y;
  }

  dispose(): void {
    this.disposed = true;
    tf.dispose([this.x1, this.y1]);
    if (this.s2) tf.dispose([this.s2.x, this.s2.y]);
    this.s2 = null;
  }
}

/** Everything the sampler's future batches depend on (checkpoints restore it). */
export interface SamplerState {
  s1: StreamPosition;
  s2: StreamPosition;
  /** Generator states of the augmentation streams of S1 and S2. */
  aug1: number;
  aug2: number;
  drawn: number;
}

/** What the training batches add to the raw images (both off unless set). */
export interface SamplerOptions {
  augment?: AugmentSettings | null;
  /** Fraction of training labels replaced by a seeded different class, fixed for the run. */
  labelNoise?: number;
}

export class BatchSampler {
  private readonly s1: IndexStream;
  private readonly s2: IndexStream;
  private readonly src: BatchSource;
  private readonly aug1: Rng;
  private readonly aug2: Rng;
  /** Training labels replaced by label noise. */
  readonly corruptedLabels: number;
  /** Training examples drawn for S1 so far (for the epoch readout). */
  drawn = 0;

  constructor(
    private readonly train: ImageSet,
    numClasses: number,
    readonly m1: number,
    readonly m2: number,
    seed: number,
    options: SamplerOptions = {},
  ) {
    if (m1 > train.count || m2 > train.count) {
      throw new RangeError(
        `Batch size ${Math.max(m1, m2)} exceeds the ${train.count} training images`,
      );
    }
    const rng = new Rng(seed);
    this.s1 = new IndexStream(train.count, m1, rng.fork(1));
    this.s2 = new IndexStream(train.count, m2, rng.fork(2));
    // Forked after the batch streams, always, so that the batches do not depend on these settings.
    this.aug1 = rng.fork(4);
    this.aug2 = rng.fork(5);
    const noisy = corruptLabels(train.labels, numClasses, options.labelNoise ?? 0, rng.fork(6));
    this.corruptedLabels = noisy.corrupted;
    this.src = { set: train, labels: noisy.labels, numClasses, augment: options.augment ?? null };
  }

  /** The training labels the batches use (after label noise). */
  get labels(): Uint8Array {
    return this.src.labels;
  }

  /** Epochs of S1 seen so far. */
  get epoch(): number {
    return this.drawn / this.train.count;
  }

  /** The stream positions (the label noise is fixed by the seed at construction). */
  get state(): SamplerState {
    return {
      s1: this.s1.position,
      s2: this.s2.position,
      aug1: this.aug1.state,
      aug2: this.aug2.state,
      drawn: this.drawn,
    };
  }

  /** Puts the streams where `state` says: the next batch is the one that came next then. */
  restore(state: SamplerState): void {
    this.s1.restore(state.s1);
    this.s2.restore(state.s2);
    this.aug1.state = state.aug1;
    this.aug2.state = state.aug2;
    this.drawn = state.drawn;
  }

  next(): Batch {
    const i1 = this.s1.next();
    const i2 = this.s2.next().slice();
    this.drawn += this.m1;
    const a = this.src.augment;
    const d1 = a ? drawAugmentation(this.aug1, this.m1, a) : null;
    const d2 = a ? drawAugmentation(this.aug2, this.m2, a) : null;
    return new SampledBatch(this.src, i1, i2, d1, d2);
  }
}

/** The fixed, seeded test subset, in equal-size batches uploaded once. */
export class EvalSet {
  readonly batches: Array<{ x: tf.Tensor4D; y: tf.Tensor2D }> = [];
  readonly size: number;

  constructor(test: ImageSet, numClasses: number, requested: number, seed: number) {
    const n = Math.min(requested, test.count);
    const batchSize = Math.min(n, 500);
    const nBatches = Math.floor(n / batchSize);
    this.size = nBatches * batchSize;
    const order = new Rng(seed).fork(3).permutation(test.count).subarray(0, this.size);
    // Sorted indices read the test images in memory order; the subset is what the seed fixes.
    order.sort();
    for (let b = 0; b < nBatches; b++) {
      const idx = order.subarray(b * batchSize, (b + 1) * batchSize);
      this.batches.push({
        x: imagesToTensor(test, idx),
        y: labelsToOneHot(test.labels, idx, numClasses),
      });
    }
  }

  dispose(): void {
    for (const b of this.batches) tf.dispose([b.x, b.y]);
  }
}
