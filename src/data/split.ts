/**
 * Carving a train/test split out of one official split, for datasets where only one is
 * at hand (the KMNIST test split alone). Deterministic: no seed means "first part train,
 * last part test" in file order; a seed means a seeded shuffle first (same seed, same split).
 */
import { Rng } from '../util/rng.ts';
import type { ImageSet } from './dataset.ts';

export interface CarveOptions {
  /** Fraction of the images that go to train, default 0.8 (KMNIST t10k: 8,000 / 2,000). */
  trainFraction?: number;
  /** Shuffle with this seed before cutting; omitted: cut in file order. */
  seed?: number;
}

export interface Carved {
  train: ImageSet;
  test: ImageSet;
  /** How the cut was made, e.g. "first 8,000 → train, last 2,000 → test". */
  method: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** The images at `indices`, in that order, as a new set. */
export function subsetImageSet(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const per = set.height * set.width * set.channels;
  const n = indices.length;
  const images = new Uint8Array(n * per);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    images.set(set.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = set.labels[j];
  }
  return { ...set, images, labels, count: n };
}

function range(from: number, to: number): Int32Array {
  const a = new Int32Array(to - from);
  for (let i = 0; i < a.length; i++) a[i] = from + i;
  return a;
}

export function carveSplit(set: ImageSet, opts: CarveOptions = {}): Carved {
  const fraction = opts.trainFraction ?? 0.8;
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`trainFraction must be in (0, 1), got ${fraction}`);
  const nTrain = Math.round(set.count * fraction);
  const nTest = set.count - nTrain;
  if (opts.seed === undefined) {
    return {
      train: subsetImageSet(set, range(0, nTrain)),
      test: subsetImageSet(set, range(nTrain, set.count)),
      method: `first ${fmt(nTrain)} → train, last ${fmt(nTest)} → test`,
    };
  }
  const perm = new Rng(opts.seed).permutation(set.count);
  // Keep file order inside each part: only membership depends on the seed.
  const train = perm.slice(0, nTrain).sort();
  const test = perm.slice(nTrain).sort();
  return {
    train: subsetImageSet(set, train),
    test: subsetImageSet(set, test),
    method: `seeded shuffle (seed ${opts.seed}): ${fmt(nTrain)} → train, ${fmt(nTest)} → test`,
  };
}
