/**
 * The classifiers f(x) = C(E(x)) of the spec: a feature extractor E whose output is the
 * last hidden layer h, and one linear layer C to the logits. Written as plain tfjs ops over
 * named variables (not tf.layers) so that E and C are separate, initial weights are fixed by
 * the seed on every backend, and twin models can copy weights exactly.
 *
 * Initialisation follows PyTorch's default (uniform ±1/sqrt(fan_in) for weights and biases),
 * the setting in which the spec's collapse/warm-up behaviour was measured.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng';
import type { ModelId } from './config';
import {
  type BatchNormUpdate,
  type BN,
  batchNorm,
  type Conv,
  convBias,
  denseBiasRelu,
  denseLinear,
  pool,
  reluLayer,
} from './layers';

export interface InputShape {
  height: number;
  width: number;
  channels: number;
}

export interface Model {
  readonly id: ModelId;
  readonly input: InputShape;
  readonly featureDim: number;
  readonly numClasses: number;
  readonly hasBatchNorm: boolean;
  /** Trainable parameters of E and C, in a fixed order. */
  readonly params: tf.Variable[];
  /** Non-trainable state (batch-norm running statistics). */
  readonly state: tf.Variable[];
  /** h = E(x). In training mode, batch-norm layers push their batch statistics to `bnOut`. */
  features(x: tf.Tensor4D, training: boolean, bnOut?: BatchNormUpdate[]): tf.Tensor2D;
  /** logits = C(h). */
  logits(h: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

let instanceCounter = 0;

/** Builds the variables of a model with unique names (tfjs names are global). */
class ParamBuilder {
  readonly params: tf.Variable[] = [];
  readonly state: tf.Variable[] = [];
  private readonly prefix = `m${instanceCounter++}`;
  constructor(private readonly rng: Rng) {}

  private uniform(shape: number[], fanIn: number, name: string): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const limit = 1 / Math.sqrt(fanIn);
    const values = this.rng.uniformArray(size, limit);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${this.prefix}/${name}`));
    this.params.push(v);
    return v;
  }

  conv(name: string, k: number, cin: number, cout: number) {
    const fanIn = k * k * cin;
    return {
      w: this.uniform([k, k, cin, cout], fanIn, `${name}/w`),
      b: this.uniform([cout], fanIn, `${name}/b`),
    };
  }

  /** Bias-free convolution, followed by batch norm in the ResNet. */
  convNoBias(name: string, k: number, cin: number, cout: number) {
    return this.uniform([k, k, cin, cout], k * k * cin, `${name}/w`);
  }

  dense(name: string, din: number, dout: number) {
    return {
      w: this.uniform([din, dout], din, `${name}/w`),
      b: this.uniform([dout], din, `${name}/b`),
    };
  }

  batchNorm(name: string, c: number) {
    const mk = (value: number, sub: string, trainable: boolean) => {
      const v = tf.tidy(() =>
        tf.variable(tf.fill([c], value), trainable, `${this.prefix}/${name}/${sub}`),
      );
      (trainable ? this.params : this.state).push(v);
      return v;
    };
    return {
      gamma: mk(1, 'gamma', true),
      beta: mk(0, 'beta', true),
      mean: mk(0, 'mean', false),
      variance: mk(1, 'var', false),
    };
  }
}

/** Plain CNN: [conv-ReLU]×k-maxpool stages, then dense-ReLU = h. */
function plainCnn(
  id: ModelId,
  input: InputShape,
  stages: number[][],
  featureDim: number,
  numClasses: number,
  rng: Rng,
): Model {
  const pb = new ParamBuilder(rng);
  const convs: Conv[][] = [];
  let cin = input.channels;
  let h = input.height;
  let w = input.width;
  stages.forEach((filters, s) => {
    convs.push(
      filters.map((cout, i) => {
        const c = pb.conv(`conv${s}_${i}`, 3, cin, cout);
        cin = cout;
        return c;
      }),
    );
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  });
  const flat = h * w * cin;
  const fc = pb.dense('fc', flat, featureDim);
  const head = pb.dense('classifier', featureDim, numClasses);
  return {
    id,
    input,
    featureDim,
    numClasses,
    hasBatchNorm: false,
    params: pb.params,
    state: pb.state,
    features(x) {
      let y = x;
      for (const stage of convs) {
        // The stage's last ReLU after its pooling: max commutes with ReLU, so the features and
        // every gradient are the same, and the ReLU and its backward run at a quarter size.
        stage.forEach((c, i) => {
          y = convBias(y, c, y !== x, i < stage.length - 1);
        });
        y = reluLayer(pool(y));
      }
      return denseBiasRelu(tf.reshape(y, [y.shape[0], flat]) as tf.Tensor2D, fc);
    },
    logits: (hFeat) => denseLinear(hFeat, head),
    dispose: () => {
      for (const v of [...pb.params, ...pb.state]) v.dispose();
    },
  };
}

/** A small ResNet for 32x32 images: stem, three basic residual blocks (16, 32, 64), GAP = h. */
function smallResNet(input: InputShape, numClasses: number, rng: Rng): Model {
  const pb = new ParamBuilder(rng);
  const stemW = pb.convNoBias('stem', 3, input.channels, 16);
  const stemBn = pb.batchNorm('stem_bn', 16);
  const widths = [16, 32, 64];
  let cin = 16;
  const blocks = widths.map((cout, i) => {
    const stride = i === 0 ? 1 : 2;
    const block = {
      stride,
      w1: pb.convNoBias(`b${i}_conv1`, 3, cin, cout),
      bn1: pb.batchNorm(`b${i}_bn1`, cout),
      w2: pb.convNoBias(`b${i}_conv2`, 3, cout, cout),
      bn2: pb.batchNorm(`b${i}_bn2`, cout),
      shortcut:
        stride !== 1 || cin !== cout
          ? {
              w: pb.convNoBias(`b${i}_short`, 1, cin, cout),
              bn: pb.batchNorm(`b${i}_short_bn`, cout),
            }
          : null,
    };
    cin = cout;
    return block;
  });
  const head = pb.dense('classifier', cin, numClasses);
  return {
    id: 'resnet',
    input,
    featureDim: cin,
    numClasses,
    hasBatchNorm: true,
    params: pb.params,
    state: pb.state,
    features(x, training, bnOut) {
      const bn = (t: tf.Tensor4D, p: BN) => batchNorm(t, p, training, bnOut);
      let y: tf.Tensor4D = tf.relu(bn(tf.conv2d(x, stemW as tf.Tensor4D, 1, 'same'), stemBn));
      for (const b of blocks) {
        const main = bn(
          tf.conv2d(
            tf.relu(bn(tf.conv2d(y, b.w1 as tf.Tensor4D, b.stride, 'same'), b.bn1)),
            b.w2 as tf.Tensor4D,
            1,
            'same',
          ),
          b.bn2,
        );
        const short = b.shortcut
          ? bn(tf.conv2d(y, b.shortcut.w as tf.Tensor4D, b.stride, 'same'), b.shortcut.bn)
          : y;
        y = tf.relu(tf.add(main, short) as tf.Tensor4D);
      }
      // Global average pooling as a mean: its gradient is composite on every backend.
      return tf.mean(y, [1, 2]) as tf.Tensor2D;
    },
    logits: (hFeat) => denseLinear(hFeat, head),
    dispose: () => {
      for (const v of [...pb.params, ...pb.state]) v.dispose();
    },
  };
}

export class ModelError extends Error {
  override name = 'ModelError';
}

/** Builds a model with weights fixed by `seed`. */
export function createModel(
  id: ModelId,
  input: InputShape,
  numClasses: number,
  seed: number,
): Model {
  const rng = new Rng(seed).fork(0x5eed);
  const isCifar = input.height === 32 && input.width === 32 && input.channels === 3;
  const isMnist = input.height === 28 && input.width === 28 && input.channels === 1;
  if (!isCifar && !isMnist) {
    throw new ModelError(
      `No model for input ${input.height}x${input.width}x${input.channels}: expected 28x28x1 or 32x32x3`,
    );
  }
  switch (id) {
    case 'tiny':
      return plainCnn(id, input, [[8], [16]], 32, numClasses, rng);
    case 'small':
      return isCifar
        ? plainCnn(
            id,
            input,
            [
              [32, 32],
              [64, 64],
            ],
            256,
            numClasses,
            rng,
          )
        : plainCnn(id, input, [[32], [64]], 128, numClasses, rng);
    case 'resnet':
      if (!isCifar)
        throw new ModelError(
          'The ResNet model is for 32x32x3 images (CIFAR-10); use tiny or small for 28x28 data',
        );
      return smallResNet(input, numClasses, rng);
  }
}

/** Copies every parameter and state value of `from` into `to` (same architecture). */
export function copyWeights(from: Model, to: Model): void {
  const a = [...from.params, ...from.state];
  const b = [...to.params, ...to.state];
  if (a.length !== b.length) throw new ModelError('copyWeights: architectures differ');
  a.forEach((v, i) => b[i].assign(v));
}
