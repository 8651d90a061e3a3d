/**
 * Runs in a real browser page (served from source by the dev server) on each GPU backend
 * (webgpu, webgl): the shared kernel cases (src/engine/kernels/kernelCases.ts: median bandwidth,
 * elementwise, Match_c with its gradients, filter gradient, direct convolution) and
 * modelCases.ts (the tiny CNN's whole gradient and one guarded step, the optimizer's guard); the
 * unit tests run the same tables on cpu and wasm. The reference is the cpu backend in the same
 * page (tfjs's own kernel on the same backend for the direct convolution and filter gradient).
 * Results go to `window.kernelCheck` for the spec. Node runs the same checks on Dawn's WebGPU (test/nodeWebGpu.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { DIRECT_CONV2D } from '../../src/engine/kernels/directConv';
import { convFilterGradient, filterGradientByTaps } from '../../src/engine/kernels/filterGradient';
import {
  directConvErrors,
  ELEMENTWISE_CASES,
  FILTER_GRADIENT_CASES,
  filterGradientInputs,
  matchingOutputs,
  medianCases,
  relativeError,
} from '../../src/engine/kernels/kernelCases';
import { hasMatchingKernels } from '../../src/engine/kernels/matchingKernels';
import { hasMedianKernel, upperTriangleMedian } from '../../src/engine/kernels/median';
import { guardOutputs, wholeModelOutputs } from '../../src/engine/kernels/modelCases';
import {
  onEmulatedWebGl,
  onEmulatedWebGpu,
  withProgramChoices,
} from '../../src/engine/kernels/programChoices';
import { registerEngineKernels } from '../../src/engine/kernels/registerEngineKernels';
import { runKernel } from '../../src/engine/kernels/registry';
import {
  clearMatchingCache,
  medianBandwidth,
  pairwiseSqDist,
  SIGMA_FLOOR,
} from '../../src/engine/matching';

/** The shared median cases (kernelCases.ts) against the CPU reference computed in this page. */
async function medians(): Promise<Array<{ name: string; got: number; want: number }>> {
  const out = [];
  for (const c of medianCases()) {
    const h = tf.tensor2d(c.values, [c.rows, c.dim]);
    const d = pairwiseSqDist(h);
    const s = medianBandwidth(d);
    const [dv, sv] = await Promise.all([d.data(), s.data()]);
    out.push({
      name: c.name,
      got: sv[0]!,
      want: Math.fround(Math.max(SIGMA_FLOOR, upperTriangleMedian(dv, c.rows))),
    });
    tf.dispose([h, d, s]);
  }
  return out;
}

/**
 * WebGPU only: our direct convolution (directConv.ts) against tfjs's FusedConv2D on the same
 * backend, over the shared cases (kernelCases.ts: strides, pads, odd sizes, both activations,
 * a NaN input); the worst relative error per case.
 */
async function directConvs(): Promise<Array<{ name: string; error: number }>> {
  if (tf.getBackend() !== 'webgpu') return [];
  return directConvErrors((inputs, attrs) => runKernel(DIRECT_CONV2D, inputs, attrs));
}

/**
 * The engine's filter gradient (filterGradient.ts) against tfjs's Conv2DBackpropFilter on this
 * backend, over the shared cases (kernelCases.ts; 1, 8 and 32 input channels among them):
 * whether it took the per-tap products, and the worst error relative to the largest value.
 */
async function filterGradients(): Promise<
  Array<{ name: string; cin: number; byTaps: boolean; error: number }>
> {
  const out = [];
  for (const c of FILTER_GRADIENT_CASES) {
    const { x, dy, filterShape } = filterGradientInputs(c);
    const ours = withProgramChoices(() => convFilterGradient(x, dy, filterShape));
    const theirs = runKernel(
      tf.Conv2DBackpropFilter,
      { x, dy },
      { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape },
    );
    const [a, b] = [await ours.data(), await theirs.data()];
    const cin = c.xShape[3];
    out.push({ name: c.name, cin, byTaps: filterGradientByTaps(cin), error: relativeError(a, b) });
    tf.dispose([x, dy, ours, theirs]);
  }
  return out;
}

/**
 * The shared elementwise cases (kernelCases.ts: SGD candidate, velocity and select with the flag
 * at 1 and 0, the ReLU backward with NaN and ±∞, the bias-gradient channel sum) on this
 * backend; the verdict compares them with the table's exact values.
 */
async function elementwise(): Promise<Record<string, number[]>> {
  const result: Record<string, number[]> = {};
  for (const c of ELEMENTWISE_CASES) {
    const t = tf.tidy(c.run);
    result[c.name] = Array.from(await t.data(), (x) => x + 0);
    t.dispose();
  }
  return result;
}

/** Every check above on one backend (made active here); `error` where it did not run. */
export async function checkBackend(backend: string): Promise<Record<string, unknown>> {
  try {
    if (!(await tf.setBackend(backend))) throw new Error('not available');
    await tf.ready();
    const before = tf.memory().numTensors;
    const result: Record<string, unknown> = {
      kernel: hasMedianKernel(128),
      matchingKernels: hasMatchingKernels(),
      programChoices: onEmulatedWebGpu(),
      emulatedWebGl: onEmulatedWebGl(),
      medians: await medians(),
      matching: { ...(await matchingOutputs()), ...(await wholeModelOutputs()) },
      guard: await guardOutputs(),
      directConvs: await directConvs(),
      filterGradients: await filterGradients(),
      elementwise: await elementwise(),
    };
    clearMatchingCache();
    return { ...result, leaked: tf.memory().numTensors - before };
  } catch (e) {
    return { error: String(e) };
  }
}

async function main() {
  registerEngineKernels();
  const result: Record<string, unknown> = {};
  for (const backend of ['cpu', 'webgpu', 'webgl']) result[backend] = await checkBackend(backend);
  (window as unknown as { kernelCheck: unknown }).kernelCheck = result;
}

// In the page; Node's WebGPU test (test/nodeWebGpu.test.ts) imports checkBackend only.
if (typeof window !== 'undefined') void main();
