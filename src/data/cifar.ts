/**
 * CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each record is
 * 1 label byte then 3,072 pixel bytes as three 32x32 planes (R, G, B). We convert to NHWC.
 */
import type { ImageSet } from './dataset.ts';
import { DatasetError } from './errors.ts';
import { baseName, CIFAR_TEST_BATCH, CIFAR_TRAIN_BATCHES } from './registry.ts';
import { readTar } from './tar.ts';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_RECORD = 1 + 3 * CIFAR_PIXELS;

const fmt = (n: number) => n.toLocaleString('en-US');

export function parseCifarBatch(bytes: Uint8Array, file: string, numClasses = 10): ImageSet {
  if (bytes.length === 0) throw new DatasetError('empty', `${file} is empty.`, { file });
  if (bytes.length % CIFAR_RECORD !== 0) {
    const c100 = bytes.length % (CIFAR_RECORD + 1) === 0;
    throw new DatasetError(
      'bad-record-length',
      `${file} is ${fmt(bytes.length)} bytes, not a whole number of ${fmt(CIFAR_RECORD)}-byte CIFAR-10 ` +
        `records (1 label + 3x32x32 pixels): ${(bytes.length / CIFAR_RECORD).toFixed(2)} records. ` +
        (c100
          ? 'Its size fits CIFAR-100 (3,074-byte records), which is a different dataset.'
          : 'The file is truncated or not a CIFAR-10 binary batch.'),
      { file },
    );
  }
  const count = bytes.length / CIFAR_RECORD;
  const labels = new Uint8Array(count);
  const images = new Uint8Array(count * 3 * CIFAR_PIXELS);
  for (let r = 0; r < count; r++) {
    const src = r * CIFAR_RECORD;
    const label = bytes[src];
    if (label >= numClasses) {
      throw new DatasetError(
        'label-range',
        `${file}: record ${fmt(r)} has label ${label}, out of range (classes are 0..${numClasses - 1}).`,
        { file },
      );
    }
    labels[r] = label;
    const rp = src + 1;
    const gp = rp + CIFAR_PIXELS;
    const bp = gp + CIFAR_PIXELS;
    let d = r * 3 * CIFAR_PIXELS;
    for (let p = 0; p < CIFAR_PIXELS; p++, d += 3) {
      images[d] = bytes[rp + p];
      images[d + 1] = bytes[gp + p];
      images[d + 2] = bytes[bp + p];
    }
  }
  return { images, labels, count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3 };
}

/** Concatenates image sets of one shape, in order. */
export function concatImageSets(sets: ImageSet[]): ImageSet {
  if (sets.length === 1) return sets[0];
  const [first] = sets;
  const count = sets.reduce((s, x) => s + x.count, 0);
  const per = first.height * first.width * first.channels;
  const images = new Uint8Array(count * per);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const s of sets) {
    images.set(s.images, n * per);
    labels.set(s.labels, n);
    n += s.count;
  }
  return { ...first, images, labels, count };
}

/**
 * The batch files inside a decompressed cifar-10-binary.tar, keyed by base name
 * (data_batch_1.bin … test_batch.bin); other entries are ignored.
 */
export function cifarBatchesFromTar(tar: Uint8Array, file: string): Map<string, Uint8Array> {
  const wanted = new Set<string>([...CIFAR_TRAIN_BATCHES, CIFAR_TEST_BATCH]);
  const out = new Map<string, Uint8Array>();
  for (const e of readTar(tar, file)) {
    const base = baseName(e.name);
    if (e.type === 'file' && wanted.has(base)) out.set(base, e.data);
  }
  if (out.size === 0) {
    throw new DatasetError(
      'missing-file',
      `${file} holds no CIFAR-10 batch files (data_batch_1.bin … test_batch.bin). ` +
        'Is it the binary version (cifar-10-binary.tar.gz), not the Python or MATLAB one?',
      { file },
    );
  }
  return out;
}
