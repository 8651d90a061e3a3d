// vitest setupFiles entry: runs once per test file, before its tests; every file trains on
// the wasm backend with the gradient kernels of src/engine/kernels/wasmGradients.ts.
import { setupNodeBackend } from '../src/engine/nodeBackend';

await setupNodeBackend('wasm');
