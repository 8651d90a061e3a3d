/**
 * Typed-array loops for two gradients whose tfjs kernels are slow or wrong where tensors live
 * in CPU memory (the cpu and wasm backends): a convolution's filter gradient and max pooling's
 * input gradient. NHWC only. Pure functions over flat arrays: the kernels in cpuGradients.ts
 * and wasmGradients.ts wrap them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrsOf } from './registry';

type Values = ArrayLike<number>;

/**
 * dL/dW of conv2d(x, W) (stride and pads from `info`, dilation 1) given dL/dy: for each output
 * pixel, each filter tap adds x[pixel under the tap, :] ⊗ dy[pixel, :]. The loop runs over
 * output pixels with the output channels innermost (contiguous in dy and in dW), skips zero
 * inputs (after a ReLU and a max pool most are), and sums in float64 like tfjs's kernel.
 * Returns [fh, fw, cin, cout] values: tfjs's for finite dy (skipping x = 0 also skips 0·NaN and
 * 0·∞; the bias gradient, a sum of the same dy, still carries a NaN to the guard).
 */
export function conv2DFilterGradient(
  info: tf.backend_util.Conv2DInfo,
  x: Values,
  dy: Values,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: cin, outChannels: cout } = info;
  const { outHeight, outWidth, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw, padInfo } = info;
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('conv2DFilterGradient: NHWC without dilation only');
  }
  const acc = new Float64Array(fh * fw * cin * cout);
  for (let n = 0; n < batchSize; n++) {
    for (let yr = 0; yr < outHeight; yr++) {
      for (let yc = 0; yc < outWidth; yc++) {
        const dyAt = ((n * outHeight + yr) * outWidth + yc) * cout;
        for (let wr = 0; wr < fh; wr++) {
          const xr = yr * sh - padInfo.top + wr;
          if (xr < 0 || xr >= inHeight) continue;
          for (let wc = 0; wc < fw; wc++) {
            const xc = yc * sw - padInfo.left + wc;
            if (xc < 0 || xc >= inWidth) continue;
            const xAt = ((n * inHeight + xr) * inWidth + xc) * cin;
            const tap = (wr * fw + wc) * cin;
            for (let c1 = 0; c1 < cin; c1++) {
              const xv = x[xAt + c1]!;
              if (xv === 0) continue;
              const out = (tap + c1) * cout;
              for (let c2 = 0; c2 < cout; c2++) acc[out + c2]! += xv * dy[dyAt + c2]!;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/**
 * dL/dx of max pooling: each window's gradient goes to its first strict maximum (the cpu
 * backend's rule; NaN never wins, a window of NaN or -∞ only sends nothing). Adds into `dx`,
 * which the caller zeroes.
 */
export function maxPoolGradientInto(
  info: tf.backend_util.Conv2DInfo,
  x: Values,
  dy: Values,
  dx: { [i: number]: number },
): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth, padInfo } = info;
  const rowStride = inWidth * ch;
  const square2 = dilationHeight === 1 && dilationWidth === 1;
  for (let n = 0; n < batchSize; n++) {
    const xBatch = n * inHeight * rowStride;
    for (let yr = 0; yr < outHeight; yr++) {
      const rCorner = yr * strideHeight - padInfo.top;
      let rMin = rCorner;
      while (rMin < 0) rMin += dilationHeight;
      const rMax = Math.min(inHeight, rCorner + effectiveFilterHeight);
      for (let yc = 0; yc < outWidth; yc++) {
        const cCorner = yc * strideWidth - padInfo.left;
        let cMin = cCorner;
        while (cMin < 0) cMin += dilationWidth;
        const cMax = Math.min(inWidth, cCorner + effectiveFilterWidth);
        const dyBase = ((n * outHeight + yr) * outWidth + yc) * ch;
        if (square2 && rMax - rMin === 2 && cMax - cMin === 2) {
          // A whole 2x2 window (the models' pools): the loop below unrolled, same order.
          const a0 = xBatch + rMin * rowStride + cMin * ch;
          const a2 = a0 + rowStride;
          for (let d = 0; d < ch; d++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            const v0 = x[a0 + d]!;
            if (v0 > best) {
              best = v0;
              at = a0 + d;
            }
            const v1 = x[a0 + ch + d]!;
            if (v1 > best) {
              best = v1;
              at = a0 + ch + d;
            }
            const v2 = x[a2 + d]!;
            if (v2 > best) {
              best = v2;
              at = a2 + d;
            }
            if (x[a2 + ch + d]! > best) at = a2 + ch + d;
            if (at >= 0) dx[at]! += dy[dyBase + d]!;
          }
          continue;
        }
        for (let d = 0; d < ch; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = rMin; r < rMax; r += dilationHeight) {
            const row = xBatch + r * rowStride + d;
            for (let c = cMin; c < cMax; c += dilationWidth) {
              const v = x[row + c * ch]!;
              // Strict '>' keeps the first maximum and skips NaN.
              if (v > best) {
                best = v;
                at = row + c * ch;
              }
            }
          }
          if (at >= 0) dx[at]! += dy[dyBase + d]!;
        }
      }
    }
  }
}

/**
 * Whether max pooling with `info` is the models' pool: 2x2 windows, stride 2, no dilation and
 * no window reaching into the padding, so that every input element lies in at most one window.
 */
export function isDisjoint2x2Pool(info: tf.backend_util.Conv2DInfo): boolean {
  const { padInfo: p } = info;
  return (
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    p.top === 0 &&
    p.left === 0 &&
    2 * info.outHeight <= info.inHeight &&
    2 * info.outWidth <= info.inWidth
  );
}

/** The general rule for one 2x2 window at a0, a1 (top row), a2, a3 (bottom row): writes all 4. */
function window2x2(
  x: Values,
  dx: Writable,
  g: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
) {
  const at = [a0, a1, a2, a3];
  let best = Number.NEGATIVE_INFINITY;
  let k = -1;
  for (let j = 0; j < 4; j++) {
    if (x[at[j]!]! > best) {
      best = x[at[j]!]!;
      k = j;
    }
  }
  for (let j = 0; j < 4; j++) dx[at[j]!] = j === k ? g + 0 : 0;
}

/** 0 or 1, without a branch (TurboFan keeps a comparison's bit: setcc, no jump). */
const bit = (b: boolean): number => (b as unknown as number) | 0;

type Writable = { [i: number]: number; fill(v: number, start?: number, end?: number): unknown };

/**
 * maxPoolGradientInto for an `isDisjoint2x2Pool` geometry, given the forward output y: a
 * window's winner is the first of its four values equal to y (its maximum), picked with 0/1
 * integer masks instead of compare-and-branch, which mispredicts on most windows (~3x slower).
 * A window whose y is not its strict maximum's value (NaN, all −∞, a y from other data) or
 * whose gradient is not finite takes the general rule. Writes all of `dx` (0 outside the
 * winners); bit-identical to maxPoolGradientInto on a zeroed dx (0 + g: −0 lands as +0).
 */
export function maxPool2x2GradientWrite(
  info: tf.backend_util.Conv2DInfo,
  x: Values,
  y: Values,
  dy: Values,
  dx: Writable,
): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth } = info;
  const rowStride = inWidth * ch;
  const covered = 2 * outWidth * ch;
  let w = 0;
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight * rowStride;
    for (let yr = 0; yr < outHeight; yr++) {
      const r0 = image + 2 * yr * rowStride;
      const r1 = r0 + rowStride;
      for (let c = 0; c < covered; c += 2 * ch) {
        for (let d = 0; d < ch; d++, w++) {
          const a0 = r0 + c + d;
          const a2 = r1 + c + d;
          const m = y[w]!;
          const g = dy[w]!;
          const v0 = x[a0]!;
          const v1 = x[a0 + ch]!;
          const v2 = x[a2]!;
          const v3 = x[a2 + ch]!;
          const e0 = bit(v0 === m);
          const e1 = bit(v1 === m);
          const e2 = bit(v2 === m);
          const e3 = bit(v3 === m);
          const above = bit(v0 > m) | bit(v1 > m) | bit(v2 > m) | bit(v3 > m);
          // Rare, so well predicted: no value equals y, y is not the maximum, or g is ±∞/NaN.
          if (
            (e0 | e1 | e2 | e3) === 0 ||
            above !== 0 ||
            m === Number.NEGATIVE_INFINITY ||
            g - g !== 0
          ) {
            window2x2(x, dx, g, a0, a0 + ch, a2, a2 + ch);
            continue;
          }
          dx[a0] = g * e0 + 0;
          dx[a0 + ch] = g * (e1 & (e0 ^ 1)) + 0;
          dx[a2] = g * (e2 & ((e0 | e1) ^ 1)) + 0;
          dx[a2 + ch] = g * (e3 & ((e0 | e1 | e2) ^ 1)) + 0;
        }
      }
      // An odd width's last column, and below an odd height's last row: in no window.
      if (covered < rowStride) {
        dx.fill(0, r0 + covered, r0 + rowStride);
        dx.fill(0, r1 + covered, r1 + rowStride);
      }
    }
    dx.fill(0, image + 2 * outHeight * rowStride, image + inHeight * rowStride);
  }
}

/** The pooling geometry of a MaxPoolGrad kernel call (its input shape and attributes). */
export function maxPoolGradInfo(
  xShape: number[],
  attrs: tf.NamedAttrMap | undefined,
): tf.backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrsOf<tf.MaxPoolGradAttrs>(attrs);
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/** The geometry of a Conv2DBackpropFilter kernel call (its input shape and attributes). */
export function filterGradInfo(
  xShape: number[],
  attrs: tf.NamedAttrMap | undefined,
): tf.backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrsOf<tf.Conv2DBackpropFilterAttrs>(attrs);
  return convInfoOf(
    xShape as [number, number, number, number],
    filterShape,
    strides,
    pad,
    dimRoundingMode,
    dataFormat,
  );
}

/** The conv's pads as tfjs's forward conv computes them: padInfo of computeConv2DInfo. */
export function convInfoOf(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  dataFormat: 'NHWC' | 'NCHW',
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
}
