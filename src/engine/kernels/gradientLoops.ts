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
