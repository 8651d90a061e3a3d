/**
 * The layers the models are built from, each with its gradient written out where tfjs's own
 * would un-fuse or run slow kernels under a gradient tape (conv + bias + ReLU, dense + ReLU,
 * ReLU, max pool); batch norm and the linear dense layer as tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { customGrad, type SaveFunc } from './customGrad';
import { channelSum } from './kernels/channelSum';
import { gradientKernel } from './kernels/cpuGradients';
import { convFilterGradient } from './kernels/filterGradient';
import { biasConvKernel } from './kernels/programChoices';
import { runKernel } from './kernels/registry';
import { reluBackward } from './kernels/reluBackward';

/** Batch statistics a batch-norm layer saw in a training pass, applied after the step. */
export interface BatchNormUpdate {
  runningMean: tf.Variable;
  runningVar: tf.Variable;
  mean: tf.Tensor;
  variance: tf.Tensor;
}

export type Conv = { w: tf.Variable; b: tf.Variable };
export type Dense = Conv;
export type BN = {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
};

/**
 * conv3x3(x, W) + b, then ReLU if `relu`, as one FusedConv2D kernel in the forward pass, with
 * its gradient written here. tfjs's own tf.fused.conv2d (and so tf.layers) falls back to three
 * kernels (conv, add, relu) whenever a gradient is being recorded, i.e. on every training
 * step. `inputNeedsGrad: false` (the first layer: x is the images) returns zeros for dL/dx
 * instead of running a transposed convolution for nothing.
 */
export function convBias(
  x: tf.Tensor4D,
  c: Conv,
  inputNeedsGrad: boolean,
  relu: boolean,
): tf.Tensor4D {
  const conv = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
  const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
    runKernel<tf.Tensor4D>(name, inputs, attrs);
  const f = customGrad((xIn: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, save: SaveFunc) => {
    // wasm: XNNPACK's convolution with a ReLU clamp runs ~15% slower than without one on the
    // wider layers (32→64 channels, 14x14: 23.2 vs 20.2 ms + 0.4 ms for a separate Relu).
    const reluApart = relu && tf.getBackend() === 'wasm';
    const z = run(
      biasConvKernel(),
      { x: xIn, filter: w, bias: b },
      { ...conv, dilations: [1, 1], activation: relu && !reluApart ? 'relu' : 'linear' },
    );
    const y = reluApart ? (tf.engine().runKernel(tf.Relu, { x: z }) as tf.Tensor4D) : z;
    save([xIn, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xS, wS, yS] = saved as tf.Tensor4D[];
        const dyAct = relu ? reluBackward(dy, yS!) : dy;
        const dx = inputNeedsGrad
          ? run(
              tf.Conv2DBackpropInput,
              { dy: dyAct, filter: wS },
              { ...conv, inputShape: xS.shape },
            )
          : tf.zerosLike(xS);
        const dw = convFilterGradient(xS, dyAct, wS.shape);
        return [dx, dw, channelSum(dyAct)];
      },
    };
  });
  return f(x, c.w as tf.Tensor4D, c.b as tf.Tensor1D);
}

/** ReLU with its gradient through the saved output (one kernel each way: reluBackward.ts). */
export function reluLayer(x: tf.Tensor4D): tf.Tensor4D {
  const f = customGrad((xIn: tf.Tensor4D, save: SaveFunc) => {
    const y = tf.engine().runKernel(tf.Relu, { x: xIn }) as tf.Tensor4D;
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, [yS]: tf.Tensor[]) => reluBackward(dy, yS as tf.Tensor4D),
    };
  });
  return f(x);
}

/**
 * x·W + b, then ReLU, as one _FusedMatMul kernel with its gradient written here, for the same
 * reason as convBias: tf.fused.matMul un-fuses a ReLU whenever a gradient is recorded
 * (matMul, add, relu forward; step, cast, mul backward).
 */
export function denseBiasRelu(x: tf.Tensor2D, d: Dense): tf.Tensor2D {
  const [m, k] = x.shape;
  const n = d.w.shape[1]!;
  const f = customGrad((xIn: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: SaveFunc) => {
    const y = runKernel<tf.Tensor3D>(
      tf._FusedMatMul,
      { a: tf.reshape(xIn, [1, m, k]), b: tf.reshape(w, [1, k, n]), bias: b },
      { transposeA: false, transposeB: false, activation: 'relu' },
    );
    const out = tf.reshape(y, [m, n]) as tf.Tensor2D;
    save([xIn, w, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xS, wS, yS] = saved as tf.Tensor2D[];
        const dz = reluBackward(dy, yS!);
        return [tf.matMul(dz, wS, false, true), tf.matMul(xS, dz, true, false), channelSum(dz)];
      },
    };
  });
  return f(x, d.w as tf.Tensor2D, d.b as tf.Tensor1D);
}

/** x·W + b (no activation: tf.fused.matMul keeps a linear one fused under a gradient). */
export const denseLinear = (x: tf.Tensor2D, d: Dense) =>
  tf.fused.matMul({ a: x, b: d.w as tf.Tensor2D, bias: d.b }) as tf.Tensor2D;

/**
 * 2x2 max pooling, stride 2, with its gradient written here so that the engine's MaxPoolGrad
 * kernel runs where it has one (cpu: cpuGradients.ts); the same kernels as tf.maxPool otherwise.
 */
export function pool(x: tf.Tensor4D): tf.Tensor4D {
  const attrs = { filterSize: 2, strides: 2, pad: 'valid', dimRoundingMode: undefined };
  const run = (name: string, inputs: tf.NamedTensorMap) =>
    runKernel<tf.Tensor4D>(name, inputs, attrs);
  const f = customGrad((xIn: tf.Tensor4D, save: SaveFunc) => {
    const y = run(tf.MaxPool, { x: xIn });
    save([xIn, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, [xS, yS]: tf.Tensor[]) =>
        run(gradientKernel(tf.MaxPoolGrad), { dy, input: xS!, output: yS! }),
    };
  });
  return f(x);
}

const BN_EPS = 1e-5;
export function batchNorm(
  x: tf.Tensor4D,
  bn: BN,
  training: boolean,
  bnOut?: BatchNormUpdate[],
): tf.Tensor4D {
  if (!training) {
    return tf.batchNorm(x, bn.mean, bn.variance, bn.beta, bn.gamma, BN_EPS) as tf.Tensor4D;
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  bnOut?.push({ runningMean: bn.mean, runningVar: bn.variance, mean, variance });
  return tf.batchNorm(x, mean, variance, bn.beta, bn.gamma, BN_EPS) as tf.Tensor4D;
}
