/**
 * Backend choice in the worker: WebGPU first, then WebAssembly, then WebGL, then the plain CPU
 * backend (wasm before WebGL: measured faster for these small CNNs on CPU-only machines).
 * Records why each faster backend was passed over, and the adapter's description.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers its op gradients (autodiff) only on this import, as @tensorflow/tfjs does.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerEngineKernels } from '../engine/kernels/registerEngineKernels';
import type { BackendInfo, BackendName } from '../protocol';
import { patchThreadedWasmFactory } from './wasmThreads';

export const BACKEND_ORDER: BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** How long the wasm backend (its thread pool included) may take to start. */
const WASM_START_MS = 20_000;

type Adapter = NonNullable<BackendInfo['adapter']>;

interface GpuLike {
  requestAdapter(
    opts?: object,
  ): Promise<{ info?: Record<string, string>; isFallbackAdapter?: boolean } | null>;
}

/** A CPU-emulated WebGPU adapter (SwiftShader, or one the browser marks as a fallback). */
function isSoftwareAdapter(adapter: {
  info?: Record<string, string>;
  isFallbackAdapter?: boolean;
}) {
  const info = adapter.info ?? {};
  return (
    adapter.isFallbackAdapter === true ||
    (info as { isFallbackAdapter?: unknown }).isFallbackAdapter === true ||
    /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`)
  );
}

async function probeWebGpu(
  allowSoftware: boolean,
): Promise<{ ok: true; adapter: Adapter } | { ok: false; reason: string }> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) {
    return {
      ok: false,
      reason: 'webgpu: this browser exposes no navigator.gpu (WebGPU is off or unsupported)',
    };
  }
  let adapterInfo: Record<string, string> | undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      return { ok: false, reason: 'webgpu: navigator.gpu.requestAdapter() found no adapter' };
    adapterInfo = adapter.info;
    // Measured here (bench/PERFORMANCE.md): a tiny CNN step takes seconds on SwiftShader
    // WebGPU and ~20 ms on wasm. A software adapter is only used when asked for.
    if (!allowSoftware && isSoftwareAdapter(adapter)) {
      return {
        ok: false,
        reason:
          'webgpu: the only adapter is a software one (SwiftShader), far slower here than WebAssembly; add ?backend=webgpu to the URL to use it anyway',
      };
    }
  } catch (e) {
    return { ok: false, reason: `webgpu: requesting an adapter failed (${(e as Error).message})` };
  }
  try {
    if (!(await tf.setBackend('webgpu'))) {
      return { ok: false, reason: 'webgpu: the device request failed' };
    }
  } catch (e) {
    return { ok: false, reason: `webgpu: the device request failed (${(e as Error).message})` };
  }
  return {
    ok: true,
    adapter: {
      vendor: adapterInfo?.vendor || undefined,
      architecture: adapterInfo?.architecture || undefined,
      description: adapterInfo?.description || undefined,
      device: adapterInfo?.device || undefined,
    },
  };
}

async function trySetBackend(name: BackendName, notes: string[]): Promise<string | null> {
  try {
    if (name === 'wasm') {
      const isolated =
        (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlainUrl,
        'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
      });
      // The threaded SIMD build needs a cross-origin-isolated page (SharedArrayBuffer) and
      // a self-contained factory for its pthread workers (see wasmThreads.ts).
      const patchFailure = isolated ? patchThreadedWasmFactory() : null;
      if (!isolated || patchFailure) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      // If the pthread workers cannot start, Emscripten waits for them forever: give up after
      // WASM_START_MS and let the next backend train rather than hang.
      const started = await Promise.race([
        tf.setBackend('wasm'),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), WASM_START_MS)),
      ]);
      if (started === 'timeout')
        return `wasm: the backend did not start within ${WASM_START_MS / 1000} s (its thread pool never came up)`;
      if (!started) return 'wasm: initialisation failed';
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threaded = simd && (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      notes.push(
        threaded
          ? // tfjs sizes XNNPACK's pool to half the logical cores (at most 8): 1 on 2 cores.
            `wasm: SIMD, threaded build, ${getThreadsCount()} of ${navigator.hardwareConcurrency} cores`
          : `wasm: ${simd ? 'SIMD' : 'no SIMD'}, single-threaded (${
              patchFailure ??
              (!isolated
                ? 'the page is not cross-origin isolated, so SharedArrayBuffer is off'
                : !simd
                  ? "tfjs's threaded build needs SIMD"
                  : 'this browser has no wasm threads')
            })`,
      );
      return null;
    }
    if (!(await tf.setBackend(name))) return `${name}: initialisation failed`;
    return null;
  } catch (e) {
    return `${name}: ${(e as Error).message}`;
  }
}

/**
 * Picks the fastest backend that works; `skip` names backends not to try (tests, user choice).
 * `allowSoftwareGpu: false` passes over a CPU-emulated WebGPU adapter (the app's default).
 */
export async function chooseBackend(
  skip: BackendName[] = [],
  { allowSoftwareGpu = true }: { allowSoftwareGpu?: boolean } = {},
): Promise<BackendInfo> {
  registerEngineKernels();
  const fallbackReasons: string[] = [];
  const notes: string[] = [];
  for (const name of BACKEND_ORDER) {
    if (skip.includes(name)) {
      fallbackReasons.push(`${name}: skipped on request`);
      continue;
    }
    if (name === 'webgpu') {
      const r = await probeWebGpu(allowSoftwareGpu);
      if (r.ok) {
        await tf.ready();
        return {
          backend: 'webgpu',
          adapter: r.adapter,
          fallbackReasons,
          notes,
          tfjsVersion: tf.version_core,
        };
      }
      fallbackReasons.push(r.reason);
      continue;
    }
    const failure = await trySetBackend(name, notes);
    if (!failure) {
      await tf.ready();
      return { backend: name, fallbackReasons, notes, tfjsVersion: tf.version_core };
    }
    fallbackReasons.push(failure);
  }
  throw new Error(`No TensorFlow.js backend could start: ${fallbackReasons.join('; ')}`);
}

/** Resolves with a message when the WebGPU device is lost (tfjs registers no handler itself). */
export function watchDeviceLoss(onLost: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (
    tf.backend() as unknown as { device?: { lost?: Promise<{ message: string; reason: string }> } }
  ).device;
  device?.lost?.then((info) =>
    onLost(`${info.reason || 'unknown'}: ${info.message || 'the GPU device was lost'}`),
  );
}

/**
 * Whether the WebGPU device is lost or is about to be reported lost: a failed read often
 * surfaces before `device.lost` resolves, so wait a moment for it.
 */
export async function deviceLostSoon(waitMs = 500): Promise<boolean> {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<unknown> } }).device;
  if (!device?.lost) return false;
  return Promise.race([
    device.lost.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), waitMs)),
  ]);
}

/** Destroys the WebGPU device (tests of device-loss handling). */
export function destroyDevice(): boolean {
  const device = (tf.backend() as unknown as { device?: { destroy(): void } }).device;
  if (!device) return false;
  device.destroy();
  return true;
}
