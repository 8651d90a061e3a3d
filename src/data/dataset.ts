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
