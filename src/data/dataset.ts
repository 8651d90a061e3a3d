/**
 * The in-memory form of a dataset, shared by the parsers, the worker and the engine.
 * Pixels stay uint8 (NHWC, row-major) until the engine builds a batch.
 */
/** Every dataset the playground knows, in the order the controls list them (the one list). */
export const DATASET_IDS = ['kmnist', 'fmnist', 'cifar10'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export interface ImageSet {
  /** count * height * width * channels bytes, NHWC. */
  images: Uint8Array;
  /** count bytes, each in [0, numClasses). */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export interface DatasetSplits {
  id: DatasetId;
  numClasses: number;
  train: ImageSet;
  test: ImageSet;
  /**
   * 'official': the publisher's train and test files.
   * 'carved': train and test were carved from one official split (see `carvedFrom`).
   */
  split: 'official' | 'carved';
  /** Human-readable note on how the split was made, e.g. "KMNIST t10k: first 8000 train, last 2000 test". */
  splitNote?: string;
}

/**
 * The official files of a dataset as raw bytes (still gzipped/tarred where the publisher
 * ships them that way), keyed by official file name. The buffers are transferred, not
 * copied; the worker decompresses, validates and parses them (parse.ts).
 */
export interface RawDatasetFiles {
  id: DatasetId;
  files: Record<string, ArrayBuffer>;
  /** Carve a seeded train/test split from the one split present (e.g. KMNIST test only). */
  carve?: boolean;
}

/** A few images per class for the sample viewer, uint8 NHWC. */
export interface DatasetSamples {
  perClass: number;
  height: number;
  width: number;
  channels: number;
  /** numClasses * perClass images, class-major. */
  images: Uint8Array;
}
