/** Symmetric label noise: the fraction, never the original class, fixed by the seed. */
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../test/synthetic';
import { Rng } from '../util/rng';
import { BatchSampler, disposeBatch } from './batches';
import { corruptLabels } from './labelNoise';

const N = 60_000;
const labels = Uint8Array.from({ length: N }, (_, i) => (i * 7) % 10);

describe('label noise', () => {
  for (const fraction of [0.2, 0.4, 0.8]) {
    it(`corrupts ${fraction * 100}% of 60,000 labels (within 1%), none to its own class`, () => {
      const { labels: noisy, corrupted } = corruptLabels(labels, 10, fraction, new Rng(3));
      let changed = 0;
      for (let i = 0; i < N; i++) if (noisy[i] !== labels[i]) changed++;
      expect(Math.abs(changed / N - fraction)).toBeLessThan(0.01);
      // Every corrupted label differs from its original: the count of changes is the count drawn.
      expect(changed).toBe(corrupted);
      expect(corrupted).toBe(Math.round(fraction * N));
    });
  }

  it('spreads the new labels over the other classes', () => {
    const { labels: noisy } = corruptLabels(labels, 10, 0.5, new Rng(1));
    const moved = new Array(10).fill(0);
    for (let i = 0; i < N; i++) if (labels[i] === 0 && noisy[i] !== 0) moved[noisy[i]!]++;
    expect(moved[0]).toBe(0);
    const others = moved.slice(1);
    const mean = others.reduce((a, b) => a + b, 0) / 9;
    for (const c of others) expect(Math.abs(c - mean) / mean).toBeLessThan(0.15);
  });

  it('the same seed corrupts the same labels; another seed others', () => {
    const a = corruptLabels(labels, 10, 0.4, new Rng(9)).labels;
    const b = corruptLabels(labels, 10, 0.4, new Rng(9)).labels;
    const c = corruptLabels(labels, 10, 0.4, new Rng(10)).labels;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('0 leaves the labels as they are (the same array)', () => {
    expect(corruptLabels(labels, 10, 0, new Rng(1)).labels).toBe(labels);
  });

  it('the sampler trains on the noisy labels and leaves the data set’s labels clean', () => {
    const data = syntheticDataset(1000, 10);
    const clean = data.train.labels.slice();
    const s = new BatchSampler(data.train, 10, 50, 50, 2, { labelNoise: 0.4 });
    expect(s.corruptedLabels).toBe(400);
    expect(data.train.labels).toEqual(clean);
    // The batch streams do not depend on the noise: the same images as a clean sampler, with
    // about 40% of their labels changed.
    const cleanSampler = new BatchSampler(data.train, 10, 50, 50, 2);
    let seen = 0;
    let differ = 0;
    for (let step = 0; step < 20; step++) {
      const b = s.next();
      const c = cleanSampler.next();
      const y = b.y1.arraySync() as number[][];
      b.labels1.forEach((l, i) => {
        expect(y[i]![l]).toBe(1);
        seen++;
        if (l !== c.labels1[i]) differ++;
      });
      disposeBatch(b);
      disposeBatch(c);
    }
    expect(Math.abs(differ / seen - 0.4)).toBeLessThan(0.06);
    let wrong = 0;
    for (let i = 0; i < 1000; i++) if (s.labels[i] !== clean[i]) wrong++;
    expect(wrong).toBe(400);
  });
});
