/**
 * The discriminability loss (Gini + KL) against ../shared/golden/discern_cases.json (float64
 * references from the authors' formulas): the values, P, q, t, both gradients (the written-out
 * one and tfjs's autodiff of the plain ops), and the spec's edge cases.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SHARED_DIR, SKIP_NO_SHARED } from '../../test/shared';
import { DISCERN_EPS, discernLoss, discernPlan, discernTerms } from './discern';

interface DiscernCase {
  name: string;
  K: number;
  H: number[][];
  y: number[];
  gini: number;
  kl: number;
  P: number[][];
  q: number[];
  t: number[];
  dGini_dH: number[][];
  dKL_dH: number[][];
}

const FILE = resolve(SHARED_DIR, 'golden/discern_cases.json');
const hasCases = existsSync(FILE);
const golden = hasCases ? JSON.parse(readFileSync(FILE, 'utf8')) : { cases: [], eps: 0 };
const cases: DiscernCase[] = golden.cases;

/**
 * Float32 tolerances: values within 1e-5 absolute + 1e-4 relative; gradients as
 * max |g − g_ref| / max(max |g_ref|, 1e-4) < 1e-3 (entries are differences of O(1/D) terms;
 * the one-hot case's gradients are ~1e-10, where float32 autodiff leaves ~3e-8).
 */
const VALUE_ATOL = 1e-5;
const VALUE_RTOL = 1e-4;
const GRAD_REL = 1e-3;

function close(actual: number, expected: number, what: string) {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    VALUE_ATOL + VALUE_RTOL * Math.abs(expected),
  );
}

function gradClose(actual: ArrayLike<number>, expected: number[][], what: string) {
  const flat = expected.flat();
  const scale = Math.max(1e-4, ...flat.map(Math.abs));
  let worst = 0;
  flat.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(actual[i]! - e));
  });
  expect(worst / scale, `${what}: worst error ${worst} at scale ${scale}`).toBeLessThan(GRAD_REL);
}

/** The gradient of λ_g·Gini + λ_k·KL w.r.t. H, written out and by autodiff. */
function gradients(c: DiscernCase, lg: number, lk: number) {
  return tf.tidy(() => {
    const h = tf.tensor2d(c.H);
    const plan = discernPlan(Int32Array.from(c.y), c.K);
    const written = tf.grad((x: tf.Tensor) => discernLoss(x as tf.Tensor2D, plan, lg, lk))(h);
    const auto = tf.grad((x: tf.Tensor) => {
      const t = discernTerms(x as tf.Tensor2D, plan);
      return tf.add(tf.mul(lg, t.gini), tf.mul(lk, t.kl));
    })(h);
    return { written: written.dataSync().slice(), auto: auto.dataSync().slice() };
  });
}

