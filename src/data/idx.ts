/**
 * Strict IDX parser (the MNIST family's format, http://yann.lecun.com/exdb/mnist/):
 * big-endian header, magic 0x00000803 for 3-D uint8 images, 0x00000801 for 1-D uint8 labels.
 * Every check names the file and says what is wrong, because a bad file here usually means
 * a truncated download or a file put in the wrong slot.
 */
import type { ImageSet } from './dataset.ts';
import { DatasetError } from './errors.ts';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const fmt = (n: number) => n.toLocaleString('en-US');
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function checkMagic(bytes: Uint8Array, file: string, want: 'images' | 'labels'): void {
  if (bytes.length < 4) {
    throw new DatasetError(
      'truncated',
      `${file} is only ${bytes.length} bytes: too short for an IDX header.`,
      {
        file,
      },
    );
  }
  const magic = u32(bytes, 0);
  const wantMagic = want === 'images' ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC;
  if (magic === wantMagic) return;
  const other = want === 'images' ? 'labels' : 'images';
  if (magic === (want === 'images' ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC)) {
    throw new DatasetError(
      'wrong-slot',
      `${file} is an IDX ${other} file (magic ${hex(magic)}), but it was given as the ${want} file. ` +
        `The images and labels files look swapped.`,
      { file },
    );
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DatasetError('bad-magic', `${file} is still gzip-compressed; decompress it first.`, {
      file,
    });
  }
  throw new DatasetError(
    'bad-magic',
    `${file} is not an IDX ${want} file: its magic number is ${hex(magic)}, expected ${hex(wantMagic)}. ` +
      `It may be a different format or a damaged file.`,
    { file },
  );
}

export interface IdxImages {
  count: number;
  height: number;
  width: number;
  /** count * height * width bytes, row-major, its own buffer. */
  images: Uint8Array;
}

export function parseIdxImages(
  bytes: Uint8Array,
  opts: { file: string; height?: number; width?: number; datasetName?: string },
): IdxImages {
  const { file } = opts;
  checkMagic(bytes, file, 'images');
  if (bytes.length < 16) {
    throw new DatasetError(
      'truncated',
      `${file} is ${bytes.length} bytes: an IDX images header alone is 16 bytes. The file is incomplete.`,
      { file },
    );
  }
  const count = u32(bytes, 4);
  const height = u32(bytes, 8);
  const width = u32(bytes, 12);
  if (
    (opts.height !== undefined && height !== opts.height) ||
    (opts.width !== undefined && width !== opts.width)
  ) {
    throw new DatasetError(
      'bad-dims',
      `${file} holds ${height}x${width} images, but ${opts.datasetName ?? 'this dataset'} images are ` +
        `${opts.height}x${opts.width}. Is it a file from another dataset?`,
      { file },
    );
  }
  if (count === 0) {
    throw new DatasetError('empty', `${file} declares 0 images.`, { file });
  }
  const pixels = height * width;
  const need = 16 + count * pixels;
  if (bytes.length < need) {
    const have = Math.floor((bytes.length - 16) / pixels);
    throw new DatasetError(
      'truncated',
      `${file} is truncated: its header declares ${fmt(count)} images (${fmt(need)} bytes) but the file ` +
        `has ${fmt(bytes.length)} bytes (${fmt(have)} whole images). Download it again.`,
      { file },
    );
  }
  if (bytes.length > need) {
    throw new DatasetError(
      'trailing-data',
      `${file} has ${fmt(bytes.length - need)} bytes after the ${fmt(count)} images its header declares. ` +
        `It is not a valid IDX file (two files joined, or a damaged download?).`,
      { file },
    );
  }
  return { count, height, width, images: bytes.slice(16, need) };
}

export function parseIdxLabels(
  bytes: Uint8Array,
  opts: { file: string; numClasses: number },
): Uint8Array {
  const { file } = opts;
  checkMagic(bytes, file, 'labels');
  if (bytes.length < 8) {
    throw new DatasetError(
      'truncated',
      `${file} is ${bytes.length} bytes: an IDX labels header alone is 8 bytes. The file is incomplete.`,
      { file },
    );
  }
  const count = u32(bytes, 4);
  if (count === 0) throw new DatasetError('empty', `${file} declares 0 labels.`, { file });
  const need = 8 + count;
  if (bytes.length < need) {
    throw new DatasetError(
      'truncated',
      `${file} is truncated: its header declares ${fmt(count)} labels but only ${fmt(bytes.length - 8)} ` +
        `are present. Download it again.`,
      { file },
    );
  }
  if (bytes.length > need) {
    throw new DatasetError(
      'trailing-data',
      `${file} has ${fmt(bytes.length - need)} bytes after the ${fmt(count)} labels its header declares.`,
      { file },
    );
  }
  const labels = bytes.slice(8, need);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= opts.numClasses) {
      throw new DatasetError(
        'label-range',
        `${file}: label ${labels[i]} at index ${fmt(i)} is out of range (classes are 0..${opts.numClasses - 1}).`,
        { file },
      );
    }
  }
  return labels;
}

/** Parses an images file and its labels file into one ImageSet. */
export function parseIdxPair(
  imagesBytes: Uint8Array,
  labelsBytes: Uint8Array,
  opts: {
    imagesFile: string;
    labelsFile: string;
    height: number;
    width: number;
    numClasses: number;
    datasetName?: string;
  },
): ImageSet {
  const img = parseIdxImages(imagesBytes, {
    file: opts.imagesFile,
    height: opts.height,
    width: opts.width,
    datasetName: opts.datasetName,
  });
  const labels = parseIdxLabels(labelsBytes, {
    file: opts.labelsFile,
    numClasses: opts.numClasses,
  });
  if (labels.length !== img.count) {
    throw new DatasetError(
      'count-mismatch',
      `${opts.imagesFile} has ${fmt(img.count)} images but ${opts.labelsFile} has ${fmt(labels.length)} ` +
        `labels. They do not belong together (train and test files mixed up?).`,
      { file: opts.labelsFile },
    );
  }
  return {
    images: img.images,
    labels,
    count: img.count,
    height: img.height,
    width: img.width,
    channels: 1,
  };
}
