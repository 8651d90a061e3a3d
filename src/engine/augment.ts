/**
 * Training-set augmentation on the training backend: random crop with zero padding p (the image
 * keeps its size) and, optionally, a horizontal flip. Offsets and flips are drawn on the CPU from
 * a seeded stream, so a seed fixes them and both twin sides see the identical images; the
 * pixels move in two kernels (pad, then one crop-and-resize with nearest sampling at exact pixel
 * positions, a reversed box being the flip). Test images are never augmented.
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
    const [n, h, w] = x.shape;
    const padded = padding > 0 ? tf.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : x;
    const hp = h + 2 * padding;
    const wp = w + 2 * padding;
    // Normalised boxes [y1, x1, y2, x2]: sample k of the crop reads padded row dy + k (exactly,
    // with nearest sampling); x1 > x2 reads the columns right to left.
    const boxes = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const top = draw.dy[i]!;
      const left = draw.dx[i]!;
      const right = left + w - 1;
      boxes[i * 4] = top / (hp - 1);
      boxes[i * 4 + 2] = (top + h - 1) / (hp - 1);
      boxes[i * 4 + 1] = (draw.flip[i] ? right : left) / (wp - 1);
      boxes[i * 4 + 3] = (draw.flip[i] ? left : right) / (wp - 1);
    }
    const indices = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i), 'int32');
    return tf.image.cropAndResize(
      padded,
      tf.tensor2d(boxes, [n, 4]),
      indices,
      [h, w],
      'nearest',
    ) as tf.Tensor4D;
  });
}
