/**
 * Cross-entropy and the paper's baselines (spec, "Baselines"): label smoothing and center loss.
 * The ITRA matching term lives in matching.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customGrad, type SaveFunc } from './customGrad';

/**
 * Mean cross-entropy of logits against targets whose rows sum to 1 (one-hot or smoothed):
 * −1/m Σ_i Σ_k t_ik · log softmax(z_i)_k. One customGrad with the textbook gradient
 * (softmax(z) − t)/m: tfjs's tape over logSoftmax, mul, sum, mean and neg ran twice the kernels.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  const m = logits.shape[0];
  const f = customGrad((z: tf.Tensor2D, save: SaveFunc) => {
    const shifted = tf.sub(z, tf.max(z, 1, true));
    const logSoftmax = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
    save([logSoftmax, targets]);
    return {
      value: tf.mul(tf.sum(tf.mul(targets, logSoftmax)), -1 / m) as tf.Scalar,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [ls, t] = saved as tf.Tensor2D[];
        return tf.mul(tf.sub(tf.exp(ls!), t!), tf.mul(dy, 1 / m));
      },
    };
  });
  return f(logits);
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
