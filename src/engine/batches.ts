/**
 * Mini-batches S1 and S2 (spec, step 1): two independent seeded streams over the training split,
 * each a sequence of epochs of shuffled indices; the last partial batch of an epoch is dropped
 * so that every batch has the same shape (the WebGPU buffer pool keys on exact sizes).
 * Pixels stay uint8 until here; a batch is scaled to [0, 1] float32 as it is built.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/dataset';
import { Rng } from './rng';

export interface Batch {
  x1: tf.Tensor4D;
  /** One-hot labels of S1, float32 m1×C. */
  y1: tf.Tensor2D;
  x2: tf.Tensor4D;
  y2: tf.Tensor2D;
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.x1, b.y1, b.x2, b.y2]);
}

/** An endless stream of shuffled batch indices, one epoch after another. */
class IndexStream {
  private perm: Int32Array;
  private pos = 0;
  constructor(
    private readonly n: number,
    private readonly batch: number,
    private readonly rng: Rng,
  ) {
    this.perm = rng.permutation(n);
  }
  next(): Int32Array {
    if (this.pos + this.batch > this.n) {
      this.perm = this.rng.permutation(this.n);
      this.pos = 0;
    }
    const out = this.perm.subarray(this.pos, this.pos + this.batch);
    this.pos += this.batch;
    return out;
  }
}

/** Gathers images (uint8 NHWC) at `indices` into a float32 tensor in [0, 1]. */
export function imagesToTensor(set: ImageSet, indices: ArrayLike<number>): tf.Tensor4D {
  const px = set.height * set.width * set.channels;
  const out = new Float32Array(indices.length * px);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * px;
    const dst = b * px;
    for (let k = 0; k < px; k++) out[dst + k] = set.images[src + k] / 255;
  }
  return tf.tensor4d(out, [indices.length, set.height, set.width, set.channels]);
}

export function labelsToOneHot(
  set: ImageSet,
  indices: ArrayLike<number>,
  numClasses: number,
): tf.Tensor2D {
  const labels = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) labels[b] = set.labels[indices[b]];
  return tf.tidy(
    () => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D,
  );
}

export class BatchSampler {
  private readonly s1: IndexStream;
  private readonly s2: IndexStream;
  /** Training examples drawn for S1 so far (for the epoch readout). */
  drawn = 0;

  constructor(
    private readonly train: ImageSet,
    private readonly numClasses: number,
    readonly m1: number,
    readonly m2: number,
    seed: number,
  ) {
    if (m1 > train.count || m2 > train.count) {
      throw new RangeError(
        `Batch size ${Math.max(m1, m2)} exceeds the ${train.count} training images`,
      );
    }
    const rng = new Rng(seed);
    this.s1 = new IndexStream(train.count, m1, rng.fork(1));
    this.s2 = new IndexStream(train.count, m2, rng.fork(2));
  }

  /** Epochs of S1 seen so far. */
  get epoch(): number {
    return this.drawn / this.train.count;
  }

  next(): Batch {
    const i1 = this.s1.next();
    const i2 = this.s2.next();
    this.drawn += this.m1;
    return {
      x1: imagesToTensor(this.train, i1),
      y1: labelsToOneHot(this.train, i1, this.numClasses),
      x2: imagesToTensor(this.train, i2),
      y2: labelsToOneHot(this.train, i2, this.numClasses),
    };
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
      this.batches.push({ x: imagesToTensor(test, idx), y: labelsToOneHot(test, idx, numClasses) });
    }
  }

  dispose(): void {
    for (const b of this.batches) tf.dispose([b.x, b.y]);
  }
}
