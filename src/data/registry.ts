/**
 * What the app knows about each dataset: where the publisher hosts it, the official file
 * names and checksums, the image shape and the class names. Pure data, safe anywhere.
 */
import { DATASET_IDS, type DatasetId } from './dataset.ts';

export { DATASET_IDS };

import { DatasetError } from './errors.ts';

export type FileSlot = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels' | 'archive';

export interface DatasetFile {
  slot: FileSlot;
  /** Official file name as published (compressed). */
  name: string;
  /** MD5 of the official compressed file, as the publisher lists it. */
  md5: string;
  /** Size in bytes of the official compressed file: a download is cut off past it. */
  bytes: number;
  /** Name of the decompressed file (what is inside the .gz). */
  rawName: string;
  /** Size in bytes of the decompressed file, where fixed by the format. */
  rawBytes?: number;
  /** Most bytes a decompression of this file may produce (a gzip bomb stops there). */
  maxRawBytes: number;
  /** MD5 of the decompressed bytes, where known; lets recompressed copies be verified. */
  rawMd5?: string;
}

export interface Mirror {
  /** URL prefix; the file URL is `base + file.name`. */
  base: string;
  /** https and sends CORS headers, so a page may fetch it directly. */
  browser: boolean;
  label: string;
}

export interface DatasetInfo {
  id: DatasetId;
  name: string;
  /** The short name of run names, the controls and tables (KMNIST for Kuzushiji-MNIST). */
  shortName: string;
  homepage: string;
  format: 'idx' | 'cifar-bin';
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  /** Display names, index = label. KMNIST: the hiragana. */
  classNames: readonly string[];
  /** Latin transcription of the class names where they are not Latin (KMNIST romaji). */
  classRomaji?: readonly string[];
  trainSize: number;
  testSize: number;
  /** Official files; CIFAR-10 is one archive. */
  files: readonly DatasetFile[];
  /** Tried in order by the server-side downloader. */
  mirrors: readonly Mirror[];
}

type IdxSlot = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

const idxFiles = (
  md5: Record<IdxSlot, string>,
  bytes: Record<IdxSlot, number>,
  rawMd5: Partial<Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', string>>,
  trainSize: number,
  testSize: number,
  pixels: number,
): DatasetFile[] => [
  {
    slot: 'trainImages',
    name: 'train-images-idx3-ubyte.gz',
    rawName: 'train-images-idx3-ubyte',
    md5: md5.trainImages,
    bytes: bytes.trainImages,
    rawBytes: 16 + trainSize * pixels,
    maxRawBytes: 16 + trainSize * pixels,
    rawMd5: rawMd5.trainImages,
  },
  {
    slot: 'trainLabels',
    name: 'train-labels-idx1-ubyte.gz',
    rawName: 'train-labels-idx1-ubyte',
    md5: md5.trainLabels,
    bytes: bytes.trainLabels,
    rawBytes: 8 + trainSize,
    maxRawBytes: 8 + trainSize,
    rawMd5: rawMd5.trainLabels,
  },
  {
    slot: 'testImages',
    name: 't10k-images-idx3-ubyte.gz',
    rawName: 't10k-images-idx3-ubyte',
    md5: md5.testImages,
    bytes: bytes.testImages,
    rawBytes: 16 + testSize * pixels,
    maxRawBytes: 16 + testSize * pixels,
    rawMd5: rawMd5.testImages,
  },
  {
    slot: 'testLabels',
    name: 't10k-labels-idx1-ubyte.gz',
    rawName: 't10k-labels-idx1-ubyte',
    md5: md5.testLabels,
    bytes: bytes.testLabels,
    rawBytes: 8 + testSize,
    maxRawBytes: 8 + testSize,
    rawMd5: rawMd5.testLabels,
  },
];

