/**
 * Comparing the wasm backend (with the engine's kernels) against the cpu backend: seeded
 * inputs, one function run on both, relative-error checks. Shared by the wasm kernel tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Float32 reassociation only: XNNPACK and the cpu backend sum in different orders. */
export const KERNEL_TOL = 1e-5;
/** A whole CNN's loss gradient: a few more roundings along the chain. */
export const MODEL_TOL = 1e-4;

/** Seeded standard normals (mulberry32 + Box-Muller), identical on every backend. */
export function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

export const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
export const randn = (shape: number[], seed: number) =>
  tf.tensor(normals(size(shape), seed), shape);

/** Runs `f` on cpu, then on wasm (left active); returns both results' values. */
export async function onBoth(
  f: () => tf.Tensor[],
): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const read = async (backend: string) => {
    await tf.setBackend(backend);
    // tidy: inputs made inside f are freed; the returned tensors are disposed below.
    const ts = tf.tidy(f);
    const values = await Promise.all(ts.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(ts);
    return values;
  };
  const cpu = await read('cpu');
  const wasm = await read('wasm');
  return { cpu, wasm };
}

function relErr(ref: Float32Array, got: Float32Array): number {
  expect(got.length).toBe(ref.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i]! - got[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

export function expectClose(r: { cpu: Float32Array[]; wasm: Float32Array[] }, tol: number): void {
  expect(r.wasm.length).toBe(r.cpu.length);
  r.cpu.forEach((ref, i) => {
    const err = relErr(ref, r.wasm[i]!);
    expect(err, `output ${i}: relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(tol);
  });
}

/** y and the gradients of Σ y ⊙ dy with respect to every input, dy fixed by `seed`. */
export function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed: number) {
  const y = f(...xs);
  const dy = randn(y.shape, seed);
  const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), dy)))(xs);
  return [y, ...grads];
}