describe.skipIf(!hasCases)('discriminability loss: golden cases', () => {
  it(`has the spec's ε and six cases ${hasCases ? '' : SKIP_NO_SHARED}`, () => {
    expect(golden.eps).toBe(DISCERN_EPS);
    expect(cases.map((c) => c.name)).toEqual([
      'small',
      'absent-class',
      'dead-feature',
      'one-hot-features',
      'signed-features',
      'batch64-k10-d128',
    ]);
  });

  for (const c of cases) {
    it(`${c.name}: Gini, KL, t and the value of the combined loss`, () => {
      const [gini, kl, value, t] = tf.tidy(() => {
        const h = tf.tensor2d(c.H);
        const plan = discernPlan(Int32Array.from(c.y), c.K);
        const terms = discernTerms(h, plan);
        return [
          terms.gini.dataSync()[0]!,
          terms.kl.dataSync()[0]!,
          discernLoss(h, plan, 0.3, 0.7).dataSync()[0]!,
          plan.target.dataSync().slice(),
        ];
      });
      close(gini, c.gini, 'Gini');
      close(kl, c.kl, 'KL');
      close(value, 0.3 * c.gini + 0.7 * c.kl, '0.3·Gini + 0.7·KL');
      c.t.forEach((tk, k) => close(t[k]!, tk, `t[${k}]`));
    });

    it(`${c.name}: P and q`, () => {
      const [P, q] = tf.tidy(() => {
        // P and q as the loss computes them: through the same plan and ops.
        const h = tf.tensor2d(c.H);
        const plan = discernPlan(Int32Array.from(c.y), c.K);
        const M = tf.matMul(plan.averaging, tf.abs(h), true, false);
        const Pm = tf.div(M, tf.add(tf.sum(M, 0, true), DISCERN_EPS));
        const u = tf.sum(Pm, 1);
        const qv = tf.div(tf.add(u, DISCERN_EPS), tf.sum(u));
        return [tf.transpose(Pm).arraySync() as number[][], qv.arraySync() as number[]];
      });
      c.P.forEach((row, d) => row.forEach((v, k) => close(P[d]![k]!, v, `P[${d}][${k}]`)));
      c.q.forEach((v, k) => close(q[k]!, v, `q[${k}]`));
    });

    it(`${c.name}: dGini/dH and dKL/dH, written out and by autodiff`, () => {
      const g = gradients(c, 1, 0);
      gradClose(g.written, c.dGini_dH, 'dGini/dH (written out)');
      gradClose(g.auto, c.dGini_dH, 'dGini/dH (autodiff)');
      const k = gradients(c, 0, 1);
      gradClose(k.written, c.dKL_dH, 'dKL/dH (written out)');
      gradClose(k.auto, c.dKL_dH, 'dKL/dH (autodiff)');
    });
  }

  it('absent class: its column of P is 0 and its t is 0', () => {
    const c = cases.find((x) => x.name === 'absent-class')!;
    const absent = [...Array(c.K).keys()].filter((k) => !c.y.includes(k));
    expect(absent.length).toBeGreaterThan(0);
    for (const k of absent) {
      expect(c.t[k]).toBe(0);
      for (const row of c.P) expect(row[k]).toBe(0);
    }
  });

  it('dead feature: impurity 1 and no gradient on its column', () => {
    const c = cases.find((x) => x.name === 'dead-feature')!;
    const dead = c.H[0]!.map((_, d) => d).filter((d) => c.H.every((row) => row[d] === 0));
    expect(dead.length).toBeGreaterThan(0);
    const D = c.H[0]!.length;
    const g = gradients(c, 1, 1).written;
    for (const d of dead) {
      for (let i = 0; i < c.H.length; i++) expect(Math.abs(g[i * D + d]!)).toBe(0);
      for (const v of c.P[d]!) expect(v).toBe(0);
    }
  });
});

describe('discriminability loss: behaviour without golden files', () => {
  it('one-hot features give Gini ≈ 0; a feature firing equally for two classes gives 0.5', () => {
    const [oneHot, half] = tf.tidy(() => {
      const labels = Int32Array.from([0, 0, 1, 1]);
      const plan = discernPlan(labels, 2);
      const a = discernTerms(
        tf.tensor2d([
          [3, 0],
          [2, 0],
          [0, 1],
          [0, 4],
        ]),
        plan,
      ).gini;
      const b = discernTerms(tf.tensor2d([[1], [1], [1], [1]]), plan).gini;
      return [a.dataSync()[0]!, b.dataSync()[0]!];
    });
    expect(oneHot).toBeLessThan(1e-6);
    expect(half).toBeCloseTo(0.5, 6);
  });

  it('creates no tensors beyond its result', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const plan = discernPlan(Int32Array.from([0, 1, 2, 1]), 3);
      const h = tf.randomNormal([4, 5]) as tf.Tensor2D;
      tf.grad((x: tf.Tensor) => discernLoss(x as tf.Tensor2D, plan, 0.5, 0.5))(h);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
