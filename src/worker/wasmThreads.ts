/**
 * Makes tfjs's threaded SIMD wasm build start from a bundled worker.
 *
 * tfjs hands each pthread worker the main script as a Blob built from
 * `wasmFactoryThreadedSimd.toString()`. Once bundled and minified, that function refers to
 * names of its enclosing module scope (Emscripten's `_scriptDir` becomes `e`), which the
 * pthread worker does not have: it dies with "ReferenceError: e is not defined".
 * The fix: give that very function object an own `toString` that returns Emscripten's
 * original, self-contained script (imported as text), so the Blob defines the factory with
 * everything it needs. The bundler deduplicates the module, so `threadedFactory` here is the
 * same object tfjs's backend holds.
 */
import * as threadedModule from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedSource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

const PREFIX = 'var WasmBackendModuleThreadedSimd = ';

/** Returns null when patched, or why it could not be (then use the single-threaded build). */
export function patchThreadedWasmFactory(): string | null {
  const mod = threadedModule as unknown as { default?: unknown };
  const factory = (mod.default ?? mod) as { toString(): string } | undefined;
  if (typeof factory !== 'function') return 'the threaded wasm factory was not found in the bundle';
  const start = threadedSource.indexOf(PREFIX);
  if (start < 0) return 'the threaded wasm script has an unexpected shape';
  // tfjs prepends PREFIX itself: return the rest, an expression followed by statements.
  const body = threadedSource.slice(start + PREFIX.length);
  Object.defineProperty(factory, 'toString', { value: () => body, configurable: true });
  return null;
}
