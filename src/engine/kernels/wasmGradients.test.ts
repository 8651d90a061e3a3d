/**
 * The wasm kernels of wasmGradients.ts against the cpu backend (pure JS, tfjs's reference):
 * same inputs on both, values read back and compared as max|a − b| / max|a|.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { setupNodeBackend } from '../nodeBackend';
import { registerEngineKernels } from './registerEngineKernels';
import { runKernel } from './registry';
import { WASM_GRADIENT_KERNELS } from './wasmGradients';

/** Float32 reassociation only: XNNPACK and the cpu backend sum in different orders. */
const KERNEL_TOL = 1e-5;
/** A whole CNN's loss gradient: a few more roundings along the chain. */
const MODEL_TOL = 1e-4;

beforeAll(async () => {
  await setupNodeBackend('wasm');
});

/** Seeded standard normals (mulberry32 + Box-Muller), identical on every backend. */
function normals(n: number, seed: number): Float32Array {
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

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const randn = (shape: number[], seed: number) => tf.tensor(normals(size(shape), seed), shape);

/** Runs `f` on cpu, then on wasm (left active); returns both results' values. */
async function onBoth(
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

function expectClose(r: { cpu: Float32Array[]; wasm: Float32Array[] }, tol: number): void {
  expect(r.wasm.length).toBe(r.cpu.length);
  r.cpu.forEach((ref, i) => {
    const err = relErr(ref, r.wasm[i]!);
    expect(err, `output ${i}: relative error ${err.toExponential(2)}`).toBeLessThanOrEqual(tol);
  });
}

/** y and the gradients of Σ y ⊙ dy with respect to every input, dy fixed by `seed`. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed: number) {
  const y = f(...xs);
  const dy = randn(y.shape, seed);
  const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), dy)))(xs);
  return [y, ...grads];
}

describe('registerEngineKernels (wasm gradients)', () => {
  it('registers every listed kernel for wasm, idempotently and without warnings', () => {
    const warn = vi.spyOn(console, 'warn');
    registerEngineKernels();
    const before = WASM_GRADIENT_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    registerEngineKernels();
    const after = WASM_GRADIENT_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    expect(before.every((f) => f != null)).toBe(true);
    expect(after).toEqual(before);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(tf.getBackend()).toBe('wasm');
  });
});

type ConvCase = [x: number[], filter: number[], stride: number, pad: 'same' | 'valid'];
const CONV_CASES: ConvCase[] = [
  [[2, 7, 7, 1], [3, 3, 1, 8], 1, 'same'],
  [[2, 7, 7, 3], [3, 3, 3, 8], 2, 'same'],
  [[2, 7, 7, 3], [3, 3, 3, 8], 2, 'valid'],
  [[2, 7, 7, 8], [5, 5, 8, 3], 1, 'valid'],
  [[3, 5, 9, 16], [1, 1, 16, 8], 2, 'same'],
  [[3, 5, 9, 16], [3, 3, 16, 1], 1, 'same'],
  [[2, 5, 9, 3], [5, 5, 3, 16], 2, 'same'],
  [[2, 5, 9, 8], [3, 3, 8, 16], 2, 'valid'],
  [[2, 28, 28, 1], [3, 3, 1, 8], 1, 'same'],
  [[2, 28, 28, 8], [3, 3, 8, 16], 2, 'same'],
  [[2, 28, 28, 3], [5, 5, 3, 8], 2, 'valid'],
  [[1, 8, 8, 16], [1, 1, 16, 16], 2, 'valid'],
  [[2, 6, 6, 3], [3, 3, 3, 4], 3, 'same'],
  [[2, 7, 7, 2], [4, 4, 2, 3], 2, 'same'],
];

describe('Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  it.each(CONV_CASES)('x %j, filter %j, stride %i, %s', async (xs, fs, stride, pad) => {
    const r = await onBoth(() =>
      valueAndGrads(
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
        [randn(xs, 1), randn(fs, 2)],
        3,
      ),
    );
    expectClose(r, KERNEL_TOL);
  });

  it('explicit pads, including one wider than the filter (wasm-native input-gradient fallback)', async () => {
    const r = await onBoth(() => [
      ...valueAndGrads(
        (x, w) =>
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, [
            [0, 0],
            [1, 2],
            [0, 1],
            [0, 0],
          ]),
        [randn([2, 7, 8, 3], 30), randn([3, 3, 3, 4], 31)],
        32,
      ),
      ...valueAndGrads(
        (x, w) =>
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, [
            [0, 0],
            [3, 0],
            [2, 4],
            [0, 0],
          ]),
        [randn([2, 5, 6, 2], 33), randn([3, 3, 2, 4], 34)],
        35,
      ),
    ]);
    expectClose(r, KERNEL_TOL);
  });

  it('filter gradient in NCHW (kernel called directly: wasm has no NCHW conv2d)', async () => {
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] };
    const r = await onBoth(() => [
      runKernel(
        'Conv2DBackpropFilter',
        { x: randn([2, 3, 7, 9], 36), dy: randn([2, 4, 4, 5], 37) },
        attrs,
      ),
    ]);
    expectClose(r, KERNEL_TOL);
  });

  it('fused conv2d with bias and relu (same kernels underneath)', async () => {
    const r = await onBoth(() =>
      valueAndGrads(
        (x, w, b) =>
          tf.fused.conv2d({
            x: x as tf.Tensor4D,
            filter: w as tf.Tensor4D,
            strides: 1,
            pad: 'same',
            bias: b,
            activation: 'relu',
          }),
        [randn([2, 9, 9, 3], 4), randn([3, 3, 3, 8], 5), randn([8], 6)],
        7,
      ),
    );
    expectClose(r, KERNEL_TOL);
  });
});

describe('MaxPoolGrad and AvgPoolGrad', () => {
  const shapes = [[[2, 7, 7, 3]], [[2, 28, 28, 8]], [[1, 5, 9, 1]], [[3, 4, 4, 16]]];
  for (const pad of ['valid', 'same'] as const) {
    it.each(shapes)(`maxPool 2x2/2 ${pad} on %j, windows of negatives included`, async (s) => {
      const r = await onBoth(() =>
        valueAndGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, pad), [randn(s, 8)], 9),
      );
      expectClose(r, 1e-6);
    });
  }

  it('ties go to the first maximum, as on cpu (relu zeros, repeated integers)', async () => {
    const r = await onBoth(() => {
      const x = tf.round(tf.mul(randn([2, 9, 9, 4], 10), 1.5));
      return [
        ...valueAndGrads((t) => tf.maxPool(tf.relu(t) as tf.Tensor4D, 2, 2, 'same'), [x], 11),
        ...valueAndGrads((t) => tf.maxPool(t as tf.Tensor4D, 3, 1, 'same'), [x], 12),
      ];
    });
    expectClose(r, 1e-6);
  });

  it.each([
    [3, 1, 'same'],
    [3, 2, 'valid'],
    [2, 2, 'same'],
  ] as const)('overlapping and padded windows: filter %i stride %i %s', async (k, s, pad) => {
    const r = await onBoth(() => [
      ...valueAndGrads(
        (x) => tf.maxPool(x as tf.Tensor4D, k, s, pad),
        [randn([2, 7, 8, 3], 13)],
        14,
      ),
      ...valueAndGrads(
        (x) => tf.avgPool(x as tf.Tensor4D, k, s, pad),
        [randn([2, 7, 8, 3], 15)],
        16,
      ),
    ]);
    expectClose(r, KERNEL_TOL);
  });
});

describe('UnsortedSegmentSum (gather gradient)', () => {
  it('gather on axes 0 and 1 with repeated indices', async () => {
    const r = await onBoth(() => [
      ...valueAndGrads(
        (x) => tf.gather(x, tf.tensor1d([0, 2, 2, 4, 0, 1], 'int32')),
        [randn([5, 6], 17)],
        18,
      ),
      ...valueAndGrads(
        (x) => tf.gather(x, tf.tensor1d([5, 5, 1, 0], 'int32'), 1),
        [randn([3, 6, 2], 19)],
        20,
      ),
    ]);
    expectClose(r, KERNEL_TOL);
  });

  it('drops out-of-range segment ids, as on cpu', async () => {
    const r = await onBoth(() => [
      tf.unsortedSegmentSum(randn([6, 3], 21), tf.tensor1d([0, 3, -1, 3, 7, 1], 'int32'), 4),
    ]);
    expectClose(r, 1e-6);
  });
});

describe('BatchMatMul (transposes sent to XNNPACK) and Tile', () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matMul transposeA=%s transposeB=%s, 2-D and batched', async (ta, tb) => {
    const a2 = ta ? [7, 5] : [5, 7];
    const b2 = tb ? [3, 7] : [7, 3];
    const r = await onBoth(() => [
      ...valueAndGrads((a, b) => tf.matMul(a, b, ta, tb), [randn(a2, 22), randn(b2, 23)], 24),
      ...valueAndGrads(
        (a, b) => tf.matMul(a, b, ta, tb),
        [randn([2, ...a2], 25), randn([2, ...b2], 26)],
        27,
      ),
    ]);
    expectClose(r, KERNEL_TOL);
  });

  it.each([
    [
      [1, 1, 1, 4],
      [3, 5, 7, 1],
    ],
    [
      [2, 3],
      [4, 1],
    ],
    [
      [2, 1, 3],
      [1, 5, 2],
    ],
    [[4], [3]],
    [
      [2, 3],
      [1, 1],
    ],
  ])('tile %j by %j (float32, int32, bool)', async (shape, reps) => {
    const r = await onBoth(() => {
      const x = randn(shape, 28);
      return [
        tf.tile(x, reps),
        tf.cast(tf.tile(tf.cast(tf.mul(x, 10), 'int32'), reps), 'float32'),
        tf.cast(tf.tile(tf.greater(x, 0), reps), 'float32'),
      ];
    });
    expectClose(r, 0);
  });
});

/**
 * conv3x3(8)-relu-maxpool-conv3x3(16)-relu-maxpool-dense(32)-relu-dense(10). With batch norm
 * (conv-BN-relu-pool) the conv biases are left out: BN cancels them, so their gradient is
 * round-off on both backends and has no relative error to compare.
 */
function cnnLoss(w: tf.Tensor[], x: tf.Tensor4D, labels: tf.Tensor2D, bn: boolean): tf.Scalar {
  type T = tf.Tensor | undefined;
  const [c1, b1, c2, b2, d1, e1, d2, e2, g1, h1, g2, h2]: T[] = bn
    ? [w[0], undefined, w[1], undefined, ...w.slice(2)]
    : w;
  const block = (h: tf.Tensor4D, k: T, b: T, g: T, beta: T): tf.Tensor4D => {
    let y: tf.Tensor4D = tf.conv2d(h, k as tf.Tensor4D, 1, 'same');
    if (b) y = tf.add(y, b);
    if (g && beta) {
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      y = tf.batchNorm(y, mean, variance, beta, g, 1e-5) as tf.Tensor4D;
    }
    return tf.maxPool(tf.relu(y), 2, 2, 'valid');
  };
  let h = block(x, c1, b1, g1, h1);
  h = block(h, c2, b2, g2, h2);
  const z = tf.relu(tf.add(tf.matMul(tf.reshape(h, [x.shape[0], -1]), d1 as tf.Tensor2D), e1!));
  const logits = tf.add(tf.matMul(z as tf.Tensor2D, d2 as tf.Tensor2D), e2!);
  return tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0.1) as tf.Scalar;
}

const CNN_SHAPES = [
  [3, 3, 1, 8],
  [8],
  [3, 3, 8, 16],
  [16],
  [7 * 7 * 16, 32],
  [32],
  [32, 10],
  [10],
  [8],
  [8],
  [16],
  [16],
];

/** Weights in cnnLoss's order; with `bn`, no conv biases and BN's γ, β appended. */
function cnnInputs(batch: number, bn: boolean) {
  const all = CNN_SHAPES.map((s, i) =>
    tf.mul(randn(s, 100 + i), s.length > 1 ? Math.sqrt(2 / size(s.slice(0, -1))) : 0.1),
  );
  const w = bn ? all.filter((_, i) => i !== 1 && i !== 3) : all.slice(0, 8);
  tf.dispose(all.filter((t) => !w.includes(t)));
  const x = randn([batch, 28, 28, 1], 200) as tf.Tensor4D;
  const labels = tf.oneHot(
    tf.slice(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 7], 'int32'), 0, batch),
    10,
  );
  return { w, x, labels: labels as tf.Tensor2D };
}

