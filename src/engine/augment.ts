/**
 * Training-set augmentation on the training backend: random crop with zero padding p (the image
 * keeps its size) and, optionally, a horizontal flip. Offsets and flips are drawn on the CPU from
 * a seeded stream, so a seed fixes them and both twin sides see the identical images; the
 * pixels move in two kernels (pad, then one gather of whole pixels). Test images are never
 * augmented.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng';

export interface AugmentSettings {
  padding: number;
  flip: boolean;
}

/** Per image: the crop's top-left corner in the padded image, and whether it is mirrored. */
export interface AugmentDraw {
  dy: Int32Array;
  dx: Int32Array;
  flip: Uint8Array;
}

/** Draws one batch's crops and flips (the same number of draws whatever the settings). */
export function drawAugmentation(rng: Rng, count: number, s: AugmentSettings): AugmentDraw {
  const span = 2 * s.padding + 1;
  const d: AugmentDraw = {
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

/** Crops (and flips) `x` [n, h, w, c] as drawn. Returns a new tensor of the same shape. */
export function augmentImages(x: tf.Tensor4D, draw: AugmentDraw, padding: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const hp = h + 2 * padding;
    const wp = w + 2 * padding;
    const padded =
      padding > 0
        ? tf.pad(x, [
            [0, 0],
            [padding, padding],
            [padding, padding],
            [0, 0],
          ])
        : x;
    // Output pixel (i, y, x) reads padded pixel (i, y + dy, x + dx), x mirrored when flipped: one
    // gather of whole pixels (exact on every backend; tfjs's cropAndResize rounds differently
    // per backend and shifted wasm crops by whole pixels here).
    const index = new Int32Array(n * h * w);
    for (let i = 0; i < n; i++) {
      const dy = draw.dy[i]!;
      const dx = draw.dx[i]!;
      const flip = draw.flip[i] === 1;
      for (let y = 0; y < h; y++) {
        const row = i * hp * wp + (y + dy) * wp + dx;
        const o = (i * h + y) * w;
        for (let xx = 0; xx < w; xx++) index[o + xx] = row + (flip ? w - 1 - xx : xx);
      }
    }
    const pixels = tf.reshape(padded, [n * hp * wp, c]);
    return tf.reshape(tf.gather(pixels, tf.tensor1d(index, 'int32')), [n, h, w, c]) as tf.Tensor4D;
  });
}
