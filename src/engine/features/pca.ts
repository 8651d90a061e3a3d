/**
 * PCA to 2-D on the training backend. The top-2 eigenvectors of the feature covariance C come
 * from power iteration on C^64 (six trace-normalised squarings, so no eigenvalue under- or
 * overflows) with deflation, started from the previous frame's basis; a Rayleigh–Ritz step in
 * JS (a 2×2 symmetric eigenproblem) then orders the two axes by variance. Nothing here reads the GPU:
 * the caller packs `xy`, `ritz` and `totalVar` into its single eval read.
 */
import * as tf from '@tensorflow/tfjs-core';

const SQUARINGS = 6;
const ITERATIONS = 3;
/** A pull towards the previous basis, so that an all-zero covariance keeps a usable basis. */
const WARM_PULL = 1e-6;

export interface PcaTensors {
  /** [N, 2]: the centred features in the (unordered) top-2 basis. */
  xy: tf.Tensor2D;
  /** [D, 2]: that basis (orthonormal columns), for the next frame's warm start. */
  basis: tf.Tensor2D;
  /** [2, 2]: BᵀCB, the covariance within the basis (Rayleigh–Ritz). */
  ritz: tf.Tensor2D;
  /** Trace of C: the total variance (0 for collapsed features). */
  totalVar: tf.Scalar;
}

function orthonormalise(z: tf.Tensor2D): tf.Tensor2D {
  const [z1, z2] = tf.split(z, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  const q1 = tf.div(z1, tf.add(tf.norm(z1), 1e-30));
  const z2o = tf.sub(z2, tf.mul(tf.sum(tf.mul(q1, z2)), q1));
  const q2 = tf.div(z2o, tf.add(tf.norm(z2o), 1e-30));
  return tf.concat([q1, q2], 1) as tf.Tensor2D;
}

const trace = (m: tf.Tensor2D) => tf.sum(tf.mul(m, tf.eye(m.shape[0]))) as tf.Scalar;

/** The dominant eigenvector of the symmetric PSD `c` ([D, 1]), by power iteration on c^64. */
function topVector(c: tf.Tensor2D, start: tf.Tensor2D): tf.Tensor2D {
  let m = tf.div(c, tf.add(trace(c), 1e-30)) as tf.Tensor2D;
  for (let i = 0; i < SQUARINGS; i++) {
    const m2 = tf.matMul(m, m) as tf.Tensor2D;
    m = tf.div(m2, tf.add(trace(m2), 1e-30)) as tf.Tensor2D;
  }
  let q = start;
  for (let i = 0; i < ITERATIONS; i++) {
    const z = tf.add(tf.matMul(m, q), tf.mul(WARM_PULL, start));
    q = tf.div(z, tf.add(tf.norm(z), 1e-30)) as tf.Tensor2D;
  }
  return q;
}

/**
 * Call inside tf.tidy. `warm`: [D, 2] with orthonormal columns (the previous basis). The first
 * axis is the dominant eigenvector of C; the second that of C deflated by the first
 * (C − λ1 q1 q1ᵀ), so each is a one-vector problem that float32 powers resolve.
 */
export function pcaTensors(h: tf.Tensor2D, warm: tf.Tensor2D): PcaTensors {
  const n = Math.max(1, h.shape[0]);
  const hc = tf.sub(h, tf.mean(h, 0, true)) as tf.Tensor2D;
  const cov = tf.div(tf.matMul(hc, hc, true, false), n) as tf.Tensor2D;
  const totalVar = trace(cov);
  const [w1, w2] = tf.split(warm, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  const q1 = topVector(cov, w1);
  const l1 = tf.sum(tf.mul(q1, tf.matMul(cov, q1)));
  const deflated = tf.sub(cov, tf.mul(l1, tf.matMul(q1, q1, false, true))) as tf.Tensor2D;
  const q2 = topVector(deflated, w2);
  const basis = orthonormalise(tf.concat([q1, q2], 1) as tf.Tensor2D);
  const ritz = tf.matMul(basis, tf.matMul(cov, basis), true, false) as tf.Tensor2D;
  return { xy: tf.matMul(hc, basis), basis, ritz, totalVar };
}

/** The seeded starting basis: two orthonormal columns of dimension `dim`. */
export function initialBasis(dim: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => orthonormalise(tf.randomNormal([dim, 2], 0, 1, 'float32', seed)));
}

export interface RitzAxes {
  /** Row-major [2, 2] rotation V: column j is axis j in the basis's coordinates. */
  v: [number, number, number, number];
  /** The variances along the two axes, largest first. */
  variances: [number, number];
}

/** Eigen-decomposition of the symmetric 2×2 [[a, b], [b, c]] (row-major), largest first. */
export function ritzAxes(t: ArrayLike<number>): RitzAxes {
  const a = t[0]!;
  const b = (t[1]! + t[2]!) / 2;
  const c = t[3]!;
  const th = 0.5 * Math.atan2(2 * b, a - c);
  const co = Math.cos(th);
  const si = Math.sin(th);
  const l1 = a * co * co + 2 * b * si * co + c * si * si;
  const l2 = a * si * si - 2 * b * si * co + c * co * co;
  return { v: [co, -si, si, co], variances: [l1, l2] };
}

/** xy (flat [N, 2]) times the row-major 2×2 `v`. */
export function rotate(xy: ArrayLike<number>, v: readonly number[]): Float64Array {
  const out = new Float64Array(xy.length);
  for (let i = 0; i < xy.length; i += 2) {
    const x = xy[i]!;
    const y = xy[i + 1]!;
    out[i] = x * v[0]! + y * v[2]!;
    out[i + 1] = x * v[1]! + y * v[3]!;
  }
  return out;
}

/**
 * The top-2 principal axes of `h` (rows = samples), read back: for tests and the bench.
 * The app never calls this (its reads are the eval step's packed one).
 */
export async function principalAxes(
  h: tf.Tensor2D,
  seed = 1,
): Promise<{ axes: Float64Array; variances: [number, number]; xy: Float64Array }> {
  const warm = initialBasis(h.shape[1], seed);
  const r = tf.tidy(() => {
    const p = pcaTensors(h, warm);
    return [p.basis, p.ritz, p.xy] as const;
  });
  const [basis, ritz, xy] = await Promise.all(r.map((t) => t.data()));
  tf.dispose([warm, ...r]);
  const ax = ritzAxes(ritz!);
  return { axes: rotate(basis!, ax.v), variances: ax.variances, xy: rotate(xy!, ax.v) };
}
