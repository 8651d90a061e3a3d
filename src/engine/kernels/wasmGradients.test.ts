/**
 * The wasm kernels of wasmGradients.ts against the cpu backend (pure JS, tfjs's reference):
 * same inputs on both, values read back and compared as max|a − b| / max|a|.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  expectClose,
  KERNEL_TOL,
  onBoth,
  randn,
  valueAndGrads,
} from '../../../test/cpuWasmCompare';
import { setupNodeBackend } from '../nodeBackend';
import { FILTER_GRADIENT_CASES, filterGradientInputs } from './kernelCases';
import { registerEngineKernels } from './registerEngineKernels';
import { runKernel } from './registry';
import { WASM_GRADIENT_KERNELS } from './wasmGradients';

beforeAll(async () => {
  await setupNodeBackend('wasm');
});

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

  // The kernel case table's filter-gradient family (kernelCases.ts): 1 to 3 input channels
  // take the patch-matrix route, more the convolution route (wasmConvGradients.ts).
  it.each(FILTER_GRADIENT_CASES.map((c) => [c.name, c] as const))(
    'filter gradient case %s',
    async (_, c) => {
      const r = await onBoth(() => {
        const { x, dy, filterShape } = filterGradientInputs(c);
        return [
          runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape },
          ),
        ];
      });
      expectClose(r, KERNEL_TOL);
    },
  );

  it('filter gradient with fewer taps than filters (dy first in the product): NHWC and NCHW', async () => {
    const r = await onBoth(() => [
      ...valueAndGrads(
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
        [randn([2, 9, 8, 1], 40), randn([3, 3, 1, 16], 41)],
        42,
      ),
      ...valueAndGrads(
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
        [randn([2, 6, 7, 2], 43), randn([2, 2, 2, 12], 44)],
        45,
      ),
      runKernel(
        'Conv2DBackpropFilter',
        { x: randn([2, 2, 7, 9], 46), dy: randn([2, 16, 4, 5], 47) },
        { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [2, 2, 2, 16] },
      ),
      runKernel(
        'Conv2DBackpropFilter',
        { x: randn([1, 1, 6, 5], 48), dy: randn([1, 12, 6, 5], 49) },
        { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 1, 12] },
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
