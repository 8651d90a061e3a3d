/**
 * How the engine tells a CPU-emulated GPU (`onEmulatedWebGpu`, `onEmulatedWebGl`: the kernels of
 * filterGradient.ts, channelSum.ts and matchingKernels.ts are chosen by them too), and:
 *
 * Program choices for WebGPU on a CPU-emulated adapter (SwiftShader: what Chromium offers where
 * no GPU is usable, and what this project's tests and benchmarks run on). tfjs-webgpu picks its
 * programs for real GPUs, where many small workgroups pay; on a 2-core emulation they are
 * padding and overhead (figures: bench/PERFORMANCE.md, "Kernel notes"):
 *
 * - Forward convolutions: our direct program (directConv.ts) instead of tfjs's 32x32-tiled
 *   matrix product.
 * - Matrix products: tfjs's 32x32-tiled packed program (`WEBGPU_MATMUL_PROGRAM_TYPE` = 3) also
 *   for the matching loss's 128x128 products, which tfjs sends to a small-tile program meant to
 *   occupy a big GPU.
 *
 * The flag is tfjs's own; `withProgramChoices` sets it around the engine's work only (a
 * training step, an evaluation: both synchronous) and restores it after, so other code in the
 * page (tf.layers, the benchmark's model.fit peer) keeps tfjs's defaults. On real GPUs and on
 * every other backend nothing changes (not measured on a real GPU here).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DIRECT_CONV2D } from './directConv';

const FLAGS: Array<[flag: string, value: number | boolean]> = [['WEBGPU_MATMUL_PROGRAM_TYPE', 3]];

/** Whether the active backend is WebGPU on a CPU-emulated adapter. */
export function onEmulatedWebGpu(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const adapter = (tf.backend() as { adapterInfo?: { architecture?: string } }).adapterInfo;
  return adapter?.architecture === 'swiftshader';
}

/** The WebGL renderer behind a webgl backend, read once per backend instance. */
const renderers = new WeakMap<object, string>();
interface GlLike {
  RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): unknown;
}

/** Whether the active backend is WebGL on a CPU-emulated renderer (SwiftShader, llvmpipe). */
export function onEmulatedWebGl(): boolean {
  if (tf.getBackend() !== 'webgl') return false;
  const backend = tf.backend() as { gpgpu?: { gl?: GlLike } };
  let renderer = renderers.get(backend);
  if (renderer === undefined) {
    const gl = backend.gpgpu?.gl;
    // WEBGL_debug_renderer_info's UNMASKED_RENDERER_WEBGL.
    const unmasked = gl?.getExtension('WEBGL_debug_renderer_info') ? 0x9246 : gl?.RENDERER;
    renderer = gl && unmasked !== undefined ? String(gl.getParameter(unmasked)) : '';
    renderers.set(backend, renderer);
  }
  return /swiftshader|llvmpipe|software/i.test(renderer);
}

/** The kernel for conv + bias (+ ReLU): tfjs's FusedConv2D, or ours on emulated WebGPU. */
export function biasConvKernel(): string {
  return onEmulatedWebGpu() ? DIRECT_CONV2D : tf.FusedConv2D;
}

/** Runs `f` (synchronous tfjs work) with the flag choices above where they apply. */
export function withProgramChoices<T>(f: () => T): T {
  if (!onEmulatedWebGpu()) return f();
  const env = tf.env();
  const before = FLAGS.map(([flag]) => env.get(flag));
  for (const [flag, value] of FLAGS) env.set(flag, value);
  try {
    return f();
  } finally {
    FLAGS.forEach(([flag], i) => env.set(flag, before[i]!));
  }
}