export const DATASETS: Readonly<Record<DatasetId, DatasetInfo>> = {
  fmnist: {
    id: 'fmnist',
    name: 'Fashion-MNIST',
    shortName: 'Fashion-MNIST',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    format: 'idx',
    height: 28,
    width: 28,
    channels: 1,
    numClasses: 10,
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    trainSize: 60000,
    testSize: 10000,
    files: idxFiles(
      {
        trainImages: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
        trainLabels: '25c81989df183df01b3e8a0aad5dffbe',
        testImages: 'bef4ecab320f06d8554ea6380940ec79',
        testLabels: 'bb300cfdad3c16e7a12a480ee83cd310',
      },
      { trainImages: 26421880, trainLabels: 29515, testImages: 4422102, testLabels: 5148 },
      {
        trainImages: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
        trainLabels: '9018921c3c673c538a1fc5bad174d6f9',
        testImages: '8181f5470baa50b63fa0f6fddb340f0a',
        testLabels: '15d484375f8d13e6eb1aabb0c3f46965',
      },
      60000,
      10000,
      784,
    ),
    mirrors: [
      // GitHub raw: https with `Access-Control-Allow-Origin: *`, so the page can fetch it.
      {
        base: 'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
        browser: true,
        label: 'GitHub (zalandoresearch/fashion-mnist)',
      },
      // Plain http and no CORS: server-side only.
      {
        base: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
        browser: false,
        label: 'Zalando S3',
      },
    ],
  },
  kmnist: {
    id: 'kmnist',
    name: 'Kuzushiji-MNIST',
    shortName: 'KMNIST',
    homepage: 'https://github.com/rois-codh/kmnist',
    format: 'idx',
    height: 28,
    width: 28,
    channels: 1,
    numClasses: 10,
    classNames: ['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を'],
    classRomaji: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
    trainSize: 60000,
    testSize: 10000,
    files: idxFiles(
      {
        trainImages: 'bdb82020997e1d708af4cf47b453dcf7',
        trainLabels: 'e144d726b3acfaa3e44228e80efcd344',
        testImages: '5c965bf0a639b31b8f53240b1b52f4d7',
        testLabels: '7320c461ea6c1c855c0b718fb2a4b134',
      },
      { trainImages: 18165135, trainLabels: 29497, testImages: 3041136, testLabels: 5120 },
      {
        trainLabels: '949e75301f8813e0dc5800dcc320fc52',
        testImages: 'bf305b8cd328700fbc17f5acbc2856d2',
        testLabels: '9f55f451c0988b028eccdf7d5cc265ab',
      },
      60000,
      10000,
      784,
    ),
    // ROIS-DS CODH: plain http, no CORS: server-side only.
    mirrors: [
      {
        base: 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/',
        browser: false,
        label: 'ROIS-DS CODH',
      },
    ],
  },
  cifar10: {
    id: 'cifar10',
    name: 'CIFAR-10',
    shortName: 'CIFAR-10',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    format: 'cifar-bin',
    height: 32,
    width: 32,
    channels: 3,
    numClasses: 10,
    classNames: [
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ],
    trainSize: 50000,
    testSize: 10000,
    files: [
      {
        slot: 'archive',
        name: 'cifar-10-binary.tar.gz',
        rawName: 'cifar-10-binary.tar',
        md5: 'c32a1d4ab5d03f1284b67883e8d87530',
        bytes: 170052171,
        // The official tar holds six 30,730,000-byte batches and a few small files.
        maxRawBytes: 200 * 2 ** 20,
      },
    ],
    // https but no CORS headers: server-side only.
    mirrors: [
      { base: 'https://www.cs.toronto.edu/~kriz/', browser: false, label: 'University of Toronto' },
    ],
  },
};

/**
 * Hosts a download may be redirected to besides the mirror's own (always over https).
 * GitHub raw files can be served from its object store.
 */
export const REDIRECT_HOSTS: readonly string[] = [
  'objects.githubusercontent.com',
  'media.githubusercontent.com',
];

/** Largest output allowed when decompressing `name` (an official file's, else 200 MiB). */
export function maxRawBytes(id: DatasetId, name: string): number {
  const m = matchOfficialName(id, name);
  if (!m || m.batch) return 200 * 2 ** 20;
  return m.file.maxRawBytes;
}

export function isDatasetId(id: unknown): id is DatasetId {
  return typeof id === 'string' && (DATASET_IDS as readonly string[]).includes(id);
}

export function getDataset(id: string): DatasetInfo {
  if (!isDatasetId(id)) {
    throw new DatasetError(
      'unknown-dataset',
      `Unknown dataset "${id}". Known datasets: ${DATASET_IDS.join(', ')}.`,
    );
  }
  return DATASETS[id];
}

/** Official URLs of one file, in mirror order; `browserOnly` keeps those a page may fetch. */
export function officialUrls(id: DatasetId, fileName: string, browserOnly = false): string[] {
  return DATASETS[id].mirrors
    .filter((m) => !browserOnly || m.browser)
    .map((m) => m.base + fileName);
}

/** CIFAR-10 batch files inside the archive (`cifar-10-batches-bin/…`) or loose. */
export const CIFAR_TRAIN_BATCHES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
] as const;
export const CIFAR_TEST_BATCH = 'test_batch.bin';

/** Last path component, either separator. */
export function baseName(name: string): string {
  const i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return i >= 0 ? name.slice(i + 1) : name;
}

/**
 * The official file a user-supplied name stands for, or undefined. Accepts the .gz and the
 * decompressed name, any folder prefix, any case, and the common `train-images.idx3-ubyte`
 * spelling. CIFAR-10 also accepts the loose batch files (slot 'archive', `batch` set).
 */
export function matchOfficialName(
  id: DatasetId,
  name: string,
): { file: DatasetFile; compressed: boolean; batch?: string } | undefined {
  const base = baseName(name).toLowerCase();
  const info = DATASETS[id];
  if (info.format === 'cifar-bin') {
    const file = info.files[0];
    if (base === file.name || base === 'cifar-10-binary.tgz') return { file, compressed: true };
    if (base === file.rawName) return { file, compressed: false };
    if ((CIFAR_TRAIN_BATCHES as readonly string[]).includes(base) || base === CIFAR_TEST_BATCH) {
      return { file, compressed: false, batch: base };
    }
    return undefined;
  }
  const compressed = base.endsWith('.gz');
  const stem = (compressed ? base.slice(0, -3) : base).replace(/\.(idx[13]-ubyte)$/, '-$1');
  const file = info.files.find((f) => f.rawName === stem);
  return file ? { file, compressed } : undefined;
}
