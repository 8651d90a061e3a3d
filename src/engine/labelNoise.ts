/**
 * Symmetric label noise: a fixed, seeded fraction of the training labels replaced by a
 * different class drawn uniformly from the other K − 1. Fixed for the run (drawn once), so both
 * twin sides and every epoch see the same corrupted labels; the test split stays clean.
 */
import type { Rng } from '../util/rng';

export interface NoisyLabels {
  labels: Uint8Array;
  /** How many labels were replaced (round(fraction · N)). */
  corrupted: number;
}

export function corruptLabels(
  labels: Uint8Array,
  numClasses: number,
  fraction: number,
  rng: Rng,
): NoisyLabels {
  if (!(fraction > 0) || numClasses < 2) return { labels, corrupted: 0 };
  const n = labels.length;
  const count = Math.min(n, Math.round(fraction * n));
  const out = labels.slice();
  const order = rng.permutation(n);
  for (let j = 0; j < count; j++) {
    const i = order[j]!;
    // One of the K − 1 other classes, uniformly.
    out[i] = (labels[i]! + 1 + rng.int(numClasses - 1)) % numClasses;
  }
  return { labels: out, corrupted: count };
}
