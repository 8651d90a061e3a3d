/**
 * Cross-entropy and the paper's baselines (spec, "Baselines"): label smoothing and center loss.
 * The ITRA matching term lives in matching.ts.
 */
import * as tf from '@tensorflow/tfjs';

/** Mean cross-entropy of logits against one-hot (or smoothed) targets. */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar,
  );
}

/** Label-smoothing targets (Szegedy et al.): (1 − ε)·onehot + ε/K. */
export function smoothTargets(onehot: tf.Tensor2D, epsilon: number): tf.Tensor2D {
  return tf.tidy(
    () => tf.add(tf.mul(onehot, 1 - epsilon), epsilon / onehot.shape[1]) as tf.Tensor2D,
  );
}

/** Center loss (Wen et al.): ½ · mean_i ‖h_i − c_{y_i}‖². Centers carry no gradient here. */
export function centerLoss(h: tf.Tensor2D, onehot: tf.Tensor2D, centers: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const c = tf.matMul(onehot, centers); // row i: c_{y_i}
    return tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(h, c)), 1))) as tf.Scalar;
  });
}

/**
 * The center update after each step: for each class j in the batch,
 * c_j ← c_j − α · Σ_{i: y_i=j}(c_j − h_i) / (1 + n_j). Returns the new centers.
 */
export function updatedCenters(
  centers: tf.Tensor2D,
  h: tf.Tensor2D,
  onehot: tf.Tensor2D,
  alpha: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const n = tf.reshape(tf.sum(onehot, 0), [-1, 1]); // C×1
    const sumH = tf.matMul(onehot, h, true, false); // C×d: Σ_{y_i=j} h_i
    const delta = tf.div(tf.sub(tf.mul(n, centers), sumH), tf.add(n, 1));
    return tf.sub(centers, tf.mul(alpha, delta)) as tf.Tensor2D;
  });
}
