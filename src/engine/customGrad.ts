/**
 * tf.customGrad with typed inputs. tfjs types a custom gradient's forward as taking
 * `Array<Tensor | GradSaveFunc>`, so a forward written with its real parameter types needs a
 * cast at every call; this helper holds the one cast. tfjs passes `save` after the inputs.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Keeps tensors for the backward pass (they reach `gradFunc` as `saved`). */
export type SaveFunc = (tensors: tf.Tensor[]) => void;

export interface GradResult<T extends tf.Tensor> {
  value: T;
  /** One gradient per input, in input order (a single tensor for a single input). */
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

/** `forward(...inputs, save)` with its written-out gradient; returns the differentiable op. */
export function customGrad<I extends tf.Tensor[], T extends tf.Tensor>(
  forward: (...args: [...I, SaveFunc]) => GradResult<T>,
): (...inputs: I) => T {
  return tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad<T>>[0]);
}
