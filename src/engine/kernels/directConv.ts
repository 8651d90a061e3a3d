/**
 * `ItraDirectConv2D`: conv2d(x, W) + b, optionally ReLU, as a direct WebGPU program: one
 * invocation per output value, looping over the filter taps and input channels. Same inputs
 * and attributes as tfjs's FusedConv2D (NHWC, dilation 1, activation 'linear' or 'relu').
 *
 * Why: tfjs-webgpu computes a convolution as a matrix product in 32x32 tiles, built for real
 * GPUs. On a CPU-emulated adapter (SwiftShader) the tiles of the `tiny` CNN's 1→8 and 8→16
 * channel layers are mostly padding (bench/PERFORMANCE.md, "Kernel notes").
 * tfjs's own direct program sits behind a debug flag and gave wrong results when switched on
 * for the engine's calls only (so this one). The engine uses it only on emulated WebGPU
 * (programChoices.ts); on real GPUs tfjs's program stays. Checked against the cpu backend in
 * e2e/kernels.spec.ts (the whole tiny CNN's loss and gradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  attrsOf,
  defineKernel,
  type KernelArgs,
  type TensorInfo,
  type WebGpuBackendLike,
} from './registry';

export const DIRECT_CONV2D = 'ItraDirectConv2D';
type Shape4 = [number, number, number, number];

class DirectConvProgram {
  variableNames = ['x', 'w', 'b'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = 'padTop : i32, padLeft : i32, strideH : i32, strideW : i32,';

  constructor(
    outShape: number[],
    private readonly relu: boolean,
  ) {
    this.outputShape = outShape;
    this.dispatchLayout = { x: outShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(outShape) / 64), 1, 1];
    this.shaderKey = `itraDirectConv2D_${relu ? 'relu' : 'linear'}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let o = getCoordsFromIndex(index);
          let inH = uniforms.xShape[1];
          let inW = uniforms.xShape[2];
          let cin = uniforms.xShape[3];
          let fh = uniforms.wShape[0];
          let fw = uniforms.wShape[1];
          let cout = uniforms.wShape[3];
          var acc = b[o[3]];
          for (var i = 0; i < fh; i = i + 1) {
            let xr = o[1] * uniforms.strideH - uniforms.padTop + i;
            if (xr < 0 || xr >= inH) { continue; }
            for (var j = 0; j < fw; j = j + 1) {
              let xc = o[2] * uniforms.strideW - uniforms.padLeft + j;
              if (xc < 0 || xc >= inW) { continue; }
              let xAt = ((o[0] * inH + xr) * inW + xc) * cin;
              let wAt = (i * fw + j) * cin * cout + o[3];
              for (var k = 0; k < cin; k = k + 1) {
                acc = acc + x[xAt + k] * w[wAt + k * cout];
              }
            }
          }
          ${this.relu ? 'acc = select(acc, 0.0, acc < 0.0); // NaN stays NaN, as in tfjs' : ''}
          result[index] = acc;
        }
      }
    `;
  }
}

function directConv({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias: TensorInfo };
  const a = attrsOf<tf.FusedConv2DAttrs>(attrs);
  if (a.activation !== 'relu' && a.activation !== 'linear') {
    throw new Error(`${DIRECT_CONV2D}: activation '${a.activation}' is not supported`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(a.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`${DIRECT_CONV2D}: NHWC without dilation only`);
  }
  const program = new DirectConvProgram(info.outShape, a.activation === 'relu');
  const i32 = (v: number) => ({ type: 'int32', data: [v] });
  return (backend as WebGpuBackendLike).runWebGPUProgram(program, [x, filter, bias], 'float32', [
    i32(info.padInfo.top),
    i32(info.padInfo.left),
    i32(info.strideHeight),
    i32(info.strideWidth),
  ]);
}

export const directConvKernel = defineKernel(DIRECT_CONV2D, { webgpu: directConv });
