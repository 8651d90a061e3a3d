/**
 * The transposed patch matrix of a convolution's input, for the wasm filter gradient
 * (wasmConvGradients.ts): row (a, b, c) holds, for every output pixel p = (n, oh, ow), the
 * input value tap (a, b) of channel c reads there, 0 where it falls into the padding:
 *
 *   patchesᵀ[(a·FW + b)·Cin + c, p] = x[c, n, oh·SH − top + a, ow·SW − left + b],
 *
 * so that dL/dW (as [FH·FW·Cin, Cout], i.e. [FH, FW, Cin, Cout]) = patchesᵀ · dy[P, Cout]: one
 * matrix product with the long pixel axis contracted.
 */

/** What `patchesTransposed` needs of the convolution; x is given channels-first, [C, N, H, W]. */
export interface PatchGeometry {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Writes every element of `out` ([FH·FW·Cin, N·OH·OW]) from `x` ([Cin, N, H, W]); `out` need
 * not be zeroed. Each run over ow splits into zeros, a strided copy and zeros, without
 * per-element bounds checks.
 */
export function patchesTransposed(x: Float32Array, out: Float32Array, g: PatchGeometry): void {
  const { batch, inChannels, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = g;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = g;
  const pixels = batch * oh * ow;
  const plane = h * w;
  let to = 0;
  for (let a = 0; a < fh; a++) {
    for (let b = 0; b < fw; b++) {
      // Output columns whose input column lies inside the image: [lo, hi).
      const shift = b - g.padLeft;
      const lo = Math.min(ow, Math.max(0, Math.ceil(-shift / sw)));
      const hi = Math.max(lo, Math.min(ow, Math.floor((w - 1 - shift) / sw) + 1));
      for (let c = 0; c < inChannels; c++) {
        for (let n = 0; n < batch; n++) {
          const image = (c * batch + n) * plane;
          for (let i = 0; i < oh; i++) {
            const row = i * sh - g.padTop + a;
            if (row < 0 || row >= h) {
              out.fill(0, to, to + ow);
              to += ow;
              continue;
            }
            for (let j = 0; j < lo; j++) out[to++] = 0;
            let from = image + row * w + lo * sw + shift;
            for (let j = lo; j < hi; j++) {
              out[to++] = x[from]!;
              from += sw;
            }
            for (let j = hi; j < ow; j++) out[to++] = 0;
          }
        }
      }
    }
  }
  if (to !== out.length || out.length !== fh * fw * inChannels * pixels) {
    throw new Error(`patchesTransposed: wrote ${to} of ${out.length} values`);
  }
}

/**
 * The patch matrix itself, [N·OH·OW, FH·FW·Cin] (a row per output pixel), from NHWC x: for
 * products where it is the smaller operand, which XNNPACK repacks (wasmConvGradients.ts).
 */
export function patchRows(x: Float32Array, out: Float32Array, g: PatchGeometry): void {
  const { batch, inChannels: cin, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = g;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = g;
  let to = 0;
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let a = 0; a < fh; a++) {
          const row = i * sh - g.padTop + a;
          for (let b = 0; b < fw; b++) {
            const col = j * sw - g.padLeft + b;
            if (row < 0 || row >= h || col < 0 || col >= w) {
              for (let c = 0; c < cin; c++) out[to++] = 0;
              continue;
            }
            const from = ((n * h + row) * w + col) * cin;
            for (let c = 0; c < cin; c++) out[to++] = x[from + c]!;
          }
        }
      }
    }
  }
  if (to !== out.length) throw new Error(`patchRows: wrote ${to} of ${out.length} values`);
}
