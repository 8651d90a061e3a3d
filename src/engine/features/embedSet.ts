/**
 * The embedding subset: a fixed, seeded, class-balanced set of test images whose last-hidden-
 * layer features are projected at every eval step. Round-robin over classes (each in a seeded
 * order), so every class has ⌊N/K⌋ or ⌈N/K⌉ images while it has them; a test split smaller
 * than N gives all it has.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../../data/dataset';
import { Rng } from '../../util/rng';
import { imagesToTensor, labelsToOneHot } from '../batches';

/** The most images the embedding subset may have (a setting up to this). */
export const MAX_EMBED_SIZE = 2000;
const CHUNK = 500;

/** Indices into `test`, class-balanced and seeded, sorted (memory order). */
export function balancedSubset(
  labels: ArrayLike<number>,
  numClasses: number,
  requested: number,
  seed: number,
): Int32Array {
  const n = Math.min(requested, labels.length);
  const order = new Rng(seed).fork(7).permutation(labels.length);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const i of order) byClass[labels[i]!]?.push(i);
  const out: number[] = [];
  for (let r = 0; out.length < n; r++) {
    let took = false;
    for (let k = 0; k < numClasses && out.length < n; k++) {
      const i = byClass[k]![r];
      if (i !== undefined) {
        out.push(i);
        took = true;
      }
    }
    if (!took) break;
  }
  return Int32Array.from(out).sort();
}

/** The images of `test` at `indices`, uint8 NHWC in that order (a stored run's subset too). */
export function gatherImages(test: ImageSet, indices: ArrayLike<number>): Uint8Array {
  const px = test.height * test.width * test.channels;
  const out = new Uint8Array(indices.length * px);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    out.set(test.images.subarray(i * px, (i + 1) * px), b * px);
  }
  return out;
}

export class EmbedSet {
  readonly indices: Int32Array;
  readonly labels: Uint8Array;
  readonly size: number;
  /** The images in chunks of at most 500 (bounded activation memory), and all one-hot labels. */
  readonly chunks: tf.Tensor4D[];
  readonly y: tf.Tensor2D;
  private readonly test: ImageSet;

  constructor(test: ImageSet, numClasses: number, requested: number, seed: number) {
    this.test = test;
    this.indices = balancedSubset(test.labels, numClasses, requested, seed);
    this.size = this.indices.length;
    this.labels = Uint8Array.from(this.indices, (i) => test.labels[i]!);
    this.chunks = [];
    for (let s = 0; s < this.size; s += CHUNK) {
      this.chunks.push(imagesToTensor(test, this.indices.subarray(s, s + CHUNK)));
    }
    this.y = labelsToOneHot(test.labels, this.indices, numClasses);
  }

  /** The subset's images, uint8 NHWC, for the hover readout and the mistakes gallery. */
  images(): Uint8Array {
    return gatherImages(this.test, this.indices);
  }

  dispose(): void {
    tf.dispose([...this.chunks, this.y]);
  }
}
