/**
 * The one place the engine's kernels are registered with tfjs, called by the backend setup
 * (src/worker/backend.ts in the browser, nodeBackend.ts in Node) before a backend is chosen.
 * Idempotent. Must run after the backend packages are imported (tfjs-backend-wasm registers
 * its own kernels on import; ours replace some of them).
 */
import { channelSumKernel } from './channelSum';
import { CPU_GRADIENT_KERNELS } from './cpuGradients';
import { directConvKernel } from './directConv';
import { MATCHING_KERNELS } from './matchingKernels';
import { medianKernel } from './median';
import { type KernelDefinition, registerKernels } from './registry';
import { reluBackwardKernel } from './reluBackward';
import { SGD_UPDATE_KERNELS } from './sgdUpdate';
import { WASM_KERNELS } from './wasmGradients';

export const ENGINE_KERNELS: readonly KernelDefinition[] = [
  ...SGD_UPDATE_KERNELS,
  reluBackwardKernel,
  channelSumKernel,
  ...CPU_GRADIENT_KERNELS,
  directConvKernel,
  ...MATCHING_KERNELS,
  medianKernel,
  ...WASM_KERNELS,
];

export function registerEngineKernels(): void {
  registerKernels(ENGINE_KERNELS);
}
