/**
 * tfjs backend setup for Node (CLI, unit tests, benchmarks). No DOM and no Node imports, so
 * it also type-checks with the app's tsconfig; the browser worker uses `setupWasmBackend`.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmGradientKernels, setupWasmBackend } from './wasmGradients';

export { registerWasmGradientKernels, setupWasmBackend };

export type NodeBackendName = 'wasm' | 'cpu';

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
 * CNNs train ~10-100x faster than on 'cpu'.
 */
export async function setupNodeBackend(name: NodeBackendName = 'wasm'): Promise<string> {
  if (name === 'wasm') return setupWasmBackend(wasmBinaryFolder());
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to start`);
  await tf.ready();
  return tf.getBackend();
}