describe('small CNN end to end', () => {
  for (const bn of [false, true]) {
    it(`loss gradient w.r.t. all ${bn ? 10 : 8} weights matches cpu${bn ? ' (batch norm)' : ''}`, async () => {
      const r = await onBoth(() => {
        const { w, x, labels } = cnnInputs(12, bn);
        const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) =>
          cnnLoss(ws, x, labels, bn),
        )(w);
        return [value, ...grads];
      });
      expectClose(r, MODEL_TOL);
    });
  }
});

describe('memory', () => {
  it('50 gradient steps leave no tensors and no wasm heap growth', async () => {
    await tf.setBackend('wasm');
    const { w, x, labels } = cnnInputs(8, true);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads((...ws: tf.Tensor[]) =>
          cnnLoss(ws, x, labels, true),
        )(w);
        // Touch the results so that nothing is skipped.
        return tf.add(value, tf.addN(grads.map((g) => tf.sum(g))));
      });
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 3; i++) step().dispose();
    const before = tf.memory();
    const heapBefore = heap();
    for (let i = 0; i < 50; i++) step().dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    // The heap may grow once to a high-water mark but must not creep step after step.
    expect(heap() - heapBefore).toBeLessThanOrEqual(4 * 2 ** 20);
    tf.dispose([...w, x, labels]);
  });
});
