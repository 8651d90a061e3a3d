/**
 * The matching loss's kernels on the cpu backend as typed-array loops (matchingKernels.ts):
 * pairwise squared distances, per-class MMD² from float64 sums over same-class pairs, and the
 * gradient written per pair. Pure functions over flat arrays.
 */
import type { Values } from './registry';

/** Rows < m1 are S1; numClasses classes. */
export interface PairAttrs {
  m1: number;
  numClasses: number;
}

export function pairwiseSqDistLoop(h: Values, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    // The diagonal too: 0, or NaN for a row with a NaN or ±∞, which then reaches the loss
    // (through its class's sums) as in the composite and the WGSL, so that the guard sees it.
    let self = 0;
    for (let f = 0; f < dim; f++) {
      const t = h[i * dim + f]! - h[i * dim + f]!;
      self += t * t;
    }
    out[i * n + i] = self;
    for (let j = i + 1; j < n; j++) {
      let acc = 0;
      for (let f = 0; f < dim; f++) {
        const t = h[i * dim + f]! - h[j * dim + f]!;
        acc += t * t;
      }
      out[i * n + j] = acc;
      out[j * n + i] = acc;
    }
  }
  return out;
}

/** K_ij = exp(D_ij · fround(−1/σ)), kept in float64 (the sums cancel to a small MMD²). */
const kernelValue = (dij: number, negInv: number) => Math.exp(Math.fround(dij * negInv));

export function classMmd2Loop(
  d: Values,
  sigma: number,
  cls: Values,
  { m1, numClasses: c, unbiased }: PairAttrs & { unbiased: boolean },
): Float32Array {
  const n = cls.length;
  const negInv = Math.fround(-1 / sigma);
  // Per class: [s11, s22, s12, n, m]. Same-class pairs only (about 1/C of them).
  const acc = new Float64Array(5 * c);
  for (let i = 0; i < n; i++) {
    const ci = cls[i]!;
    const first = i < m1;
    acc[5 * ci + (first ? 3 : 4)]!++;
    for (let j = first ? 0 : m1; j < n; j++) {
      if (cls[j] !== ci) continue;
      const block = first ? (j < m1 ? 0 : 2) : 1;
      acc[5 * ci + block]! += kernelValue(d[i * n + j]!, negInv);
    }
  }
  const out = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const s = 5 * k;
    out[k] = mmd2Of(acc[s]!, acc[s + 1]!, acc[s + 2]!, acc[s + 3]!, acc[s + 4]!, unbiased);
  }
  return out;
}

/** MMD² from a class's kernel sums and counts (the plan's normalisers and shifts). */
function mmd2Of(s11: number, s22: number, s12: number, n: number, m: number, unbiased: boolean) {
  const within = (s: number, k: number) =>
    unbiased ? (s - k) / Math.max(1, k * (k - 1)) : s / Math.max(1, k * k);
  return within(s11, n) + within(s22, m) - (2 * s12) / Math.max(1, n * m);
}

export function matchingGradientLoop(
  h: Values,
  dim: number,
  d: Values,
  sigma: number,
  cls: Values,
  coef: Values,
  { m1, numClasses: c }: PairAttrs,
): Float32Array {
  const n = cls.length;
  const negInv = Math.fround(-1 / sigma);
  const out = new Float32Array(n * dim);
  const acc = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const ci = cls[i]!;
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i || cls[j] !== ci) continue;
      const first = (i < m1 ? 1 : 0) + (j < m1 ? 1 : 0);
      const w = first === 2 ? 2 * coef[ci]! : first === 0 ? 2 * coef[c + ci]! : coef[2 * c + ci]!;
      const sij = w * kernelValue(d[i * n + j]!, negInv);
      for (let f = 0; f < dim; f++) acc[f]! += sij * (h[i * dim + f]! - h[j * dim + f]!);
    }
    for (let f = 0; f < dim; f++) out[i * dim + f] = acc[f]!;
  }
  return out;
}
