/**
 * conv2d's filter and input gradients on the wasm backend as XNNPACK convolutions
 * (wasmGradients.ts says why; checked against the cpu backend in wasmGradients.test.ts).
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import { convInfoOf, filterGradInfo } from './gradientLoops';
import { type PatchGeometry, patchesTransposed, patchRows } from './im2col';
import { attrsOf, type KernelArgs } from './registry';
import { input, release, runNative, runWasm, type Shape4 } from './wasmOps';

/**
 * Input channels up to which `filterGradientByPatches` beats `filterGradientByConv` (measured,
 * bench/PERFORMANCE.md "Issue 21": 1 to 3 channels 1.1-7x faster, 4 to 16 slower, ~equal above).
 */
const PATCHES_UP_TO_CHANNELS = 3;

export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as BackendWasm;
  const x = input(inputs, 'x');
  const dy = input(inputs, 'dy');
  const info = filterGradInfo(x.shape, attrs);
  return info.inChannels <= PATCHES_UP_TO_CHANNELS
    ? filterGradientByPatches(b, x, dy, info)
    : filterGradientByConv(b, x, dy, info);
}

/** One XNNPACK convolution: x as [Cin, H, W, N] (images as channels) and dy as the filter. */
function filterGradientByConv(
  b: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { inHeight, inWidth, outHeight, outWidth, padInfo } = info;
  const nhwc = info.dataFormat === 'channelsLast';

  // Channels become the batch and the batch becomes the contracted channel axis.
  const xT = runWasm('Transpose', b, { x }, { perm: nhwc ? [3, 1, 2, 0] : [1, 2, 3, 0] });
  const dyT = runWasm('Transpose', b, { x: dy }, { perm: nhwc ? [1, 2, 0, 3] : [2, 3, 0, 1] });
  // Bottom/right pads chosen so that the output is exactly fh x fw where possible; rows the
  // forward conv never read (negative pad) are cut from the (small) output instead.
  const bottom = (outHeight - 1) * sh + fh - inHeight - padInfo.top;
  const right = (outWidth - 1) * sw + fw - inWidth - padInfo.left;
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [padInfo.top, Math.max(0, bottom)],
    [padInfo.left, Math.max(0, right)],
    [0, 0],
  ];
  const conv = runWasm(
    'Conv2D',
    b,
    { x: xT, filter: dyT },
    { strides: 1, pad: explicit, dataFormat: 'NHWC', dilations: [sh, sw] },
  );
  release(b, xT, dyT);
  let grad = conv;
  if (conv.shape[1] !== fh || conv.shape[2] !== fw) {
    grad = runWasm(
      'Slice',
      b,
      { x: conv },
      { begin: [0, 0, 0, 0], size: [conv.shape[0], fh, fw, conv.shape[3]] },
    );
    release(b, conv);
  }
  const out = runWasm('Transpose', b, { x: grad }, { perm: [1, 2, 0, 3] });
  release(b, grad);
  return out;
}

/**
 * im2col.ts's patch matrix of x and one XNNPACK product with dy. XNNPACK repacks the product's
 * second operand on every call (~5 ns a value: a fresh dy is never cached), so the smaller of
 * the two goes second: patchesᵀ · dy when FH·FW·Cin ≥ Cout, else (dyᵀ · patches)ᵀ.
 */
