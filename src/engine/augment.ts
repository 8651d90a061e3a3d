/**
 * Training-set augmentation: random crop with zero padding p (the image keeps its size) and,
 * optionally, a horizontal flip. Offsets and flips are drawn from a seeded stream, so a seed
 * fixes them and both twin sides see the identical images. The pixels move while the batch is
 * assembled from the uint8 images (in the worker, the copy to float32 that every batch makes
 * anyway), so augmentation adds no kernel and no upload: a gather on the backend cost 16 ms
 * per CIFAR batch on wasm (bench/PERFORMANCE.md). Test images are never augmented.
 */
import type { ImageSet } from '../data/dataset';
import type { Rng } from '../util/rng';

export interface AugmentSettings {
  padding: number;
  flip: boolean;
}

/** Per image: the crop's top-left corner in the padded image, and whether it is mirrored. */
export interface AugmentDraw {
  padding: number;
  dy: Int32Array;
  dx: Int32Array;
  flip: Uint8Array;
}

/** Draws one batch's crops and flips (the same number of draws whatever the settings). */
export function drawAugmentation(rng: Rng, count: number, s: AugmentSettings): AugmentDraw {
  const span = 2 * s.padding + 1;
  const d: AugmentDraw = {
    padding: s.padding,
    dy: new Int32Array(count),
    dx: new Int32Array(count),
    flip: new Uint8Array(count),
  };
  for (let i = 0; i < count; i++) {
    d.dy[i] = rng.int(span);
    d.dx[i] = rng.int(span);
    d.flip[i] = rng.next() < 0.5 && s.flip ? 1 : 0;
  }
  return d;
}

/**
 * Writes image `src` of `set`, cropped (and flipped) as draw `i` says, scaled to [0, 1], into
 * `out` at `dst`: output pixel (y, x) is padded pixel (y + dy, x' + dx), x' = w − 1 − x when
 * flipped, and 0 where that falls in the padding.
 */
export function writeAugmented(
  out: Float32Array,
  dst: number,
  set: ImageSet,
  src: number,
  draw: AugmentDraw,
  i: number,
): void {
  const { height: h, width: w, channels: c } = set;
  const p = draw.padding;
  const dy = draw.dy[i]! - p;
  const dx = draw.dx[i]! - p;
  const flip = draw.flip[i] === 1;
  const base = src * h * w * c;
  const px = set.images;
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    const row = dst + y * w * c;
    if (sy < 0 || sy >= h) {
      out.fill(0, row, row + w * c);
      continue;
    }
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + dx;
      const o = row + x * c;
      if (sx < 0 || sx >= w) {
        for (let k = 0; k < c; k++) out[o + k] = 0;
        continue;
      }
      const s = base + (sy * w + sx) * c;
      for (let k = 0; k < c; k++) out[o + k] = px[s + k]! / 255;
    }
  }
}
