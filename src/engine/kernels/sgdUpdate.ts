/**
 * The guarded SGD-momentum update (optimizer.ts) as three elementwise kernels of our own, one
 * program each per parameter tensor, on webgl, webgpu, cpu and wasm (elementwise.ts):
 *
 * - `ItraSgdCandidate`  (p, v, g, lr; momentum μ)  → p − lr·(μv + g), the value to probe;
 * - `ItraSgdVelocity`   (ok, v, g; momentum μ)     → ok ? μv + g : v;
 * - `ItraSelectByFlag`  (ok, t, e)                 → ok ? t : e, for any shape.
 *
 * `ok` is a float32 scalar (1 or 0) and `lr` a float32 scalar tensor, so the learning rate
 * changes live and the guard needs no read-back. With tfjs's ops the same update costs 4
 * kernels per parameter (mul, add, mul, sub) plus a Select each for p and v, and a Select needs
 * its condition broadcast to the tensor's shape (a Tile, or on WebGL a reshape to one row, which
 * is a draw for a packed texture): ~8 draws per tensor on the GPU backends, against 3 here, and
 * against 4 (no guard) for tfjs's own momentum optimizer. On cpu and wasm each is one loop over
 * typed arrays, rounding to float32 after every operation as tfjs's kernels do, so the results
 * equal tfjs's ops there bit for bit (sgdUpdate.test.ts). On the GPUs the shader compiler may
 * fuse a multiply-add: results agree to float32 rounding (e2e/kernels.spec.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { defineElementwiseKernel } from './elementwise';
import { type KernelDefinition, runKernel } from './registry';

export const SGD_CANDIDATE = 'ItraSgdCandidate';
export const SGD_VELOCITY = 'ItraSgdVelocity';
export const SELECT_BY_FLAG = 'ItraSelectByFlag';

const f = Math.fround;

const candidate = defineElementwiseKernel({
  name: SGD_CANDIDATE,
  inputs: ['p', 'v', 'g', 'lr'],
  shapeFrom: 'p',
  attrs: ['momentum'],
  loop(n, [p, v, g, lr], out, [mu]) {
    const rate = lr![0]!;
    for (let i = 0; i < n; i++) out[i] = p![i]! - f(rate * f(f(mu! * v![i]!) + g![i]!));
  },
  glsl: `
    float vNew = momentum * getVAtOutCoords() + getGAtOutCoords();
    setOutput(getPAtOutCoords() - getLr() * vNew);`,
  wgsl: `
    let vNew = uniforms.momentum * v[index] + g[index];
    result[index] = p[index] - lr[0] * vNew;`,
});

const velocity = defineElementwiseKernel({
  name: SGD_VELOCITY,
  inputs: ['ok', 'v', 'g'],
  shapeFrom: 'v',
  attrs: ['momentum'],
  loop(n, [ok, v, g], out, [mu]) {
    if (ok![0]! > 0.5) for (let i = 0; i < n; i++) out[i] = f(mu! * v![i]!) + g![i]!;
    else out.set(v as Float32Array);
  },
  glsl: `
    float v = getVAtOutCoords();
    setOutput(getOk() > 0.5 ? momentum * v + getGAtOutCoords() : v);`,
  wgsl: `
    if (ok[0] > 0.5) {
      result[index] = uniforms.momentum * v[index] + g[index];
    } else {
      result[index] = v[index];
    }`,
});

const selectFlag = defineElementwiseKernel({
  name: SELECT_BY_FLAG,
  inputs: ['ok', 't', 'e'],
  shapeFrom: 't',
  loop(_n, [ok, t, e], out) {
    out.set((ok![0]! > 0.5 ? t : e) as Float32Array);
  },
  glsl: `
    setOutput(getOk() > 0.5 ? getTAtOutCoords() : getEAtOutCoords());`,
  wgsl: `
    if (ok[0] > 0.5) {
      result[index] = t[index];
    } else {
      result[index] = e[index];
    }`,
});

export const SGD_UPDATE_KERNELS: KernelDefinition[] = [candidate, velocity, selectFlag];

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}) =>
  runKernel<tf.Tensor>(name, inputs, attrs);

/** p − lr·(μv + g): SGD-momentum's next parameter value, not yet committed. */
export const sgdCandidate = (p: tf.Tensor, v: tf.Tensor, g: tf.Tensor, lr: tf.Scalar, mu: number) =>
  run(SGD_CANDIDATE, { p, v, g, lr }, { momentum: mu });

/** ok ? μv + g : v (ok: a float32 scalar, 1 or 0). */
export const sgdVelocity = (ok: tf.Scalar, v: tf.Tensor, g: tf.Tensor, mu: number) =>
  run(SGD_VELOCITY, { ok, v, g }, { momentum: mu });

/** ok ? t : e, elementwise over tensors of one shape (ok: a float32 scalar, 1 or 0). */
export const selectByFlag = (ok: tf.Scalar, t: tf.Tensor, e: tf.Tensor) =>
  run(SELECT_BY_FLAG, { ok, t, e });