function filterGradientByPatches(
  b: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, inChannels: cin, outChannels: cout } = info;
  const { filterHeight: fh, filterWidth: fw, outHeight, outWidth } = info;
  const nhwc = info.dataFormat === 'channelsLast';
  const pixels = n * outHeight * outWidth;
  const taps = fh * fw * cin;
  const geometry: PatchGeometry = {
    batch: n,
    inChannels: cin,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outHeight,
    outWidth,
    filterHeight: fh,
    filterWidth: fw,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  const product = (a: tf.TensorInfo, second: tf.TensorInfo) =>
    runNative('BatchMatMul', {
      inputs: { a, b: second },
      backend: b,
      attrs: { transposeA: false, transposeB: false },
    });
  const view = (t: tf.TensorInfo) => b.typedArrayFromHeap(t) as Float32Array;
  const single = (nhwc ? cin : n) === 1;

  if (taps >= cout) {
    // x channels-first ([Cin, N, H, W]: each patch row reads one image plane); a single
    // channel (NHWC) or a single image (NCHW) already is.
    const xC = single
      ? x
      : runWasm('Transpose', b, { x }, { perm: nhwc ? [3, 0, 1, 2] : [1, 0, 2, 3] });
    // dy as [N·OH·OW, Cout]: NHWC already is (same data, other shape).
    const dyT = nhwc ? dy : runWasm('Transpose', b, { x: dy }, { perm: [0, 2, 3, 1] });
    const patches = b.makeOutput([taps, pixels], 'float32');
    // makeOutput may grow the wasm memory, which detaches earlier heap views: views after it.
    patchesTransposed(view(xC), view(patches), geometry);
    if (xC !== x) release(b, xC);
    const dy2: tf.TensorInfo = { dataId: dyT.dataId, shape: [pixels, cout], dtype: 'float32' };
    const grad = product(patches, dy2);
    release(b, patches);
    if (dyT !== dy) release(b, dyT);
    return { dataId: grad.dataId, shape: [fh, fw, cin, cout], dtype: 'float32' };
  }
  // Fewer taps than filters (the first layer): dyᵀ [Cout, P] first, the patches [P, taps] second.
  const xL = nhwc || cin === 1 ? x : runWasm('Transpose', b, { x }, { perm: [0, 2, 3, 1] });
  const dyT = runWasm('Transpose', b, { x: dy }, { perm: nhwc ? [3, 0, 1, 2] : [1, 0, 2, 3] });
  const patches = b.makeOutput([pixels, taps], 'float32');
  patchRows(view(xL), view(patches), geometry);
  if (xL !== x) release(b, xL);
  const dy2: tf.TensorInfo = { dataId: dyT.dataId, shape: [cout, pixels], dtype: 'float32' };
  const gradT = product(dy2, patches);
  release(b, patches, dyT);
  const grad = runWasm('Transpose', b, { x: gradT }, { perm: [1, 0] });
  release(b, gradT);
  return { dataId: grad.dataId, shape: [fh, fw, cin, cout], dtype: 'float32' };
}

export function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const b = backend as BackendWasm;
  const dy = input(inputs, 'dy');
  const filter = input(inputs, 'filter');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
    attrsOf<tf.Conv2DBackpropInputAttrs>(attrs);
  const info = convInfoOf(
    inputShape,
    filter.shape as Shape4,
    strides,
    pad,
    dimRoundingMode,
    dataFormat,
  );
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { batchSize, inHeight, inWidth, outHeight, outWidth, padInfo } = info;
  const { inChannels, outChannels } = info;
  const top = fh - 1 - padInfo.top;
  const left = fw - 1 - padInfo.left;
  if (info.dataFormat !== 'channelsLast' || top < 0 || left < 0) {
    return runNative('Conv2DBackpropInput', args);
  }

  // Dilate dy by the stride: [N,OH,1,OW,1,C] padded to [N,OH,sh,OW,sw,C] = [N,OH*sh,OW*sw,C].
  let dyD = dy;
  const owned: tf.TensorInfo[] = [];
  if (sh > 1 || sw > 1) {
    const r6 = runWasm(
      'Reshape',
      b,
      { x: dy },
      { shape: [batchSize, outHeight, 1, outWidth, 1, outChannels] },
    );
    const padded = runWasm(
      'PadV2',
      b,
      { x: r6 },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    release(b, r6);
    dyD = runWasm(
      'Reshape',
      b,
      { x: padded },
      { shape: [batchSize, outHeight * sh, outWidth * sw, outChannels] },
    );
    release(b, padded);
    owned.push(dyD);
  }
  // Rotated filter [FH,FW,Cout,Cin]: dx = full correlation of dilated dy with it.
  const rev = runWasm('Reverse', b, { x: filter }, { dims: [0, 1] });
  const rot = runWasm('Transpose', b, { x: rev }, { perm: [0, 1, 3, 2] });
  release(b, rev);
  const bottom = inHeight + fh - 1 - top - dyD.shape[1]!;
  const right = inWidth + fw - 1 - left - dyD.shape[2]!;
  const conv = runWasm(
    'Conv2D',
    b,
    { x: dyD, filter: rot },
    {
      strides: 1,
      pad: [
        [0, 0],
        [top, Math.max(0, bottom)],
        [left, Math.max(0, right)],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: 1,
    },
  );
  release(b, rot, ...owned);
  if (conv.shape[1] === inHeight && conv.shape[2] === inWidth) return conv;
  // Trailing zeros of the dilation (or rows the forward conv never read) make it too big.
  const out = runWasm(
    'Slice',
    b,
    { x: conv },
    { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, inChannels] },
  );
  release(b, conv);
  return out;
}
