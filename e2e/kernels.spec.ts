/**
 * The engine's own kernels in real Chromium: the median bandwidth (one WGSL bitonic sort on
 * WebGPU, topk on WebGL) must give the exact median a CPU sort gives, and Match_c with its
 * written-out gradient, and the gradient of a whole training objective of the tiny CNN (fused
 * conv and dense kernels, cross-entropy, Match_c), must agree with the CPU backend, on every GPU
 * backend the browser has (here: WebGPU and WebGL on SwiftShader). The page is served from
 * source by the dev server; what each check must show is in kernelVerdict.ts (shared with
 * Node's WebGPU test, test/nodeWebGpu.test.ts).
 */
import { expect, test } from '@playwright/test';
import { DEV_URL } from './browser';
import {
  type BackendCheck,
  type Expect,
  expectCpuReference,
  expectExactKernels,
  expectGpuAgrees,
} from './kernelVerdict';

test('median σ, Match_c, the tiny CNN training gradients and the NaN guard agree with the CPU on webgpu and webgl', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${DEV_URL}/e2e/pages/kernels.html`);
  const handle = await page.waitForFunction(
    () => (window as unknown as { kernelCheck?: unknown }).kernelCheck,
    null,
    { timeout: 300_000 },
  );
  const result = (await handle.jsonValue()) as Record<string, BackendCheck>;
  expect(errors).toEqual([]);
  const cpu = result.cpu!;
  const judge: Expect = expect;
  expectCpuReference(judge, cpu);
  // The e2e browser's WebGPU is SwiftShader (--use-webgpu-adapter=swiftshader, even where a
  // GPU exists): the whole-model check ran the engine's programs for an emulated adapter.
  for (const backend of ['webgpu', 'webgl'] as const) {
    expectGpuAgrees(judge, cpu, result[backend]!, backend, true);
  }
  for (const backend of ['cpu', 'webgpu', 'webgl'])
    expectExactKernels(judge, result[backend]!, backend);
});
