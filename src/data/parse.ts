/**
 * The single entry from raw official files to DatasetSplits, used by the worker and the
 * CLI: decompresses, unpacks, validates and parses; carves a split when asked to.
 */

import { md5 } from 'hash-wasm';
import { cifarBatchesFromTar, concatImageSets, parseCifarBatch } from './cifar.ts';
import type { DatasetId, DatasetSamples, DatasetSplits, ImageSet } from './dataset.ts';
import { DatasetError } from './errors.ts';
import { gunzip, isGzip, maybeGunzip } from './gunzip.ts';
import { parseIdxPair } from './idx.ts';
import {
  CIFAR_TEST_BATCH,
  CIFAR_TRAIN_BATCHES,
  type DatasetFile,
  type DatasetInfo,
  type FileSlot,
  getDataset,
  matchOfficialName,
  maxRawBytes,
} from './registry.ts';
import { carveSplit } from './split.ts';

export interface ParseInput {
  id: DatasetId | string;
  /** Official file names (any folder prefix, .gz or decompressed) to bytes. */
  files: Record<string, Uint8Array | ArrayBuffer>;
  /** When only one split is present, carve train/test from it instead of failing. */
  carve?: boolean;
  /** Carve with a seeded shuffle; omitted: first 80% train, last 20% test in file order. */
  seed?: number;
  /** Carve fraction for train, default 0.8. */
  trainFraction?: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const toBytes = (b: Uint8Array | ArrayBuffer) => (b instanceof Uint8Array ? b : new Uint8Array(b));

export async function parseDatasetFiles(raw: ParseInput): Promise<DatasetSplits> {
  const info = getDataset(raw.id);
  const files = Object.entries(raw.files).map(([name, bytes]) => ({ name, bytes: toBytes(bytes) }));
  const parts =
    info.format === 'idx' ? await idxSplits(info, files) : await cifarSplits(info, files);
  const base = { id: info.id, numClasses: info.numClasses };
  if (parts.train && parts.test) {
    return {
      ...base,
      train: parts.train,
      test: parts.test,
      split: 'official',
      splitNote: parts.note,
    };
  }
  const present = parts.train ? 'train' : parts.test ? 'test' : undefined;
  const set = parts.train ?? parts.test;
  if (!set || !present) {
    throw new DatasetError(
      'missing-file',
      `${info.name}: no complete split. Missing: ${parts.missingTrain.concat(parts.missingTest).join(', ')}.`,
      { file: parts.missingTrain[0] ?? parts.missingTest[0] },
    );
  }
  const missing = present === 'train' ? parts.missingTest : parts.missingTrain;
  if (!raw.carve) {
    throw new DatasetError(
      'missing-file',
      `${info.name}: only the ${present} split is present; missing ${missing.join(', ')}. ` +
        `Add the missing files, or carve a train/test split from the ${present} split ` +
        `(in the app: "Carve a split"; in code: carve: true).`,
      { file: missing[0], hint: 'The split can be carved from the files that are present.' },
    );
  }
  const carved = carveSplit(set, { seed: raw.seed, trainFraction: raw.trainFraction });
  return {
    ...base,
    train: carved.train,
    test: carved.test,
    split: 'carved',
    splitNote:
      `Carved from ${info.name} ${parts.sourceName[present]} (${fmt(set.count)} images): ${carved.method}. ` +
      `Official ${present === 'train' ? 'test' : 'train'} files absent (${missing.join(', ')}).`,
  };
}

interface Parts {
  train?: ImageSet;
  test?: ImageSet;
  missingTrain: string[];
  missingTest: string[];
  /** Name of each split's source, for notes ("t10k", "test_batch.bin"). */
  sourceName: { train: string; test: string };
  note?: string;
}

async function idxSplits(
  info: DatasetInfo,
  files: { name: string; bytes: Uint8Array }[],
): Promise<Parts> {
  const bySlot = new Map<FileSlot, { name: string; bytes: Uint8Array; file: DatasetFile }>();
  for (const f of files) {
    const m = matchOfficialName(info.id, f.name);
    if (m && !bySlot.has(m.file.slot)) bySlot.set(m.file.slot, { ...f, file: m.file });
  }
  const load = async (images: FileSlot, labels: FileSlot): Promise<ImageSet | undefined> => {
    const i = bySlot.get(images);
    const l = bySlot.get(labels);
    if (!i || !l) return undefined;
    return parseIdxPair(
      await maybeGunzip(i.bytes, i.name, i.file.maxRawBytes),
      await maybeGunzip(l.bytes, l.name, l.file.maxRawBytes),
      {
        imagesFile: i.name,
        labelsFile: l.name,
        height: info.height,
        width: info.width,
        numClasses: info.numClasses,
        datasetName: info.name,
      },
    );
  };
  const missing = (...slots: FileSlot[]) =>
    slots.filter((s) => !bySlot.has(s)).map((s) => info.files.find((f) => f.slot === s)!.name);
  return {
    train: await load('trainImages', 'trainLabels'),
    test: await load('testImages', 'testLabels'),
    missingTrain: missing('trainImages', 'trainLabels'),
    missingTest: missing('testImages', 'testLabels'),
    sourceName: { train: 'train', test: 't10k' },
  };
}

async function cifarSplits(
  info: DatasetInfo,
  files: { name: string; bytes: Uint8Array }[],
): Promise<Parts> {
  const batches = new Map<string, { bytes: Uint8Array; file: string }>();
  for (const f of files) {
    const m = matchOfficialName(info.id, f.name);
    if (!m) continue;
    if (m.batch) {
      batches.set(m.batch, {
        bytes: await maybeGunzip(f.bytes, f.name, maxRawBytes(info.id, f.name)),
        file: f.name,
      });
    } else {
      const tar = await maybeGunzip(f.bytes, f.name, m.file.maxRawBytes);
      for (const [name, bytes] of cifarBatchesFromTar(tar, f.name)) {
        if (!batches.has(name)) batches.set(name, { bytes, file: `${f.name}: ${name}` });
      }
    }
  }
  const trainNames = CIFAR_TRAIN_BATCHES.filter((n) => batches.has(n));
  const trainSets = trainNames.map((n) => {
    const b = batches.get(n)!;
    return parseCifarBatch(b.bytes, b.file, info.numClasses);
  });
  const testBatch = batches.get(CIFAR_TEST_BATCH);
  const train = trainSets.length > 0 ? concatImageSets(trainSets) : undefined;
  const test = testBatch
    ? parseCifarBatch(testBatch.bytes, testBatch.file, info.numClasses)
    : undefined;
  const archive = info.files[0].name;
  const partial = train && trainNames.length < CIFAR_TRAIN_BATCHES.length;
  return {
    train,
    test,
    missingTrain: train ? [] : [`${archive} (or data_batch_1..5.bin)`],
    missingTest: test ? [] : [`${archive} (or ${CIFAR_TEST_BATCH})`],
    sourceName: { train: trainNames.join('+'), test: CIFAR_TEST_BATCH },
    note: partial
      ? `Train set is ${trainNames.join(', ')} only (${fmt(train.count)} of ${fmt(info.trainSize)} images).`
      : undefined,
  };
}

/**
 * A few train images per class, class-major (class 0's images, then class 1's, …), taken
 * in file order. A class with fewer than `perClass` images leaves its remaining slots black.
 */
export function datasetSamples(splits: DatasetSplits, perClass: number): DatasetSamples {
  const { train, numClasses } = splits;
  const per = train.height * train.width * train.channels;
  const images = new Uint8Array(numClasses * perClass * per);
  const filled = new Int32Array(numClasses);
  let remaining = numClasses * perClass;
  for (let i = 0; i < train.count && remaining > 0; i++) {
    const c = train.labels[i];
    if (filled[c] >= perClass) continue;
    images.set(train.images.subarray(i * per, (i + 1) * per), (c * perClass + filled[c]) * per);
    filled[c]++;
    remaining--;
  }
  return { perClass, height: train.height, width: train.width, channels: train.channels, images };
}

export type Verification =
  /** The compressed file matches the publisher's MD5. */
  | { status: 'official'; md5: string }
  /** The decompressed bytes match a known MD5 (recompressed or uncompressed copy). */
  | { status: 'content'; md5: string }
  /** No checksum applies (e.g. KMNIST train images decompressed, loose CIFAR batches). */
  | { status: 'unverified'; md5: string; reason: string };

/**
 * Checks one file against the registry. `strict` (downloads from the publisher) demands the
 * official compressed MD5; otherwise (imports, opened files) a known MD5 of the decompressed
 * bytes also counts, and files no checksum covers pass as 'unverified' (parsing still
 * validates them). A known checksum that does not match throws DatasetError('checksum').
 */
export async function verifyDatasetFile(
  id: DatasetId,
  name: string,
  data: Uint8Array | ArrayBuffer,
  opts: {
    strict?: boolean /** MD5 of `data` when already computed (as it arrived). */;
    md5?: string;
    /** The MD5 function: hash-wasm by default; Node passes node:crypto's. */
    md5Of?: (b: Uint8Array) => string | Promise<string>;
  } = {},
): Promise<Verification> {
  const bytes = toBytes(data);
  const info = getDataset(id);
  const m = matchOfficialName(id, name);
  const hash = opts.md5Of ?? md5;
  const digest = opts.md5 ?? (await hash(bytes));
  if (!m)
    return { status: 'unverified', md5: digest, reason: `not an official ${info.name} file name` };
  const { file } = m;
  if (isGzip(bytes) && !m.batch && digest === file.md5) return { status: 'official', md5: digest };
  const mismatch = (got: string, want: string, what: string) =>
    new DatasetError(
      'checksum',
      `${name} failed the checksum check: MD5 of the ${what} is ${got}, expected ${want}. ` +
        'The file is damaged or not the official one; delete it and get it again.',
      { file: name },
    );
  if (opts.strict) throw mismatch(digest, file.md5, 'file');
  if (m.batch) {
    return {
      status: 'unverified',
      md5: digest,
      reason: 'no published checksum for single batches',
    };
  }
  if (file.rawMd5) {
    const content = isGzip(bytes) ? await gunzip(bytes, name, file.maxRawBytes) : bytes;
    const got = content === bytes ? digest : await hash(content);
    if (got !== file.rawMd5) throw mismatch(got, file.rawMd5, 'decompressed bytes');
    return { status: 'content', md5: got };
  }
  return {
    status: 'unverified',
    md5: digest,
    reason: isGzip(bytes)
      ? 'differs from the official .gz and no checksum of the decompressed bytes is known'
      : 'no checksum of the decompressed bytes is known',
  };
}
