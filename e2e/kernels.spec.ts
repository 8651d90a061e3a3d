/**
 * The engine's own kernels in real Chromium: the median bandwidth (one WGSL bitonic sort on
 * WebGPU, topk on WebGL) must give the exact median a CPU sort gives, and Match_c with its
 * written-out gradient, and the gradient of a whole training objective of the tiny CNN (fused
 * conv and dense kernels, cross-entropy, Match_c), must agree with the CPU backend, on every GPU
 * backend the browser has (here: WebGPU and WebGL on SwiftShader). The page is served from
 * source by the dev server.
 */
import { expect, test } from '@playwright/test';
import { DEV_URL } from './browser';

interface BackendCheck {
  error?: string;
  kernel: boolean;
  matchingKernels: boolean;
  programChoices: boolean;
  emulatedWebGl: boolean;
  directConvs: Array<{ name: string; error: number }>;
  filterGradients: Array<{ cin: number; byTaps: boolean; error: number }>;
  elementwise: Record<string, number[]>;
  medians: Array<{ name: string; got: number; want: number }>;
  matching: Record<string, number[]>;
  leaked: number;
  guard: {
    afterFinite: number[];
    lastAfterFinite: number[];
    afterSecond: number[];
    afterInfinite: number[];
    healthy: number[];
  };
}

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
  expect(cpu.error).toBeUndefined();
  expect(cpu.kernel).toBe(true);
  expect(cpu.matchingKernels).toBe(true);
  for (const backend of ['webgpu', 'webgl']) {
    const r = result[backend]!;
    expect(r.error, `${backend} did not run`).toBeUndefined();
    expect(r.kernel, `${backend}: our median kernel registered?`).toBe(backend === 'webgpu');
    // The matching loss: our kernels (matchingKernels.ts) on WebGPU, tfjs ops on WebGL; both
    // against the cpu backend's loops below (Match_c, σ, gradients, the whole model).
    expect(r.matchingKernels, `${backend}: matching kernels`).toBe(backend === 'webgpu');
    // The e2e browser's WebGPU is SwiftShader (--use-webgpu-adapter=swiftshader, even where a
    // GPU exists): the whole-model check ran the engine's programs for an emulated adapter.
    expect(r.programChoices, `${backend}: program choices`).toBe(backend === 'webgpu');
    // Our direct convolution against tfjs's on WebGPU (5 cases; none elsewhere).
    expect(r.directConvs.length, `${backend}: direct convolution cases`).toBe(
      backend === 'webgpu' ? 6 : 0,
    );
    for (const c of r.directConvs) {
      expect(c.error, `${backend} direct convolution, ${c.name}`).toBeLessThan(1e-5);
    }
    // The filter gradient: per-tap products from 8 input channels on SwiftShader WebGL and from
    // 32 on SwiftShader WebGPU, tfjs's program below and on real GPUs (WebGPU is SwiftShader
    // here by the launch flags; WebGL is whatever Chromium picked: the page says which).
    const emulated = backend === 'webgl' ? r.emulatedWebGl : r.programChoices;
    const byTaps = backend === 'webgl' ? [false, true, true] : [false, false, true];
    expect(
      r.filterGradients.map((f) => f.byTaps),
      `${backend}: per-tap filter gradients`,
    ).toEqual(emulated ? byTaps : [false, false, false]);
    for (const f of r.filterGradients) {
      expect(f.error, `${backend} filter gradient, ${f.cin} input channels`).toBeLessThan(1e-5);
    }
    for (const m of r.medians) {
      // The same float32 distances, sorted: the exact same median (CPU and GPU sort agree).
      expect(m.got, `${backend} median, ${m.name}`).toBe(m.want);
    }
    expect(r.leaked, `${backend} tensors left`).toBe(0);
    for (const [key, want] of Object.entries(cpu.matching)) {
      const got = r.matching[key]!;
      expect(got.length, `${backend} ${key}`).toBe(want.length);
      const scale = Math.max(1e-6, ...want.map(Math.abs));
      const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
      expect(worst / scale, `${backend} ${key} vs cpu`).toBeLessThan(1e-3);
    }
  }
  // The engine's elementwise kernels, exact values on every backend (p − 0.5·(0.5v + g); the
  // flag at 0 must leave v and p as they are; the ReLU backward keeps NaN and ±∞ as dy·step(y)).
  for (const backend of ['cpu', 'webgpu', 'webgl']) {
    const e = result[backend]!.elementwise;
    expect(e.candidate, `${backend} SGD candidate`).toEqual([0.375, 1.625, 3.75, 3.875, 4.25]);
    expect(e['velocity ok'], `${backend} velocity`).toEqual([1.25, 0.75, -1.5, 0.25, 1.5]);
    expect(e['velocity refused'], `${backend} velocity, refused`).toEqual([0.5, -0.5, 1, 0, 2]);
    expect(e['select ok'], `${backend} select`).toEqual([1, 2, 3, 4, 5]);
    expect(e['select refused'], `${backend} select, refused`).toEqual([1, 1, -2, 0.25, 0.5]);
    expect(e['relu backward']!.map(String), `${backend} ReLU backward`).toEqual([
      '2',
      '0',
      'NaN',
      'NaN',
      '-Infinity',
      '0',
    ]);
    // The bias-gradient sum (average pools on SwiftShader GPUs): exact, and non-finite where a
    // NaN or ∞ sits (the step guard's signal).
    const [finite, withNaN, withInf] = e['channel sum']!;
    expect(finite, `${backend} channel sum`).toBe(36);
    expect(Number.isFinite(withNaN), `${backend} channel sum with a NaN`).toBe(false);
    expect(withInf, `${backend} channel sum with ∞`).toBe(Number.POSITIVE_INFINITY);
  }
  // The guard on every backend: [1, 2, 3] − 0.5·1 after a finite step (and the 12th tensor,
  // 1…14, all moved), then v = 0.9·1 + 1 = 1.9 and p − 0.5·1.9 after a second; unchanged after
  // a step with one ∞ gradient entry.
  for (const backend of ['cpu', 'webgpu', 'webgl']) {
    const g = result[backend]!.guard;
    expect(g.afterFinite, `${backend} guard, finite step`).toEqual([0.5, 1.5, 2.5]);
    expect(g.lastAfterFinite, `${backend} guard, 12th tensor`).toEqual(
      Array.from({ length: 14 }, (_, i) => i + 0.5),
    );
    const second = [-0.45, 0.55, 1.55];
    g.afterSecond.forEach((v, i) => {
      expect(v, `${backend} guard, second step`).toBeCloseTo(second[i]!, 5);
    });
    expect(g.afterInfinite, `${backend} guard, ∞ step`).toEqual(g.afterSecond);
    expect(g.healthy, `${backend} health flag`).toEqual([1, 0]);
  }
  // The CPU reference itself: a class present in S1 only gets zero gradient rows.
  const dH1 = cpu.matching['biased dH1']!;
  for (let row = 4; row < 24; row += 5) {
    for (let k = 0; k < 6; k++) expect(Math.abs(dH1[row * 6 + k]!)).toBe(0);
  }
});
