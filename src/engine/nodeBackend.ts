/**
 * tfjs backend setup for Node (CLI, unit tests, benchmarks); the browser worker has its own
 * (src/worker/backend.ts). Node only (WebGPU comes from Dawn's binding, nodeWebGpu.ts):
 * excluded from the app's tsconfig.
 */
// Op gradients for autodiff: tfjs-core ships them only as ES modules with extensionless imports,
// which Node cannot load; @tensorflow/tfjs's Node build registers them (and the cpu backend).
// A development dependency: the browser bundle takes them from tfjs-core (src/worker/backend.ts).
// biome-ignore lint/style/noRestrictedImports: Node's op gradients (above).
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { registerEngineKernels } from './kernels/registerEngineKernels';

export type NodeBackendName = 'wasm' | 'cpu' | 'webgpu';
export const NODE_BACKENDS: readonly NodeBackendName[] = ['wasm', 'cpu', 'webgpu'];

/**
 * file: URL of the folder holding the .wasm binaries (ends in '/'). Emscripten's Node loader
 * reads file: URLs, so this works under tsx and vitest whatever the working directory.
 */
export function wasmBinaryFolder(): string {
  try {
    // Resolves to dist/tf-backend-wasm.node.js (the package's "main"), next to the binaries.
    const main = import.meta.resolve('@tensorflow/tfjs-backend-wasm');
    if (main.startsWith('file:')) return new URL('./', main).href;
  } catch {
    // import.meta.resolve is missing in some module runners: use the repo layout below.
  }
  return new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).href;
}

/**
 * Makes `name` the active tfjs backend in Node and returns its name. 'wasm' (the default)
 * loads the binaries from node_modules and registers the missing gradient kernels, so that
 * CNNs train ~10-100x faster than on 'cpu'. 'webgpu' runs on the first adapter Dawn offers
 * (`nodeGpuAdapter()` names it) and throws, saying why, where there is none.
 * Registers the engine's kernels first, whichever the backend.
 */
export async function setupNodeBackend(name: NodeBackendName = 'wasm'): Promise<string> {
  registerEngineKernels();
  if (name === 'wasm') return setupWasmBackend(wasmBinaryFolder());
  if (name === 'webgpu') {
    const { setupNodeWebGpu } = await import('./nodeWebGpu');
    gpuAdapter = (await setupNodeWebGpu()).name;
    return tf.getBackend();
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to start`);
  await tf.ready();
  return tf.getBackend();
}

let gpuAdapter: string | undefined;

/** The WebGPU adapter setupNodeBackend('webgpu') started on (for run records), if any. */
export function nodeGpuAdapter(): string | undefined {
  return tf.getBackend() === 'webgpu' ? gpuAdapter : undefined;
}

/**
 * Makes 'wasm' the active backend; returns its name. `wasmPaths`: the folder (ending in '/')
 * or file map of the .wasm binaries, passed to `setWasmPaths`. Throws if the backend cannot
 * start (e.g. the binaries cannot be loaded).
 */
async function setupWasmBackend(wasmPaths: Parameters<typeof setWasmPaths>[0]): Promise<string> {
  if (!wasmPathsSet) {
    setWasmPaths(wasmPaths);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('The tfjs wasm backend failed to start (see the log for the cause)');
  await tf.ready();
  return tf.getBackend();
}

// The paths are read only by the first initialisation, and setWasmPaths throws after a failed
// one: set them once.
let wasmPathsSet = false;
