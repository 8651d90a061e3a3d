/**
 * Per-class views of a model: the confusion matrix (rows = true class, columns = predicted,
 * counts) and per-class accuracy over the eval subset, and per-class normalized intra-class
 * distance and a silhouette score on the embedding subset's features. The tensor parts run on
 * the training backend inside the eval step's tidy; the JS parts read the packed values.
 */
import * as tf from '@tensorflow/tfjs-core';

/** [K, K] counts: yᵀ · onehot(argmax logits). Call inside tf.tidy. */
export function confusionTensor(y: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor2D {
  const k = y.shape[1];
  const pred = tf.cast(tf.oneHot(tf.argMax(logits, 1), k), 'float32') as tf.Tensor2D;
  return tf.matMul(y, pred, true, false);
}

/** Rows (true class) of flat K×K counts as whole numbers. */
export function confusionRows(flat: ArrayLike<number>, k: number): number[][] {
  return Array.from({ length: k }, (_, r) =>
    Array.from({ length: k }, (_, c) => Math.round(flat[r * k + c]!)),
  );
}

/** Accuracy of class r = C[r][r] / Σ_c C[r][c]; null for a class absent from the subset. */
export function perClassAccuracy(confusion: readonly number[][]): Array<number | null> {
  return confusion.map((row, r) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n > 0 ? row[r]! / n : null;
  });
}

/** trace / sum: the accuracy the confusion matrix reports (the point's testAcc). */
export function confusionAccuracy(confusion: readonly number[][]): number | null {
  let correct = 0;
  let total = 0;
  confusion.forEach((row, r) => {
    row.forEach((v, c) => {
      total += v;
      if (r === c) correct += v;
    });
  });
  return total > 0 ? correct / total : null;
}

/**
 * [K + 1]: per-class normalized intra-class distance, then the mean silhouette, of features h
 * ([N, D]) with one-hot labels y ([N, K]). Over pairs i ≠ j, d = Euclidean distance:
 * intra_k = mean d over same-class pairs of class k / mean d over all pairs (NaN for a class
 * with fewer than 2 images); silhouette s_i = (b_i − a_i) / max(a_i, b_i), a_i the mean d to the
 * rest of i's class, b_i the least mean d to another class (0 where both are 0). Call inside tidy.
 */
export function classDistanceTensor(h: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  const n = h.shape[0];
  const sq = tf.sum(tf.square(h), 1, true);
  const d2 = tf.relu(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(2, tf.matMul(h, h, false, true))));
  const offDiag = tf.sub(1, tf.eye(n));
  const d = tf.mul(tf.sqrt(d2), offDiag) as tf.Tensor2D;
  const counts = tf.sum(y, 0); // [K]
  const toClass = tf.matMul(d, y); // [N, K]: summed distance from i to each class
  const classSums = tf.sum(tf.mul(tf.matMul(y, toClass, true, false), tf.eye(y.shape[1])), 1);
  const pairs = tf.mul(counts, tf.sub(counts, 1));
  const meanAll = tf.div(tf.sum(d), Math.max(1, n * (n - 1)));
  const intra = tf.div(tf.div(classSums, pairs), meanAll); // NaN/Inf where pairs = 0
  // Silhouette: own-class mean excludes i itself.
  const own = tf.sum(tf.mul(toClass, y), 1);
  const ownCount = tf.sum(tf.mul(tf.sub(counts, 1), y), 1);
  const a = tf.div(own, tf.maximum(ownCount, 1));
  const meanTo = tf.div(toClass, tf.maximum(counts, 1));
  const big = tf.mul(tf.add(tf.max(d), 1), tf.add(y, tf.cast(tf.equal(counts, 0), 'float32')));
  const b = tf.min(tf.add(meanTo, big), 1);
  const denom = tf.maximum(a, b);
  const s = tf.where(
    tf.greater(denom, 0),
    tf.div(tf.sub(b, a), tf.maximum(denom, 1e-30)),
    tf.zerosLike(a),
  );
  return tf.concat([intra, tf.reshape(tf.mean(s), [1])]) as tf.Tensor1D;
}
